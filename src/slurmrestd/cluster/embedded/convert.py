"""The embedded engine's records as the API's canonical records (model/).

The engine tracks what it needs to run jobs; the API shows what Slurm shows.
This is the one place that maps the first onto the second.
"""

from __future__ import annotations

import dataclasses
import math
import os
import platform
from collections.abc import Iterable
from functools import partial

from slurmrestd.api.numbers import INFINITE
from slurmrestd.cluster.embedded.engine.arrays import format_indexes
from slurmrestd.cluster.embedded.engine.config import EngineConfig, PartitionConfig
from slurmrestd.cluster.embedded.engine.records import JobFlag, JobRecord
from slurmrestd.cluster.embedded.engine.records import JobState as EngineState
from slurmrestd.cluster.embedded.engine.views import NodeUsage
from slurmrestd.hostlist import compress
from slurmrestd.model.accounting import AssocShort, Tres
from slurmrestd.model.accounting_job import AccountingJob, AccountingStep
from slurmrestd.model.job import (
    EXIT_SUCCESS,
    AllocatedNode,
    ExitCode,
    Job,
    JobResources,
    JobState,
)
from slurmrestd.model.node import Node, NodeFlag, NodeState
from slurmrestd.model.partition import Partition, PartitionFlag, PartitionState

SELECT_TYPE = ("CR_CPU_MEMORY",)  # what the engine allocates: CPUs and memory


def _limit(value: float | None) -> int | float | None:
    if value is None:
        return None
    return INFINITE if math.isinf(value) else int(value)


def _tres_list(cpus: int, memory: int | None, nodes: int) -> tuple[Tres, ...]:
    # Slurm's fixed TRES ids: 1 cpu, 2 mem, 4 node, 5 billing.
    items = [Tres("cpu", id=1, count=cpus)]
    if memory:
        items.append(Tres("mem", id=2, count=memory))
    items += [Tres("node", id=4, count=nodes), Tres("billing", id=5, count=cpus)]
    return tuple(items)


def _tres(cpus: int, memory: int | None, nodes: int) -> str:
    """The same TRES as slurmctld's text: "cpu=2,mem=100M,node=1,billing=2"."""
    return ",".join(
        f"{t.type}={t.count}{'M' if t.type == 'mem' else ''}"
        for t in _tres_list(cpus, memory, nodes)
    )


def _licenses(rec: JobRecord) -> str:
    return ",".join(f"{name}:{count}" for name, count in rec.licenses)


