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

Submissions and pings with a token go to slurmctld over its own protocol
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
import signal as signals
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.base import Cluster
from slurmrestd.cluster.errors import Errno, SlurmError, error_text
from slurmrestd.cluster.slurm import (
    admin_commands,
    bulk_kill,
    job_control,
    job_control_more,
    reservation_commands,
    salloc_args,
    sbatch_args,
)
from slurmrestd.cluster.slurm.commands import (
    CONTROLLER_UNREACHABLE,
    DEFAULT_TIMEOUT_S,
    UNREACHABLE,
    SlurmCommands,
    error_from_output,
)
from slurmrestd.cluster.slurm.config_text import SHOW_CONFIG, parse_controller_config
from slurmrestd.cluster.slurm.freshness import FreshReads
from slurmrestd.cluster.slurm.json_reads import jobs_from_squeue, nodes_from_sinfo, select_job
from slurmrestd.cluster.slurm.parse import parse_config, parse_licenses, parse_ping, parse_version
from slurmrestd.cluster.slurm.partition_text import parse_partitions
from slurmrestd.cluster.slurm.protocol import ControllerError, ProtocolClient
from slurmrestd.cluster.slurm.protocol.versions import protocol_of_release
from slurmrestd.cluster.slurm.reservation_text import parse_reservations
from slurmrestd.cluster.slurm.sdiag_text import parse_sdiag
from slurmrestd.cluster.slurm.sshare_text import SSHARE, filter_shares, parse_sshare
from slurmrestd.cluster.slurm.submission import check_submitter, environment_fds, submit_error
from slurmrestd.model.conf import ControllerConfig
from slurmrestd.model.controller import ControllerPing, SlurmVersion
from slurmrestd.model.diag import ControllerDiag
from slurmrestd.model.job import Job, JobSnapshot
from slurmrestd.model.job_control import JobOutcome, JobStateEntry, KillJobsFilter, NodeLayout
from slurmrestd.model.job_desc import JobDescription, SubmitResult
from slurmrestd.model.license import LicenseSnapshot
from slurmrestd.model.node import NodeSnapshot
from slurmrestd.model.node_update import NodeUpdate
from slurmrestd.model.partition import PartitionSnapshot
from slurmrestd.model.partition_update import PartitionUpdate
from slurmrestd.model.reservation import Reservation, ReservationSnapshot
from slurmrestd.model.reservation_request import ReservationRequest
from slurmrestd.model.shares import SharesSnapshot
from slurmrestd.slurmconf import SlurmConf, SlurmConfError

if TYPE_CHECKING:
    from slurmrestd.cluster.accounting import AccountingStore

log = logging.getLogger(__name__)
T = TypeVar("T")

# How long a health answer is reused before a background ping refreshes it.
HEALTH_TTL_S = 10.0
# How long a read answer is reused by default (--read-freshness): many pollers, one read.
DEFAULT_FRESHNESS_S = 1.0

# The read commands (22.05): squeue/sinfo print the v0.0.38 bodies; partitions,
# reservations and statistics exist only as text. --all shows hidden partitions.
SQUEUE_JSON = ("squeue", "--all", "--json")
SINFO_JSON = ("sinfo", "--all", "--json")
SHOW_PARTITIONS = ("scontrol", "--all", "--oneliner", "show", "partition")
SHOW_RESERVATIONS = ("scontrol", "--oneliner", "show", "reservation")
SDIAG = ("sdiag",)
# Times as unix seconds in scontrol's text, not local clock readings.
UNIX_TIMES = {"SLURM_TIME_FORMAT": "%s"}


# Protocol operations; those this backend does not define yet answer "not implemented".
_PROTOCOL_CALLS = frozenset(
    name for name, value in vars(Cluster).items() if callable(value) and not name.startswith("_")
)


