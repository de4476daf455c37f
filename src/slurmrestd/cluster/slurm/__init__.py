"""The slurm backend: a real Slurm cluster, reached through its commands as the user."""

from slurmrestd.cluster.slurm.cluster import SlurmCluster
from slurmrestd.cluster.slurm.commands import SlurmCommands

__all__ = ["SlurmCluster", "SlurmCommands"]