def job_record(rec: JobRecord, cluster: str) -> Job:
    """One engine job as the canonical Job."""
    running = rec.state is EngineState.RUNNING
    finished = rec.state.finished
    flags: set[str] = set()
    if JobFlag.COMPLETING in rec.flags:
        flags.add("COMPLETING")
    if JobFlag.REQUEUED in rec.flags:
        flags.add("REQUEUED")
    memory = sum(a.memory for a in rec.allocation) or None
    allocated_cpus = sum(a.cpus for a in rec.allocation)
    resources = None
    if rec.allocation:
        resources = JobResources(
            nodes=compress(list(rec.nodes)),
            cpus=allocated_cpus,
            host_count=len(rec.allocation),
            allocated_nodes=tuple(
                AllocatedNode(a.node, cpus=a.cpus, memory_allocated=a.memory)
                for a in rec.allocation
            ),
            select_type=SELECT_TYPE,
        )
    time_limit = _limit(rec.time_limit)
    end_time = rec.end_time or 0
    if running and rec.start_time and isinstance(time_limit, int):
        end_time = rec.start_time + time_limit * 60  # expected end, as slurmctld shows
    exit_code = ExitCode.from_wait_status(rec.exit_code) if finished else EXIT_SUCCESS
    licenses = _licenses(rec)
    node_count = len(rec.allocation) or rec.min_nodes
    mem_request = rec.memory_per_node
    if mem_request is None and rec.memory_per_cpu is not None:
        mem_request = rec.memory_per_cpu * rec.cpus
    return Job(
        job_id=rec.job_id,
        name=rec.name,
        array_job_id=rec.array_job_id or 0,
        array_task_id=rec.array_task_id,
        array_max_tasks=rec.array_max_tasks,
        user_id=rec.user_id,
        user_name=rec.user_name,
        group_id=rec.group_id,
        group_name=rec.group_name,
        account=rec.account or "",
        partition=rec.partition,
        qos=rec.qos or "normal",  # the QOS slurmctld gives a job that names none
        cluster=cluster,
        wckey=rec.wckey or "",
        resv_name=rec.reservation or "",
        comment=rec.comment or "",
        admin_comment=rec.admin_comment or "",
        state=JobState(rec.state.value),
        state_flags=frozenset(flags),
        state_reason=rec.reason.value,
        exit_code=exit_code,
        derived_exit_code=exit_code,
        restart_cnt=rec.restart_count,
        requeue=rec.requeue,
        submit_time=rec.submit_time,
        eligible_time=rec.eligible_time or 0,
        accrue_time=rec.eligible_time or 0,
        start_time=rec.start_time or 0,
        end_time=end_time,
        last_sched_evaluation=rec.last_sched_evaluation or 0,
        deadline=rec.deadline or 0,
        time_limit=time_limit,
        time_minimum=_limit(rec.time_minimum) or 0,
        priority=rec.priority,
        nice=rec.nice,
        dependency=rec.dependency or "",
        features=rec.constraints or "",
        licenses=licenses,
        licenses_allocated=licenses if rec.allocation else "",
        required_nodes=rec.required_nodes or "",
        excluded_nodes=rec.excluded_nodes or "",
        mail_type=frozenset(rec.mail_type),
        mail_user=rec.mail_user or "",
        cpus=allocated_cpus or rec.cpus,
        node_count=node_count,
        tasks=rec.tasks,
        cpus_per_task=rec.cpus_per_task,
        tasks_per_node=rec.tasks_per_node or 0,
        minimum_cpus_per_node=rec.cpus_per_task,
        memory_per_node=rec.memory_per_node,
        memory_per_cpu=rec.memory_per_cpu,
        tres_per_node=rec.tres_per_node or "",
        tres_req_str=_tres(rec.cpus, mem_request, node_count),
        tres_alloc_str=_tres(allocated_cpus, memory, node_count) if rec.allocation else "",
        billable_tres=float(allocated_cpus or rec.cpus),
        shared="none" if rec.exclusive else None,
        nodes=compress(list(rec.nodes)) if rec.nodes else "",
        batch_host=rec.batch_host or "",
        allocating_node=rec.submit_host,
        job_resources=resources,
        current_working_directory=rec.cwd,
        standard_input=rec.stdin or "/dev/null",
        standard_output=rec.stdout or rec.stdout_path,
        standard_error=rec.stderr or rec.stderr_path,
        stdin_expanded=rec.stdin_path,
        stdout_expanded=rec.stdout_path,
        stderr_expanded=rec.stderr_path,
    )


class JobCache:
    """Canonical Jobs of engine records, converted once per record.

    The engine replaces a record on every change, so a record that is the
    same object as last time converts to the same Job (and that Job's
    rendered JSON is reused too: api/prerendered.py).
    """

    def __init__(self, cluster: str) -> None:
        self.cluster = cluster
        self._done: dict[int, tuple[JobRecord, Job]] = {}
        self._accounted: dict[int, tuple[JobRecord, AccountingJob]] = {}

    def job(self, rec: JobRecord) -> Job:
        entry = self._done.get(rec.job_id)
        if entry is not None and entry[0] is rec:
            return entry[1]
        job = job_record(rec, self.cluster)
        self._done[rec.job_id] = (rec, job)
        return job

    def accounting_job(self, rec: JobRecord, now: int) -> AccountingJob:
        """The record's accounting view; a running job's elapsed time moves with `now`."""
        entry = self._accounted.get(rec.job_id)
        if entry is not None and entry[0] is rec:
            return entry[1]
        job = accounting_job(rec, self.cluster, now)
        if rec.state.finished or not rec.start_time:
            self._accounted[rec.job_id] = (rec, job)
        return job

    def forget_except(self, job_ids: set[int]) -> None:
        """Drop the conversions of jobs the engine no longer holds."""
        self._done = {k: v for k, v in self._done.items() if k in job_ids}
        self._accounted = {k: v for k, v in self._accounted.items() if k in job_ids}

    def __len__(self) -> int:
        return len(self._done)