class _NotYetServed:
    """Answers every Cluster operation a subclass lacks with NOT_IMPLEMENTED.

    The protocol grows with each resource (jobs, nodes, ...); until this backend
    serves one, a request for it gets a plain 501-class error instead of a crash.
    """

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name not in _PROTOCOL_CALLS:
            raise AttributeError(name)

        def not_yet(*args: Any, **kwargs: Any) -> Any:
            raise SlurmError(
                Errno.NOT_IMPLEMENTED, f"{name} is not served by the slurm backend yet", "slurm"
            )

        return not_yet


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


class NativeCalls:
    """The calls made over Slurm's own protocol, as the token's user, without a process.

    Only for identities with a token (the client speaks auth/jwt); the others
    go through the commands, which sign with munge.
    """

    def __init__(self, client: ProtocolClient, hosts: Sequence[str]) -> None:
        self.client = client
        self._each = list(zip(hosts, client.for_each_controller(), strict=True))

    @classmethod
    def for_cluster(
        cls, conf: SlurmConf, version: SlurmVersion, timeout: float
    ) -> NativeCalls | None:
        """None when slurm.conf names no usable controller or the release is not spoken."""
        number = protocol_of_release(version.major, version.minor)
        if number is None:
            log.info("Slurm %s: no native protocol client, commands only", version)
            return None
        try:
            client = ProtocolClient.from_conf(conf, timeout, protocol_version=number)
            hosts = [host.name for host in conf.slurmctld_hosts]
        except (ValueError, SlurmConfError) as exc:
            log.info("no native protocol client: %s", exc)
            return None
        return cls(client, hosts)

    def ping(self, identity: Identity) -> list[ControllerPing]:
        """REQUEST_PING to every controller, as `scontrol ping` asks each one."""
        pings = []
        for index, (host, client) in enumerate(self._each):
            try:
                latency_us = int(client.ping(identity.token, identity.user_name) * 1e6)
            except SlurmError:
                latency_us = -1
            mode = "primary" if index == 0 else f"backup{index}"
            up = latency_us >= 0
            pings.append(ControllerPing(host, up, max(latency_us, 0), index == 0, mode))
        return pings

    def submit(self, identity: Identity, desc: JobDescription) -> SubmitResult | None:
        """REQUEST_SUBMIT_BATCH_JOB as the token's user; None when the client cannot
        express the description (sbatch is asked instead).

        Raises:
            SlurmError: refused by slurmctld, or the controller could not be reached.
        """
        try:
            reply = self.client.submit_batch(desc, identity.token, identity.user_name)
        except ControllerError:
            raise
        except SlurmError as exc:
            if exc.errno == Errno.NOT_SUPPORTED:
                log.debug("submission falls back to sbatch: %s", exc.description)
                return None
            raise
        return reply.to_result()


