"""The cluster backend interface that both backends implement.

Every call takes the requesting Identity; failures are SlurmError. Records
are version-neutral (see model/); backends know nothing of HTTP or API versions.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from slurmrestd.auth.base import Identity
from slurmrestd.model.controller import ControllerPing, SlurmVersion
from slurmrestd.model.license import LicenseSnapshot
from slurmrestd.slurmconf import SlurmConf


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

    def licenses(self, identity: Identity) -> LicenseSnapshot:
        """The license table."""
        ...

    def healthy(self) -> bool:
        """Whether the backend can currently serve requests (for /healthz)."""
        ...

    def reload(self, conf: SlurmConf | None = None) -> None:
        """Take a re-read slurm.conf (SIGHUP). Raises SlurmError if it is unusable."""
        ...

    def close(self) -> None: ...