def jobs(
    records: Iterable[JobRecord], cluster: str, cache: JobCache | None = None
) -> tuple[Job, ...]:
    """Jobs as slurmctld lists them: an array's pending tasks are one record.

    Slurm keeps the tasks that have not started in one record (task id unset,
    `array_task_string` "3-15"); the engine keeps one record per task.
    """
    convert = cache.job if cache is not None else partial(job_record, cluster=cluster)
    out: list[Job] = []
    pending: dict[int, list[JobRecord]] = {}
    for rec in records:
        if rec.array_job_id is not None and rec.state is EngineState.PENDING:
            group = pending.setdefault(rec.array_job_id, [])
            group.append(rec)
            if len(group) > 1:
                continue
        out.append(convert(rec))
    if not any(len(group) > 1 for group in pending.values()):
        return tuple(out)
    merged = []
    for job in out:
        group = pending.get(job.array_job_id) if job.state is JobState.PENDING else None
        if group and group[0].job_id == job.job_id and len(group) > 1:
            indexes = [r.array_task_id for r in group if r.array_task_id is not None]
            job = dataclasses.replace(
                job, array_task_id=None, array_task_string=format_indexes(indexes)
            )
        merged.append(job)
    return tuple(merged)


def node(usage: NodeUsage, cluster: str, boot_time: int, started: int) -> Node:
    """One configured node with what jobs hold on it now."""
    conf = usage.node
    base, flags = NodeState.IDLE, set()
    if usage.alloc_cpus >= conf.cpus:
        base = NodeState.ALLOCATED
    elif usage.alloc_cpus > 0:
        base = NodeState.MIXED
    if usage.completing:
        flags.add(NodeFlag.COMPLETING)
    if not conf.usable:
        if conf.state.upper() in ("DOWN", "FAIL"):
            base = NodeState.DOWN
        else:
            flags.add(NodeFlag.DRAIN)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    uname = platform.uname()
    memory = conf.real_memory
    tres = f"cpu={conf.cpus},mem={memory}M,billing={conf.cpus}"
    used = None
    if usage.alloc_cpus:
        used = f"cpu={usage.alloc_cpus},mem={usage.alloc_memory}M"
    return Node(
        name=conf.name,
        hostname=conf.name,
        address=conf.name,
        state=base,
        flags=frozenset(flags),
        cpus=conf.cpus,
        cores=conf.cpus,
        real_memory=memory,
        alloc_cpus=usage.alloc_cpus,
        alloc_memory=usage.alloc_memory,
        free_memory=_free_memory(),
        cpu_load=int(load * 100) if load is not None else None,
        features=conf.features,
        active_features=conf.features,
        partitions=usage.partitions,
        boot_time=boot_time,
        slurmd_start_time=started,
        os=f"{uname.system} {uname.release} {uname.version}",
        architecture=uname.machine,
        tres=tres,
        tres_used=used,
        cluster_name=cluster,
    )


