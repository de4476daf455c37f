"""The embedded backend's accounting store (slurmdbd's part), kept in SQLite."""

from slurmrestd.cluster.embedded.accounting.store import SqliteAccounting

__all__ = ["SqliteAccounting"]
