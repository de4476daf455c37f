"""EmbeddedCluster: this process is the controller of a one-host cluster.

Jobs run through the workload manager (engine/), which keeps its state in
SQLite under the state directory; this class turns REST identities into the
engine's submitters and the engine's records into canonical ones.
"""

from __future__ import annotations

import grp
import logging
import os
import pwd
import signal
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.accounting import AssocFilter
from slurmrestd.cluster.embedded import admin_convert, convert, job_control, shares
from slurmrestd.cluster.embedded.accounting.store import SqliteAccounting
from slurmrestd.cluster.embedded.engine.admin_ops import require_operator
from slurmrestd.cluster.embedded.engine.config import ConfigError
from slurmrestd.cluster.embedded.engine.manager import WorkloadManager
from slurmrestd.cluster.embedded.engine.records import JobState as EngineState
from slurmrestd.cluster.embedded.engine.records import Submitter
from slurmrestd.cluster.embedded.engine.views import holds_resources
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.conf import Controller, ControllerConfig
from slurmrestd.model.controller import ControllerPing, SlurmVersion
from slurmrestd.model.diag import ControllerDiag
from slurmrestd.model.job import JobSnapshot, leading_job_id
from slurmrestd.model.job_control import JobOutcome, JobStateEntry, KillJobsFilter, NodeLayout
from slurmrestd.model.job_desc import JobDescription, SubmitResult
from slurmrestd.model.license import License, LicenseSnapshot, parse_licenses
from slurmrestd.model.node import NodeSnapshot
from slurmrestd.model.node_update import NodeUpdate
from slurmrestd.model.partition import PartitionSnapshot
from slurmrestd.model.partition_update import PartitionUpdate
from slurmrestd.model.reservation import Reservation, ReservationSnapshot
from slurmrestd.model.reservation_request import ReservationRequest
from slurmrestd.model.shares import SharesSnapshot
from slurmrestd.slurmconf import SlurmConf, SlurmConfError, parse_file

log = logging.getLogger("slurmrestd.embedded")

# The Slurm release whose behaviour the embedded controller follows.
EMBEDDED_VERSION = SlurmVersion(26, 11, 0)
# What `scontrol show config` reports for the embedded controller when slurm.conf
# says nothing: the plugins whose behaviour the engine has.
ENGINE_SETTINGS = (
    ("SchedulerType", "sched/backfill"),
    ("SelectType", "select/cons_tres"),
    ("SelectTypeParameters", "CR_CPU_MEMORY"),
    ("PriorityType", "priority/basic"),
    ("ProctrackType", "proctrack/pgid"),
    ("JobRequeue", "1"),
)


def default_state_dir() -> Path:
    """Where state lives without StateSaveLocation: the user's XDG state home."""
    xdg = os.environ.get("XDG_STATE_HOME")
    if xdg:
        return Path(xdg) / "slurmrestd"
    try:
        home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    except KeyError:
        home = None
    if home is not None and home.is_dir() and os.access(home, os.W_OK):
        return home / ".local" / "state" / "slurmrestd"
    # Accounts without a usable home (system users): a private directory of our own.
    return Path("/var/tmp") / f"slurmrestd-{os.getuid()}"


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _own_user() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return str(os.getuid())


