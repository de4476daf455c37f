"""SlurmCluster: the Cluster protocol answered by a real Slurm through its commands.

Each call runs a Slurm command as the requesting identity (see commands.py)
and parses its output (JSON where 22.05 prints it: json_reads.py; text
elsewhere: parse.py, partition_text.py, reservation_text.py, sdiag_text.py,
config_text.py, sshare_text.py). Concurrent identical reads share one command
run (singleflight.py). Writes: sbatch_args.py and job_control.py (jobs),
salloc_args.py (allocations), bulk_kill.py and job_control_more.py (bulk
signal, requeue options, states, layouts), admin_commands.py and
reservation_commands.py (nodes, partitions, reservations, reconfigure).
Start-up proves the controller answers; health is a cached `scontrol ping`
refreshed in the background, because /healthz is answered on the event loop
and must never wait for a process.

Submissions, allocations and pings with a token go to slurmctld over its own protocol
(protocol/, NativeCalls below): the job is the token user's whoever runs the
daemon, and no process is forked. What that client cannot express goes to
sbatch, which reads the job's environment from --export-file and then signs
with munge as its own process uid (seen on 22.05.8): there a JWT user other
than the daemon's own gets "Invalid user id" (2010), Slurm's answer to a
token that does not match the submitting uid.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.errors import Errno, SlurmError, error_text
from slurmrestd.cluster.slurm import (
    job_control,
    sbatch_args,
)
from slurmrestd.cluster.slurm.commands import (
    CONTROLLER_UNREACHABLE,
    DEFAULT_TIMEOUT_S,
    UNREACHABLE,
    SlurmCommands,
    error_from_output,
)
from slurmrestd.cluster.slurm.freshness import DEFAULT_FRESHNESS_S, FreshReads, read_key
from slurmrestd.cluster.slurm.json_reads import jobs_from_squeue, nodes_from_sinfo, select_job
from slurmrestd.cluster.slurm.parse import parse_config, parse_licenses, parse_ping, parse_version
from slurmrestd.cluster.slurm.partition_text import parse_partitions
from slurmrestd.cluster.slurm.reservation_text import parse_reservations
from slurmrestd.cluster.slurm.sdiag_text import parse_sdiag
from slurmrestd.cluster.slurm.submission import check_submitter, environment_fds, submit_error
from slurmrestd.model.controller import ControllerPing, SlurmVersion
from slurmrestd.model.diag import ControllerDiag
from slurmrestd.model.job import Job, JobSnapshot
from slurmrestd.model.job_desc import JobDescription, SubmitResult
from slurmrestd.model.license import LicenseSnapshot
from slurmrestd.model.node import NodeSnapshot
from slurmrestd.model.partition import PartitionSnapshot
from slurmrestd.model.reservation import ReservationSnapshot
from slurmrestd.slurmconf import SlurmConf

if TYPE_CHECKING:
    from slurmrestd.cluster.accounting import AccountingStore

from slurmrestd.cluster.slurm.accounting import SlurmAccounting
from slurmrestd.cluster.slurm.admin_ops import AdminOps
from slurmrestd.cluster.slurm.native import NativeCalls
from slurmrestd.cluster.slurm.read_commands import (
    SDIAG,
    SHOW_PARTITIONS,
    SHOW_RESERVATIONS,
    SINFO_JSON,
    SQUEUE_JSON,
    UNIX_TIMES,
)

log = logging.getLogger(__name__)
SLURMDBD_STORAGE = "accounting_storage/slurmdbd"
T = TypeVar("T")

# How long a health answer is reused before a background ping refreshes it.
HEALTH_TTL_S = 10.0


def _start_thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="slurm-health", daemon=True).start()


def ping_controllers(commands: SlurmCommands, identity: Identity | None) -> list[ControllerPing]:
    """`scontrol ping` as `identity`. Latency is the whole command's duration.

    Raises:
        SlurmError: the command failed without naming any controller.
    """
    argv = ("scontrol", "ping")
    started = time.perf_counter_ns()
    result = commands.run(identity, argv)
    latency_us = (time.perf_counter_ns() - started) // 1000
    pings = parse_ping(result.stdout, latency_us)
    if not pings:
        raise error_from_output(argv, result.returncode, result.stdout, result.stderr)
    return pings


class SlurmCluster(AdminOps):
    """A real cluster; construct it with `connect()`."""

    # Fresh answers are reused from memory; every blocking step (commands, shared-read
    # misses) checks may_block(), so the API may try reads inline (cluster/memory_only.py).
    READS_FROM_MEMORY = True

    # sacct/sacctmgr when slurm.conf stores accounting in slurmdbd; without, the
    # slurmdb handlers answer "this cluster keeps no accounting".
    accounting: AccountingStore | None = None

    def __init__(
        self,
        commands: SlurmCommands,
        *,
        name: str,
        version: SlurmVersion,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        euid: Callable[[], int] = os.geteuid,
        in_background: Callable[[Callable[[], None]], None] = _start_thread,
        native: NativeCalls | None = None,
        freshness: float = DEFAULT_FRESHNESS_S,
    ) -> None:
        self.name = name
        self._native = native
        self._version = version
        self._commands = commands
        self._clock = clock
        self._wall_clock = wall_clock
        self._euid = euid
        self._in_background = in_background
        self._reads = FreshReads(freshness, clock)
        self._lock = threading.Lock()
        self._healthy = True
        self._checked_at = clock()
        self._refreshing = False

    @classmethod
    def connect(
        cls,
        conf_path: str | None,
        conf: SlurmConf | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        freshness: float = DEFAULT_FRESHNESS_S,
    ) -> SlurmCluster:
        """The cluster of slurm.conf `conf_path` (None: where the commands look by default).

        `freshness`: seconds a read answer may be reused (see freshness.py).

        Raises:
            SlurmError: no controller answers, or its configuration cannot be read.
        """
        commands = SlurmCommands(conf_path, timeout=timeout)
        fallback = conf.cluster_name if conf is not None else None
        cluster = cls.connect_with(commands, fallback_name=fallback, freshness=freshness)
        if conf is not None:
            cluster._native = NativeCalls.for_cluster(conf, cluster.version, timeout)
        return cluster

    @classmethod
    def connect_with(
        cls, commands: SlurmCommands, *, fallback_name: str | None = None, **kw: Any
    ) -> SlurmCluster:
        """Check that slurmctld answers (as the daemon's own identity) and learn its release.

        Raises:
            SlurmError: no controller answers, or its configuration cannot be read.
        """
        pings = ping_controllers(commands, None)
        if not any(p.responding for p in pings):
            hosts = ", ".join(f"{p.hostname} ({p.mode})" for p in pings)
            raise SlurmError(
                CONTROLLER_UNREACHABLE, f"no controller answers: {hosts}", "scontrol ping"
            )
        config = parse_config(commands.output(None, ("scontrol", "show", "config")))
        version = parse_version(config.get("SLURM_VERSION", ""))
        if version is None:
            version = parse_version(commands.output(None, ("scontrol", "--version")))
        if version is None:
            raise SlurmError(Errno.UNSPECIFIED, "cannot tell the Slurm release", "scontrol")
        name = config.get("ClusterName") or fallback_name or "unknown"
        cluster = cls(commands, name=name, version=version, **kw)
        if config.get("AccountingStorageType") == SLURMDBD_STORAGE:
            cluster.accounting = SlurmAccounting(commands, name, freshness=cluster._reads.bound)
        return cluster

    @property
    def version(self) -> SlurmVersion:
        return self._version

    @property
    def commands(self) -> SlurmCommands:
        return self._commands

    def ping(self, identity: Identity) -> list[ControllerPing]:
        native = self._native
        if native is not None and identity.token is not None:
            pings = self._shared_read(identity, ("ping",), lambda: native.ping(identity))
        else:
            pings = self._shared_read(
                identity, ("scontrol", "ping"), lambda: ping_controllers(self._commands, identity)
            )
        # Only "UP" is news about the backend: a user's DOWN may be their credential's fault.
        if any(p.responding for p in pings):
            self._note_health(True)
        return pings

    def licenses(self, identity: Identity) -> LicenseSnapshot:
        """With a token: REQUEST_LICENSE_INFO, in the controller's order and with its
        time, as the C daemon shows them. Otherwise `scontrol show licenses`, which
        prints its own order (22.05: not the controller's) and no change time: the
        controller's order cannot be known on that path."""
        native = self._native
        if native is not None and identity.token is not None:
            return self._shared_read(identity, ("licenses",), lambda: native.licenses(identity))
        argv = ("scontrol", "show", "licenses", "-o")
        text = self._shared_read(identity, argv, lambda: self._commands.output(identity, argv))
        return LicenseSnapshot(parse_licenses(text), 0)

    # ------------------------------------------------------------------ reads

    def jobs(self, identity: Identity) -> JobSnapshot:
        """Every job (squeue --json); 22.05 tells no change time, so it is the read's."""
        jobs, read_at = self._job_table(identity)
        return JobSnapshot(jobs, read_at)

    def job(self, identity: Identity, job_id: str) -> JobSnapshot:
        """Raises: SlurmError 2017 when the controller holds no such job (any more)."""
        jobs, read_at = self._job_table(identity)
        return JobSnapshot(select_job(jobs, job_id), read_at)

    def nodes(self, identity: Identity) -> NodeSnapshot:
        def read() -> NodeSnapshot:
            text = self._commands.output(identity, SINFO_JSON)
            nodes = tuple(self._named(node) for node in nodes_from_sinfo(text))
            return NodeSnapshot(nodes, int(self._wall_clock()))

        return self._shared_read(identity, SINFO_JSON, read)

    def partitions(self, identity: Identity) -> PartitionSnapshot:
        def read() -> PartitionSnapshot:
            text = self._commands.output(identity, SHOW_PARTITIONS)
            parts = tuple(self._named(part) for part in parse_partitions(text))
            return PartitionSnapshot(parts, int(self._wall_clock()))

        return self._shared_read(identity, SHOW_PARTITIONS, read)

    def reservations(self, identity: Identity) -> ReservationSnapshot:
        def read() -> ReservationSnapshot:
            text = self._commands.output(identity, SHOW_RESERVATIONS, extra_env=UNIX_TIMES)
            return ReservationSnapshot(parse_reservations(text), int(self._wall_clock()))

        return self._shared_read(identity, SHOW_RESERVATIONS, read)

    def diag(self, identity: Identity) -> ControllerDiag:
        def read() -> ControllerDiag:
            return parse_sdiag(self._commands.output(identity, SDIAG))

        return self._shared_read(identity, SDIAG, read)

    # ----------------------------------------------------------------- writes

    def submit_job(
        self, identity: Identity, descriptions: Sequence[JobDescription]
    ) -> SubmitResult:
        """sbatch as the identity, the script on stdin (see the module doc for its limit).

        Raises:
            SlurmError: refused by sbatch/slurmctld (their errno), or not expressible.
        """
        if not descriptions:
            raise SlurmError(Errno.REST_INVALID_JOBS_DESC, "no job description", "submit")
        script = descriptions[0].script
        if not script:
            raise SlurmError(Errno.JOB_SCRIPT_MISSING, "", "slurm_submit_batch_job")
        native = self._native_submitter(identity, descriptions)
        if native is not None:
            result = self._changed(lambda: native.submit(identity, descriptions[0]))
            if result is not None:
                return result
        check_submitter(identity, self._euid())
        with environment_fds(descriptions) as fds:
            argv = sbatch_args.sbatch_command(descriptions, fds)
            result = self._changed(
                lambda: self._commands.run(
                    identity,
                    argv,
                    input=script,
                    pass_fds=fds,
                    bare_env=True,
                    umask=sbatch_args.umask_of(descriptions[0]),
                )
            )
        job_id = sbatch_args.parse_job_id(result.stdout) if result.returncode == 0 else None
        if job_id is None:
            raise submit_error(argv, result.returncode, result.stdout, result.stderr)
        held = descriptions[0].hold is True
        notices = ((int(Errno.JOB_HELD), error_text(Errno.JOB_HELD)),) if held else ()
        return SubmitResult(job_id, notices=notices)

    async def submit_job_on_loop(
        self, identity: Identity, descriptions: Sequence[JobDescription]
    ) -> SubmitResult | None:
        """submit_job's native path with its exchange on the event loop: no worker
        thread, a third less CPU per submission. None where that path does not apply
        (no token, several jobs or none, no script, what the client cannot express):
        the caller then runs submit_job on the pool.

        Raises:
            SlurmError: slurmctld's refusal, or no controller answered.
        """
        native = self._native_submitter(identity, descriptions)
        if native is None:
            return None
        try:
            return await native.submit_on_loop(identity, descriptions[0])
        except SlurmError as exc:
            self._note_failure(exc)
            raise
        finally:
            self._reads.forget()

    def _native_submitter(
        self, identity: Identity, descriptions: Sequence[JobDescription]
    ) -> NativeCalls | None:
        """The protocol client when it may submit as the token's user: one scripted job
        and a token (None: sbatch, or submit_job's own refusal)."""
        if self._native is None or identity.token is None or len(descriptions) != 1:
            return None
        return self._native if descriptions[0].script else None

    def allocate_job(
        self, identity: Identity, descriptions: Sequence[JobDescription]
    ) -> SubmitResult:
        """With a token: REQUEST_RESOURCE_ALLOCATION as the token's user, answered at
        once whether or not nodes are granted yet (see ProtocolClient.allocate for
        why slurmctld keeps an allocation no process holds). Otherwise, and for what
        the protocol client cannot express or a heterogeneous allocation: salloc.

        Raises:
            SlurmError: slurmctld's refusal (its errno and text), or salloc's.
        """
        native = self._native
        usable = len(descriptions) == 1 and not descriptions[0].script
        if native is not None and identity.token is not None and usable:
            result = self._changed(lambda: native.allocate(identity, descriptions[0]))
            if result is not None:
                return result
        return super().allocate_job(identity, descriptions)

    def update_job(self, identity: Identity, job_id: str, changes: JobDescription) -> None:
        """scontrol update (and hold/release) as the identity.

        A change that sets nothing still goes to slurmctld (job_control.NO_CHANGE):
        22.05 answers it with 2017 for an unknown job, 2084 for a finished one.

        Raises:
            SlurmError: refused by slurmctld, or a field scontrol cannot change.
        """
        for argv in job_control.update_commands(job_id, changes):
            self._write(identity, argv, "slurm_update_job")

    def signal_job(
        self, identity: Identity, job_id: str, signal: int, flags: frozenset[str]
    ) -> None:
        """scancel as the identity (SIGKILL without flags cancels the job).

        Raises:
            SlurmError: 2017 unknown job, 2002 not the user's, 2021 already done, ...
        """
        argv = job_control.scancel_command(job_id, signal, flags)
        result = self._changed(
            lambda: self._commands.run_watching(
                identity, argv, give_up_on=job_control.SCANCEL_RETRY_MARK
            )
        )
        error = job_control.scancel_error(result.stderr, result.gave_up)
        if error is None and result.returncode != 0:
            error = error_from_output(argv, result.returncode, result.stdout, result.stderr)
        if error is not None:
            raise error

    def requeue_job(self, identity: Identity, job_id: str) -> None:
        """Raises: SlurmError as slurmctld refused the requeue."""
        self._write(identity, job_control.requeue_command(job_id), "slurm_requeue")

    def healthy(self) -> bool:
        """The last known controller state; a stale one is refreshed in the background."""
        with self._lock:
            stale = self._clock() - self._checked_at >= HEALTH_TTL_S
            refresh = stale and not self._refreshing  # one refresh at a time
            self._refreshing = self._refreshing or refresh
            healthy = self._healthy
        if refresh:
            self._in_background(self._refresh_health)
        return healthy

    def reload(self, conf: SlurmConf | None = None) -> None:
        """slurm.conf is re-read by every command itself; only re-check health soon."""
        with self._lock:
            self._checked_at = self._clock() - HEALTH_TTL_S

    def close(self) -> None:
        return None

    # ---------------------------------------------------------------- helpers

    def _job_table(self, identity: Identity) -> tuple[tuple[Job, ...], int]:
        def read() -> tuple[tuple[Job, ...], int]:
            text = self._commands.output(identity, SQUEUE_JSON)
            return jobs_from_squeue(text), int(self._wall_clock())

        return self._shared_read(identity, SQUEUE_JSON, read)

    def _shared_read(self, identity: Identity, argv: tuple[str, ...], read: Callable[[], T]) -> T:
        """One run for identical concurrent reads of the same credentials (see read_key)."""
        return self._reads.read(read_key(identity, argv), lambda: self._observe(read))

    def _changed(self, call: Callable[[], T]) -> T:
        """Run a write; whatever it did, later reads must see it (no reuse)."""
        try:
            return self._observe(call)
        finally:
            self._reads.forget()

    def _write(self, identity: Identity, argv: list[str], source: str) -> None:
        result = self._changed(lambda: self._commands.run(identity, argv))
        if result.returncode != 0:
            error = error_from_output(argv, result.returncode, result.stdout, result.stderr)
            raise SlurmError(error.errno, error.description, source)

    def _named(self, record: T) -> T:
        """A node or partition record with this cluster's name (22.05's JSON has none)."""
        if getattr(record, "cluster_name", None) == "":
            return dataclasses.replace(record, cluster_name=self.name)  # type: ignore[type-var]
        return record

    # ------------------------------------------------------------------ health

    def _observe(self, call: Callable[[], T]) -> T:
        """Run a backend call; an unreachable controller marks the backend unhealthy."""
        try:
            return call()
        except SlurmError as exc:
            self._note_failure(exc)
            raise

    def _note_failure(self, exc: SlurmError) -> None:
        if exc.errno in UNREACHABLE:
            self._note_health(False)

    def _note_health(self, healthy: bool) -> None:
        with self._lock:
            self._healthy = healthy
            self._checked_at = self._clock()

    def _refresh_health(self) -> None:
        try:
            healthy = any(p.responding for p in ping_controllers(self._commands, None))
        except SlurmError as exc:
            log.warning("slurm backend health check failed: %s", exc.description)
            healthy = False
        with self._lock:
            self._healthy = healthy
            self._checked_at = self._clock()
            self._refreshing = False
