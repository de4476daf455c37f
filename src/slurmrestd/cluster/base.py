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
    from slurmrestd.model.conf import ControllerConfig
    from slurmrestd.model.diag import ControllerDiag
    from slurmrestd.model.job import JobSnapshot
    from slurmrestd.model.job_control import JobOutcome, JobStateEntry, KillJobsFilter, NodeLayout
    from slurmrestd.model.node import NodeSnapshot
    from slurmrestd.model.node_update import NodeUpdate
    from slurmrestd.model.partition import PartitionSnapshot
    from slurmrestd.model.partition_update import PartitionUpdate
    from slurmrestd.model.reservation import Reservation, ReservationSnapshot
    from slurmrestd.model.reservation_request import ReservationRequest
    from slurmrestd.model.shares import SharesSnapshot


@runtime_checkable
class Cluster(Protocol):
    """A Slurm cluster as the REST API sees it."""

    name: str

    @property
    def accounting(self) -> AccountingStore | None:
        """The slurmdbd side of the cluster (None: the cluster keeps no accounting)."""
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

    def allocate_job(
        self, identity: Identity, descriptions: Sequence[JobDescription]
    ) -> SubmitResult:
        """Allocate resources for a job without a batch script (natively with a token,
        else salloc --no-shell); it holds them until cancelled or out of time."""
        ...

    def requeue_job_with_flags(
        self, identity: Identity, job_id: str, flags: frozenset[str]
    ) -> None:
        """Requeue with scontrol's options: HOLD, INCOMPLETE, SPECIAL_EXIT."""
        ...

    def kill_jobs(self, identity: Identity, selection: KillJobsFilter) -> list[JobOutcome]:
        """Signal every job the filter selects (scancel with filters); one outcome each.

        Raises:
            SlurmError: the filter selects nothing at all (9000).
        """
        ...

    def job_states(self, identity: Identity, job_ids: Sequence[str]) -> list[JobStateEntry]:
        """Compact states of the given jobs (every job when none is given)."""
        ...

    def job_resources(self, identity: Identity, job_id: str) -> tuple[NodeLayout, ...]:
        """Per-node resources of a running job.

        Raises:
            SlurmError: 2017 unknown job, 2085 not running.
        """
        ...

    def nodes(self, identity: Identity) -> NodeSnapshot: ...

    def update_nodes(self, identity: Identity, update: NodeUpdate) -> None:
        """Change state, reason ... of the nodes `update.names` lists (operators only)."""
        ...

    def create_node(self, identity: Identity, node_conf: str) -> None:
        """Add dynamic nodes from a slurm.conf NodeName= line (operators only)."""
        ...

    def delete_node(self, identity: Identity, name: str) -> None:
        """Remove a dynamic node (operators only)."""
        ...

    def update_partitions(
        self, identity: Identity, updates: Sequence[PartitionUpdate]
    ) -> list[str]:
        """Create or change partitions (operators only); returns notes on ignored fields."""
        ...

    def delete_partition(self, identity: Identity, name: str) -> None: ...

    def update_reservations(
        self, identity: Identity, requests: Sequence[ReservationRequest]
    ) -> list[Reservation]:
        """Create or change reservations; returns them as they now are."""
        ...

    def delete_reservation(self, identity: Identity, name: str) -> None: ...

    def reconfigure(self, identity: Identity) -> None:
        """Re-read slurm.conf (scontrol reconfigure; operators only)."""
        ...

    def controller_config(self, identity: Identity) -> ControllerConfig:
        """The configuration in effect (scontrol show config)."""
        ...

    def shares(
        self, identity: Identity, accounts: Sequence[str], users: Sequence[str]
    ) -> SharesSnapshot:
        """Fair-share rows (sshare), optionally only of some accounts or users."""
        ...

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