def _free_memory() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def partition(part: PartitionConfig, config: EngineConfig, cluster: str) -> Partition:
    members = [n for n in config.nodes if n.name in part.nodes]
    cpus = sum(n.cpus for n in members)
    memory = sum(n.real_memory for n in members)
    state = PartitionState(str(part.state.value))
    return Partition(
        name=part.name,
        nodes=compress(list(part.nodes)),
        state=state,
        flags=frozenset({PartitionFlag.DEFAULT}) if part.default else frozenset(),
        max_time=_limit(part.max_time),
        default_time=_limit(part.default_time),
        max_nodes=_limit(part.max_nodes),
        max_cpus_per_node=_limit(part.max_cpus_per_node),
        priority_tier=part.priority_tier,
        total_cpus=cpus,
        total_nodes=len(members),
        tres=f"cpu={cpus},mem={memory}M,node={len(members)},billing={cpus}",
        cluster_name=cluster,
        select_type=SELECT_TYPE,
    )


def accounting_job(rec: JobRecord, cluster: str, now: int) -> AccountingJob:
    """One engine job as slurmdbd would have recorded it, with its batch step."""
    state = rec.state.value
    finished = rec.state.finished
    start = rec.start_time or None
    end = rec.end_time if finished and rec.end_time else None
    elapsed = 0
    if start:
        elapsed = max(0, (end or now) - start)
    allocated_cpus = sum(a.cpus for a in rec.allocation)
    memory = sum(a.memory for a in rec.allocation) or None
    node_list = compress(list(rec.nodes)) if rec.nodes else None
    exit_code = rec.exit_code if finished else None
    steps: tuple[AccountingStep, ...] = ()
    if start:
        steps = (
            AccountingStep(
                job_id=rec.job_id,
                step_id="batch",
                name="batch",
                state=state,
                exit_code=exit_code,
                nodes=rec.batch_host,
                node_count=1,
                task_count=1,
                start=start,
                end=end,
                elapsed=elapsed,
                tres_allocated=_tres_list(allocated_cpus, memory, 1),
                # What slurmdbd records for a batch step without frequency or energy data.
                task_distribution="Unknown",
                cpu_frequency_min=0,
                cpu_frequency_max=0,
                cpu_actual_frequency=0,
                energy_consumed=0,
            ),
        )
    return AccountingJob(
        job_id=rec.job_id,
        name=rec.name,
        user=rec.user_name,
        group=rec.group_name,
        account=rec.account or "",
        cluster=cluster,
        partition=rec.partition,
        qos=rec.qos or "normal",
        association=AssocShort(
            account=rec.account or "", cluster=cluster, partition=None, user=rec.user_name
        ),
        state=state,
        state_reason=rec.reason.value,
        exit_code=exit_code,
        derived_exit_code=exit_code,
        priority=rec.priority,
        nodes=node_list or "None assigned",
        allocation_nodes=len(rec.allocation),
        required_cpus=rec.cpus,
        required_memory=(rec.memory_per_cpu if rec.memory_per_cpu else rec.memory_per_node) or 0,
        required_memory_per_cpu=rec.memory_per_cpu is not None,
        constraints=rec.constraints or "",
        licenses=_licenses(rec) or None,
        comment_admin=rec.admin_comment,
        comment_job=rec.comment,
        restart_count=rec.restart_count,
        array_job_id=rec.array_job_id or 0,
        array_task_id=rec.array_task_id,
        array_max_running_tasks=rec.array_max_tasks,
        submission=rec.submit_time,
        eligible=rec.eligible_time,
        start=start,
        end=end,
        elapsed=elapsed,
        time_limit=_limit(rec.time_limit),
        time_planned=(start - rec.eligible_time) if start and rec.eligible_time else None,
        tres_allocated=_tres_list(allocated_cpus, memory, len(rec.allocation))
        if rec.allocation
        else (),
        tres_requested=_tres_list(rec.cpus, rec.memory_per_node, rec.min_nodes),
        wckey=rec.wckey,
        working_directory=rec.cwd,
        script=rec.script,
        stdin=rec.stdin_path,
        stdout=rec.stdout_path,
        stderr=rec.stderr_path,
        steps=steps,
    )
