"""Version-neutral records of bulk job control: kill filters, per-job outcomes,
compact job states and the per-node layout of a running job's resources."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from slurmrestd.model.job import JobState


@dataclass(frozen=True, slots=True)
class KillJobsFilter:
    """Which jobs a bulk signal (scancel with filters) selects; empty = any.

    Every given criterion must match. `jobs` are ids as written ("12", "12_3").
    """

    jobs: tuple[str, ...] = ()
    signal: int | None = None  # None: SIGKILL, which cancels
    flags: frozenset[str] = frozenset()  # e.g. BATCH_JOB
    account: str | None = None
    job_name: str | None = None
    states: frozenset[JobState] = frozenset()
    nodes: tuple[str, ...] = ()  # expanded names: jobs allocated any of them
    partition: str | None = None
    qos: str | None = None
    reservation: str | None = None
    user_id: int | None = None
    user_name: str | None = None
    wckey: str | None = None

    def takes(
        self,
        *,
        account: str | None,
        job_name: str | None,
        partition: str | None,
        qos: str | None,
        reservation: str | None,
        user_id: int | None,
        user_name: str | None,
        wckey: str | None,
        nodes: Iterable[str],
    ) -> bool:
        """Whether a job with these values meets every criterion given (not the states)."""
        checks = (
            (self.account, account),
            (self.job_name, job_name),
            (self.partition, partition),
            (self.qos, qos),
            (self.reservation, reservation),
            (self.user_id, user_id),
            (self.user_name, user_name),
            (self.wckey, wckey),
        )
        if any(wanted is not None and wanted != value for wanted, value in checks):
            return False
        return not self.nodes or not set(self.nodes).isdisjoint(nodes)

    @property
    def selects_anything(self) -> bool:
        """Whether any criterion is given (an empty filter would hit every job)."""
        return bool(
            self.jobs
            or self.states
            or self.nodes
            or any(
                value is not None
                for value in (
                    self.account,
                    self.job_name,
                    self.partition,
                    self.qos,
                    self.reservation,
                    self.user_id,
                    self.user_name,
                    self.wckey,
                )
            )
        )


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """What happened to one job of a bulk request (errno 0 = done)."""

    job_id: int
    errno: int = 0
    description: str = ""
    step_id: str = ""


@dataclass(frozen=True, slots=True)
class JobStateEntry:
    """One job's compact state (squeue --only-job-state)."""

    job_id: int
    state: JobState
    flags: frozenset[str] = frozenset()  # REQUEUED, COMPLETING ...
    array_job_id: int | None = None
    array_task_id: int | None = None


@dataclass(frozen=True, slots=True)
class NodeLayout:
    """What a running job holds on one node."""

    node: str
    sockets_per_node: int = 1
    cores_per_socket: int = 1
    mem_alloc: int = 0  # MiB
    core_bitmap: str = ""  # allocated core indexes as a range list, e.g. "0-3"
