"""The cluster backend interface that both backends implement.

Every call takes the requesting Identity; failures are SlurmError. Records
are version-neutral (see model/); backends know nothing of HTTP or API versions.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from slurmrestd.auth.base import Identity
from slurmrestd.model.controller import ControllerPing, SlurmVersion


@runtime_checkable
class Cluster(Protocol):
    """A Slurm cluster as the REST API sees it."""

    name: str

    @property
    def version(self) -> SlurmVersion:
        """The Slurm release this backend reports in `meta`."""
        ...

    def ping(self, identity: Identity) -> list[ControllerPing]:
        """Ping every controller."""
        ...

    def healthy(self) -> bool:
        """Whether the backend can currently serve requests (for /healthz)."""
        ...

    def reload(self) -> None:
        """Re-read configuration (SIGHUP)."""
        ...

    def close(self) -> None: ...
