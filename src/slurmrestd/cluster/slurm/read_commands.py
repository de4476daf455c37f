"""The Slurm commands the backend reads with, shared by its modules."""

# The read commands (22.05): squeue/sinfo print the v0.0.38 bodies; partitions,
# reservations and statistics exist only as text. --all shows hidden partitions.
SQUEUE_JSON = ("squeue", "--all", "--json")
SINFO_JSON = ("sinfo", "--all", "--json")
SHOW_PARTITIONS = ("scontrol", "--all", "--oneliner", "show", "partition")
SHOW_RESERVATIONS = ("scontrol", "--oneliner", "show", "reservation")
SDIAG = ("sdiag",)
# Times as unix seconds in scontrol's text, not local clock readings.
UNIX_TIMES = {"SLURM_TIME_FORMAT": "%s"}