class SlurmCluster(_NotYetServed):
    """A real cluster; construct it with `connect()`."""

    # The slurmdbd side is not served by this backend yet; the slurmdb handlers
    # answer "this cluster keeps no accounting" for a backend without one.
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
        return cls(commands, name=name, version=version, **kw)

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
        argv = ("scontrol", "show", "licenses", "-o")
        text = self._shared_read(identity, argv, lambda: self._commands.output(identity, argv))
        # The commands do not print when the license table last changed.
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

    def job_states(self, identity: Identity, job_ids: Sequence[str]) -> list[JobStateEntry]:
        """From the job table; raises SlurmError 2017 for an id the controller does not hold."""
        jobs, _ = self._job_table(identity)
        records = jobs if not job_ids else [j for text in job_ids for j in select_job(jobs, text)]
        return job_control_more.state_entries(records)

    def job_resources(self, identity: Identity, job_id: str) -> tuple[NodeLayout, ...]:
        """From the job's job_resources and its nodes' hardware.

        Raises:
            SlurmError: 2017 unknown job, 2085 it holds no resources.
        """
        jobs, _ = self._job_table(identity)
        records = select_job(jobs, job_id)
        nodes = {}
        if any(job_control_more.holds_resources(job) for job in records):
            nodes = {node.name: node for node in self.nodes(identity).nodes}
        return job_control_more.job_layouts(job_id, records, nodes)

    def controller_config(self, identity: Identity) -> ControllerConfig:
        def read() -> ControllerConfig:
            text = self._commands.output(identity, SHOW_CONFIG, extra_env=UNIX_TIMES)
            return parse_controller_config(text)

        return self._shared_read(identity, SHOW_CONFIG, read)

    def shares(
        self, identity: Identity, accounts: Sequence[str], users: Sequence[str]
    ) -> SharesSnapshot:
        """The whole sshare tree (a filtered sshare loses the parents), then filtered."""

        def read() -> SharesSnapshot:
            return parse_sshare(self._commands.output(identity, SSHARE), self.name)

        return filter_shares(self._shared_read(identity, SSHARE, read), accounts, users)

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
        native = self._native
        if native is not None and identity.token is not None and len(descriptions) == 1:
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

    def update_job(self, identity: Identity, job_id: str, changes: JobDescription) -> None:
        """scontrol update (and hold/release) as the identity.

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

    def allocate_job(
        self, identity: Identity, descriptions: Sequence[JobDescription]
    ) -> SubmitResult:
        """salloc --no-shell as the identity; stopped once the job is queued.

        Raises:
            SlurmError: 2010 for a token of another user than the daemon's
                (salloc signs with its own uid), or salloc's refusal.
        """
        argv = salloc_args.salloc_command(descriptions)
        try:
            check_submitter(identity, self._euid())
        except SlurmError as exc:
            raise SlurmError(exc.errno, exc.description, salloc_args.SOURCE) from None
        result = self._changed(
            lambda: self._commands.run_watching(identity, argv, give_up_on=salloc_args.QUEUED_MARK)
        )
        job_id = salloc_args.parse_job_id(result.stderr)
        if job_id is None:
            raise salloc_args.allocate_error(argv, result.returncode, result.stderr)
        held = any(desc.hold is True for desc in descriptions)
        notices = ((int(Errno.JOB_HELD), error_text(Errno.JOB_HELD)),) if held else ()
        return SubmitResult(job_id, notices=notices)

    def requeue_job_with_flags(
        self, identity: Identity, job_id: str, flags: frozenset[str]
    ) -> None:
        """Raises: SlurmError as slurmctld refused the requeue."""
        self._write(identity, job_control_more.requeue_command(job_id, flags), "slurm_requeue")

    def kill_jobs(self, identity: Identity, selection: KillJobsFilter) -> list[JobOutcome]:
        """One scancel for every selected job (see bulk_kill.py for the rules).

        Raises:
            SlurmError: 9000 for an empty filter; scancel's error when it names no job.
        """
        jobs, _ = self._job_table(identity)
        operator = bool(selection.jobs) or self._is_operator(identity)
        targets, outcomes = bulk_kill.select_targets(jobs, selection, identity.user_name, operator)
        signum = signals.SIGKILL if selection.signal is None else selection.signal
        send = [job for job in targets if not bulk_kill.would_retry(job, signum)]
        outcomes += [
            bulk_kill.retry_outcome(j) for j in targets if bulk_kill.would_retry(j, signum)
        ]
        if send:
            argv = bulk_kill.scancel_command(
                map(bulk_kill.target_id, send), signum, selection.flags
            )
            result = self._changed(
                lambda: self._commands.run_watching(
                    identity, argv, give_up_on=job_control.SCANCEL_RETRY_MARK
                )
            )
            named = bulk_kill.refused(result.stderr)
            if result.returncode != 0 and not result.gave_up and not named:
                raise error_from_output(argv, result.returncode, "", result.stderr)
            outcomes += bulk_kill.outcomes(send, result.stderr, result.gave_up)
        return sorted(outcomes, key=lambda outcome: outcome.job_id)

    def update_nodes(self, identity: Identity, update: NodeUpdate) -> None:
        """Raises: SlurmError 2010 for a non-operator, or scontrol's refusal."""
        for argv in admin_commands.node_update_commands(update):
            self._write(identity, argv, "slurm_update_node")

    def create_node(self, identity: Identity, node_conf: str) -> None:
        """scontrol create, then a check that the nodes exist (22.05 can add none silently).

        Raises:
            SlurmError: scontrol's refusal, or NOT_SUPPORTED when no node was added.
        """
        names = admin_commands.node_conf_names(node_conf)
        self._write(identity, admin_commands.create_node_command(node_conf), "slurm_create_node")
        shown = self._commands.run(identity, admin_commands.show_nodes_command(names))
        missing = admin_commands.missing_nodes(names, shown.stdout)
        if missing:
            raise admin_commands.nodes_not_created(missing)

    def delete_node(self, identity: Identity, name: str) -> None:
        self._write(identity, admin_commands.delete_node_command(name), "slurm_delete_node")

    def update_partitions(
        self, identity: Identity, updates: Sequence[PartitionUpdate]
    ) -> list[str]:
        """Create the partitions the controller lacks, update the others (in order).

        Raises:
            SlurmError: 2010 for a non-operator, or scontrol's refusal.
        """
        text = self._commands.output(identity, SHOW_PARTITIONS)
        known = {part.name for part in parse_partitions(text)}
        notes: list[str] = []
        for update in updates:
            argv, ignored = admin_commands.partition_command(update, update.name in known)
            notes += ignored
            if argv is not None:
                self._write(identity, argv, f"slurm_{argv[1]}_partition")
                known.add(update.name)
        return notes

    def delete_partition(self, identity: Identity, name: str) -> None:
        argv = admin_commands.delete_partition_command(name)
        self._write(identity, argv, "slurm_delete_partition")

    def update_reservations(
        self, identity: Identity, requests: Sequence[ReservationRequest]
    ) -> list[Reservation]:
        """Create or update each reservation, then read them back as they now are.

        Raises:
            SlurmError: scontrol's refusal (earlier requests stay done).
        """

        def read() -> str:
            return self._commands.output(identity, SHOW_RESERVATIONS, extra_env=UNIX_TIMES)

        known = {resv.name for resv in parse_reservations(read())}
        names: list[str] = []
        for req in requests:
            argv = reservation_commands.reservation_command(req, req.name in known)
            if argv is None:
                names.append(req.name or "")
                continue
            result = self._changed(lambda argv=argv: self._commands.run(identity, argv))
            if result.returncode != 0:
                error = error_from_output(argv, result.returncode, result.stdout, result.stderr)
                raise SlurmError(error.errno, error.description, f"slurm_{argv[1]}_reservation")
            name = reservation_commands.created_name(result.stdout) or req.name or ""
            known.add(name)
            names.append(name)
        now = {resv.name: resv for resv in parse_reservations(read())}
        return [now[name] for name in names if name in now]

    def delete_reservation(self, identity: Identity, name: str) -> None:
        argv = reservation_commands.delete_reservation_command(name)
        self._write(identity, argv, "slurm_delete_reservation")

    def reconfigure(self, identity: Identity) -> None:
        """Raises: SlurmError 2010 for a non-operator."""
        self._write(identity, list(admin_commands.RECONFIGURE), "slurm_reconfigure")

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
        """One run for identical concurrent reads of the same credentials.

        The token is part of the key: a request with an expired or forged token
        must never ride on a valid one's answer.
        """
        key: Hashable = (identity.user_name, identity.uid, identity.token, argv)
        return self._reads.read(key, lambda: self._observe(read))

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

    def _is_operator(self, identity: Identity) -> bool:
        """root or SlurmUser: who may act on every job (slurmdbd admins are not known here)."""
        if identity.uid == 0 or identity.user_name == "root":
            return True
        return identity.user_name == self.controller_config(identity).get("SlurmUser")

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
            if exc.errno in UNREACHABLE:
                self._note_health(False)
            raise

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
