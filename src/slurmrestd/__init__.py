"""slurmrestd-py: a drop-in implementation of Slurm's REST daemon."""

__version__ = "0.1.0"
