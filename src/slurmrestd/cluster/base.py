"""The cluster backend interface that both backends implement.

Every call takes the requesting Identity; failures are SlurmError. Records
are version-neutral (see model/); backends know nothing of HTTP or API versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from slurmrestd.auth.base import Identity
from slurmrestd.model.controller import ControllerPing, SlurmVersion
from slurmrestd.model.job_desc import JobDescription, SubmitResult
from slurmrestd.model.license import LicenseSnapshot
from slurmrestd.slurmconf import SlurmConf

if TYPE_CHECKING:
    from slurmrestd.cluster.accounting import AccountingStore
    from slurmrestd.model.diag import ControllerDiag
    from slurmrestd.model.job import JobSnapshot
    from slurmrestd.model.node import NodeSnapshot
    from slurmrestd.model.partition import PartitionSnapshot
    from slurmrestd.model.reservation import ReservationSnapshot


@runtime_checkable
class Cluster(Protocol):
    """A Slurm cluster as the REST API sees it."""

    name: str

    @property
    def accounting(self) -> AccountingStore:
        """The slurmdbd side of the cluster."""
        ...

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

    def jobs(self, identity: Identity) -> JobSnapshot:
        """Every job the controller knows, with the time of its last change."""
        ...

    def job(self, identity: Identity, job_id: str) -> JobSnapshot:
        """One job ("12"), an array task ("12_3") or an array with its tasks.

        Raises:
            SlurmError: 2017 when there is no such job.
        """
        ...

    def submit_job(
        self, identity: Identity, descriptions: Sequence[JobDescription]
    ) -> SubmitResult:
        """Submit a batch job (several descriptions: a heterogeneous job)."""
        ...

    def update_job(self, identity: Identity, job_id: str, changes: JobDescription) -> None:
        """Change the fields given in `changes` (hold/release are changes too)."""
        ...

    def signal_job(
        self, identity: Identity, job_id: str, signal: int, flags: frozenset[str]
    ) -> None:
        """Send a signal; SIGKILL with no flags cancels the job (scancel)."""
        ...

    def requeue_job(self, identity: Identity, job_id: str) -> None:
        """Put a running or finished job back in the queue."""
        ...

    def nodes(self, identity: Identity) -> NodeSnapshot: ...

    def partitions(self, identity: Identity) -> PartitionSnapshot: ...

    def reservations(self, identity: Identity) -> ReservationSnapshot: ...

    def diag(self, identity: Identity) -> ControllerDiag:
        """The controller's statistics (sdiag)."""
        ...

    def healthy(self) -> bool:
        """Whether the backend can currently serve requests (for /healthz)."""
        ...

    def reload(self, conf: SlurmConf | None = None) -> None:
        """Take a re-read slurm.conf (SIGHUP). Raises SlurmError if it is unusable."""
        ...

    def close(self) -> None: ...