class EmbeddedCluster:
    def __init__(self, conf: SlurmConf | None = None, *, state_dir: Path | None = None) -> None:
        self.name = (conf.cluster_name if conf is not None else None) or "localhost"
        self._conf = conf
        self._hostname = socket.gethostname().split(".")[0]
        self._licenses = self._load_licenses(conf)
        location = conf.state_save_location if conf is not None else None
        self.state_dir = state_dir or (Path(location) if location else default_state_dir())
        self.operators = self._operators(conf)
        self.private_jobs = self._private_jobs(conf)
        self._manager: WorkloadManager | None = None
        self._job_cache = convert.JobCache(self.name)
        self._accounting: SqliteAccounting | None = None
        self._lock = threading.Lock()
        self._started = int(time.time())
        self._conf_loaded = self._started
        self._boot_time = self._read_boot_time()

    @staticmethod
    def _operators(conf: SlurmConf | None) -> frozenset[str]:
        """Who may act on every job: root, SlurmUser and the daemon's own user."""
        names = {"root", _own_user()}
        if conf is not None and conf.slurm_user:
            names.add(conf.slurm_user)
        return frozenset(names)

    @staticmethod
    def _read_boot_time() -> int:
        try:
            with open("/proc/stat", encoding="ascii") as f:
                for line in f:
                    if line.startswith("btime "):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    # ----------------------------------------------------------- the engine --

    def start(self) -> None:
        """Open the state and start scheduling (adopting jobs that outlived a restart)."""
        self._engine()

    def _engine(self) -> WorkloadManager:
        manager = self._manager
        if manager is not None:
            return manager
        with self._lock:
            if self._manager is None:
                try:
                    manager = WorkloadManager(self._conf, self.state_dir)
                except OSError as exc:
                    raise SlurmError(
                        Errno.WRITING_TO_FILE,
                        f"state directory {self.state_dir}: {exc.strerror}",
                        "embedded",
                    ) from None
                except ConfigError as exc:
                    raise SlurmError(Errno.EINVAL, str(exc), "slurm.conf") from None
                manager.start()
                log.info("embedded controller: state in %s", self.state_dir)
                self._manager = manager
            return self._manager

    @property
    def accounting(self) -> SqliteAccounting:
        """The slurmdbd side: accounts, users, QOS ... and the records of every job."""
        store = self._accounting
        if store is not None:
            return store
        self._engine()  # creates the state directory
        with self._lock:
            if self._accounting is None:
                self._accounting = SqliteAccounting(
                    self.state_dir / "accounting.db",
                    self.name,
                    self.operators,
                    job_source=self._accounting_jobs,
                    private_jobs=self.private_jobs,
                )
            return self._accounting

    def _accounting_jobs(self) -> list[convert.AccountingJob]:
        now = int(time.time())
        return [self._job_cache.accounting_job(r, now) for r in self._engine().jobs()]

    def _submitter(self, identity: Identity) -> Submitter:
        return Submitter(
            uid=identity.uid,
            gid=identity.gid,
            user_name=identity.user_name,
            group_name=_group_name(identity.gid),
            is_operator=identity.uid == 0 or identity.user_name in self.operators,
        )

    # ------------------------------------------------------------- controller --

    @staticmethod
    def _load_licenses(conf: SlurmConf | None) -> LicenseSnapshot:
        """Licenses= of slurm.conf; none in use until jobs hold them.

        Raises:
            SlurmError: the specification is invalid (as slurmctld refuses to start).
        """
        try:
            table = parse_licenses(conf.get("Licenses") if conf is not None else None)
        except ValueError as exc:
            raise SlurmError(Errno.INVALID_LICENSES, str(exc), "slurm.conf") from None
        now = int(time.time())
        licenses = tuple(License(name, total, last_update=now) for name, total in table)
        return LicenseSnapshot(licenses, now)

    def licenses(self, identity: Identity) -> LicenseSnapshot:
        if self._manager is None:
            return self._licenses
        used = {u.name: u.used for u in self._manager.licenses()}
        snapshot = self._licenses
        licenses = tuple(
            License(
                lic.name, lic.total, used=used.get(lic.name, 0), last_update=snapshot.last_update
            )
            for lic in snapshot.licenses
        )
        return LicenseSnapshot(licenses, snapshot.last_update)

    @property
    def version(self) -> SlurmVersion:
        return EMBEDDED_VERSION

    def ping(self, identity: Identity) -> list[ControllerPing]:
        # The controller is this process: answering at all is the ping.
        started = time.perf_counter_ns()
        hostname = self._hostname
        latency_us = (time.perf_counter_ns() - started) // 1000
        return [ControllerPing(hostname, True, latency_us, True, "primary")]

    # ------------------------------------------------------------------- jobs --

    @staticmethod
    def _private_jobs(conf: SlurmConf | None) -> bool:
        """PrivateData=jobs: users see only their own jobs (operators see all)."""
        value = (conf.get("PrivateData") if conf is not None else None) or ""
        return "jobs" in {item.strip().lower() for item in value.split(",")}

    def _sees_all(self, identity: Identity) -> bool:
        return not self.private_jobs or self._submitter(identity).is_operator

    def jobs(self, identity: Identity) -> JobSnapshot:
        manager = self._engine()
        records = manager.jobs()
        if len(self._job_cache) > 2 * len(records) + 1024:
            self._job_cache.forget_except({r.job_id for r in records})
        if not self._sees_all(identity):
            records = [r for r in records if r.user_id == identity.uid]
        return JobSnapshot(convert.jobs(records, self.name, self._job_cache), manager.last_update)

    def job(self, identity: Identity, job_id: str) -> JobSnapshot:
        manager = self._engine()
        records = manager.job(job_id)
        if not self._sees_all(identity) and any(r.user_id != identity.uid for r in records):
            raise SlurmError(Errno.ACCESS_DENIED, f"job {job_id} is private", "slurm_load_job")
        return JobSnapshot(convert.jobs(records, self.name, self._job_cache), manager.last_update)

    def submit_job(
        self, identity: Identity, descriptions: Sequence[JobDescription]
    ) -> SubmitResult:
        if not descriptions:
            raise SlurmError(Errno.REST_INVALID_JOBS_DESC, "no job description", "submit")
        if len(descriptions) > 1:
            raise SlurmError(
                Errno.NOT_SUPPORTED,
                "heterogeneous jobs need more than one node type; not on this backend",
                "submit",
            )
        return self._engine().submit(self._submitter(identity), descriptions[0])

    def update_job(self, identity: Identity, job_id: str, changes: JobDescription) -> None:
        self._engine().update(self._submitter(identity), job_id, changes)

    def signal_job(
        self, identity: Identity, job_id: str, signal: int, flags: frozenset[str]
    ) -> None:
        batch_only = "BATCH_JOB" in flags
        self._engine().signal(self._submitter(identity), job_id, signal, batch_only=batch_only)

    def requeue_job(self, identity: Identity, job_id: str) -> None:
        self._engine().requeue(self._submitter(identity), job_id)

    def requeue_job_with_flags(
        self, identity: Identity, job_id: str, flags: frozenset[str]
    ) -> None:
        if "SPECIAL_EXIT" in flags:
            raise SlurmError(
                Errno.NOT_SUPPORTED, "the SPECIAL_EXIT state does not exist here", "job_requeue"
            )
        self._engine().requeue(
            self._submitter(identity),
            job_id,
            hold="HOLD" in flags,
            incomplete="INCOMPLETE" in flags,
        )

    def allocate_job(
        self, identity: Identity, descriptions: Sequence[JobDescription]
    ) -> SubmitResult:
        if len(descriptions) != 1:
            raise SlurmError(
                Errno.NOT_SUPPORTED, "heterogeneous allocations are not supported here", "allocate"
            )
        return self._engine().submit(self._submitter(identity), descriptions[0], batch=False)

    def kill_jobs(self, identity: Identity, selection: KillJobsFilter) -> list[JobOutcome]:
        if not selection.selects_anything:
            raise SlurmError(
                Errno.REST_INVALID_QUERY, "no jobs selected: give job ids or a filter", "kill_jobs"
            )
        manager, user = self._engine(), self._submitter(identity)
        outcomes: list[JobOutcome] = []
        if selection.jobs:
            # Named jobs are signalled whatever their state (a finished one reports
            # 2021), unless other criteria narrow them down.
            narrowed = replace(selection, jobs=()).selects_anything
            targets = []
            for text in selection.jobs:
                try:
                    found = manager.job(text)
                except SlurmError as exc:
                    outcomes.append(JobOutcome(leading_job_id(text), exc.errno, exc.description))
                    continue
                targets += [j for j in found if not narrowed or job_control.matches(j, selection)]
        else:
            targets = job_control.select(manager.jobs(), selection, user.uid, user.is_operator)
        signum = signal.SIGKILL if selection.signal is None else selection.signal
        batch_only = "BATCH_JOB" in selection.flags
        for job in targets:
            try:
                manager.signal(user, job_control.target_id(job), signum, batch_only=batch_only)
            except SlurmError as exc:
                outcomes.append(JobOutcome(job.job_id, exc.errno, exc.description))
            else:
                outcomes.append(JobOutcome(job.job_id))
        return outcomes

    def job_states(self, identity: Identity, job_ids: Sequence[str]) -> list[JobStateEntry]:
        manager = self._engine()
        records = manager.jobs() if not job_ids else [j for t in job_ids for j in manager.job(t)]
        return [job_control.state_entry(r) for r in sorted(records, key=lambda r: r.job_id)]

    def job_resources(self, identity: Identity, job_id: str) -> tuple[NodeLayout, ...]:
        manager = self._engine()
        records = manager.job(job_id)
        running = [r for r in manager.jobs() if holds_resources(r)]
        holding = [r for r in records if holds_resources(r) and r.allocation]
        if not holding:
            raise SlurmError(Errno.JOB_NOT_RUNNING, f"job {job_id} holds no resources", "job")
        return tuple(
            item for r in holding for item in job_control.layout(r, running, manager.config)
        )

    # -------------------------------------------------- nodes and partitions --

    def nodes(self, identity: Identity) -> NodeSnapshot:
        manager = self._engine()
        state, now = manager.admin_state, time.time()
        nodes = tuple(
            admin_convert.node_with_changes(
                convert.node(u, self.name, self._boot_time, self._started), state, now
            )
            for u in manager.nodes()
        )
        return NodeSnapshot(nodes, manager.last_update)

    def partitions(self, identity: Identity) -> PartitionSnapshot:
        manager = self._engine()
        config = manager.config
        parts = tuple(convert.partition(p, config, self.name) for p in config.partitions)
        # Partitions change at run time too: any change of the controller counts.
        return PartitionSnapshot(parts, manager.last_update)

    def reservations(self, identity: Identity) -> ReservationSnapshot:
        manager = self._engine()
        config = manager.config
        records = tuple(admin_convert.reservation(r, config) for r in manager.reservations())
        return ReservationSnapshot(records, manager.last_update)

    def update_nodes(self, identity: Identity, update: NodeUpdate) -> None:
        self._engine().update_nodes(self._submitter(identity), update)

    def create_node(self, identity: Identity, node_conf: str) -> None:
        self._engine().create_nodes(self._submitter(identity), node_conf)

    def delete_node(self, identity: Identity, name: str) -> None:
        self._engine().delete_node(self._submitter(identity), name)

    def update_partitions(
        self, identity: Identity, updates: Sequence[PartitionUpdate]
    ) -> list[str]:
        manager, user = self._engine(), self._submitter(identity)
        notes = []
        for update in updates:
            manager.put_partition(user, update)
            notes += [
                f"partition {update.name}: {field} is not supported here; ignored"
                for field in sorted(update.other)
            ]
        return notes

    def delete_partition(self, identity: Identity, name: str) -> None:
        self._engine().delete_partition(self._submitter(identity), name)

    def update_reservations(
        self, identity: Identity, requests: Sequence[ReservationRequest]
    ) -> list[Reservation]:
        manager, user = self._engine(), self._submitter(identity)
        records = [manager.put_reservation(user, request) for request in requests]
        return [admin_convert.reservation(r, manager.config) for r in records]

    def delete_reservation(self, identity: Identity, name: str) -> None:
        self._engine().delete_reservation(self._submitter(identity), name)

    def diag(self, identity: Identity) -> ControllerDiag:
        now = int(time.time())
        records = self._engine().jobs()
        since = [r for r in records if r.submit_time >= self._started]
        state = [r.state for r in records]
        return ControllerDiag(
            req_time=now,
            req_time_start=self._started,
            jobs_submitted=len(since),
            jobs_started=sum(1 for r in since if r.start_time),
            jobs_completed=sum(1 for r in since if r.state is EngineState.COMPLETED),
            jobs_canceled=sum(1 for r in since if r.state is EngineState.CANCELLED),
            jobs_failed=sum(
                1
                for r in since
                if r.state in (EngineState.FAILED, EngineState.TIMEOUT, EngineState.OUT_OF_MEMORY)
            ),
            jobs_pending=state.count(EngineState.PENDING),
            jobs_running=state.count(EngineState.RUNNING),
            job_states_ts=now,
            server_thread_count=threading.active_count(),
        )

    # ------------------------------------------------------------------ admin --

    def reconfigure(self, identity: Identity) -> None:
        """Re-read slurm.conf from the file it came from (nothing to do without one)."""
        require_operator(self._submitter(identity), "reconfigure")
        if self._conf is None or not self._conf.files:
            return
        try:
            conf = parse_file(self._conf.files[0])
        except SlurmConfError as exc:
            raise SlurmError(Errno.EINVAL, str(exc), "slurm.conf") from None
        self.reload(conf)

    def controller_config(self, identity: Identity) -> ControllerConfig:
        conf = self._conf
        options = []
        if conf is not None:
            options = [(conf.spellings.get(k, k), v) for k, v in conf.options.items()]
        given = {name.lower() for name, _ in options}
        manager = self._engine()
        defaults = [
            ("ClusterName", self.name),
            ("SlurmUser", conf.slurm_user if conf is not None else "root"),
            ("StateSaveLocation", str(self.state_dir)),
            ("KillWait", str(int(manager.config.kill_wait))),
            ("FirstJobId", str(manager.config.first_job_id)),
            ("MaxJobId", str(manager.config.max_job_id)),
            ("MaxArraySize", str(manager.config.max_array_size)),
            *ENGINE_SETTINGS,
        ]
        options += [(k, v) for k, v in defaults if k.lower() not in given]
        host = self._hostname
        return ControllerConfig(tuple(options), (Controller(host, host),), self._conf_loaded)

    def shares(
        self, identity: Identity, accounts: Sequence[str], users: Sequence[str]
    ) -> SharesSnapshot:
        assocs = self.accounting.associations(identity, AssocFilter(clusters=(self.name,)))
        jobs = self._engine().jobs()
        return shares.compute(assocs, jobs, time.time(), self.name, accounts, users)

    def healthy(self) -> bool:
        return True

    def reload(self, conf: SlurmConf | None = None) -> None:
        """Take a re-read slurm.conf (SIGHUP); keep the old state if it is invalid."""
        if conf is None:
            return
        licenses = self._load_licenses(conf)
        if self._manager is not None:
            try:
                self._manager.reload(conf)
            except ConfigError as exc:
                raise SlurmError(Errno.EINVAL, str(exc), "slurm.conf") from None
        self._conf = conf
        self._licenses = licenses
        self._conf_loaded = int(time.time())

    def close(self) -> None:
        with self._lock:
            if self._accounting is not None:
                self._accounting.close()
                self._accounting = None
            if self._manager is not None:
                self._manager.close()
                self._manager = None
