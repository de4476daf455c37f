"""The embedded backend: a single-host workload manager inside the daemon."""

from slurmrestd.cluster.embedded.cluster import EmbeddedCluster

__all__ = ["EmbeddedCluster"]
