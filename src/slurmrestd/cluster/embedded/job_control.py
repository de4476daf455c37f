"""Bulk job control over the engine's records: which jobs a kill filter selects,
compact job states, and the per-node layout of a running job.

Pure functions over job records; permissions and signalling stay with the
manager (the caller passes the requesting user's uid and operator bit).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from slurmrestd.cluster.embedded.engine.config import EngineConfig
from slurmrestd.cluster.embedded.engine.records import JobFlag, JobRecord
from slurmrestd.cluster.embedded.engine.views import holds_resources
from slurmrestd.model.job import JobState
from slurmrestd.model.job_control import JobStateEntry, KillJobsFilter, NodeLayout


def target_id(job: JobRecord) -> str:
    """The id that names exactly this job ("12_3" for an array task)."""
    if job.array_job_id is not None and job.array_task_id is not None:
        return f"{job.array_job_id}_{job.array_task_id}"
    return str(job.job_id)


def matches(job: JobRecord, selection: KillJobsFilter) -> bool:
    """Whether the job meets every criterion the filter gives."""
    if selection.states:
        if JobState(job.state.value) not in selection.states:
            return False
    elif job.state.finished:
        return False  # by default only pending and running jobs, as scancel
    return selection.takes(
        account=job.account,
        job_name=job.name,
        partition=job.partition,
        qos=job.qos,
        reservation=job.reservation,
        user_id=job.user_id,
        user_name=job.user_name,
        wckey=job.wckey,
        nodes=job.nodes,
    )


def select(
    jobs: Iterable[JobRecord], selection: KillJobsFilter, uid: int, operator: bool
) -> list[JobRecord]:
    """The jobs a filter without explicit ids selects: a user's own only, unless operator."""
    return [
        job
        for job in sorted(jobs, key=lambda j: j.job_id)
        if (operator or job.user_id == uid) and matches(job, selection)
    ]


def state_entry(job: JobRecord) -> JobStateEntry:
    flags = set()
    if JobFlag.COMPLETING in job.flags:
        flags.add("COMPLETING")
    if JobFlag.REQUEUED in job.flags:
        flags.add("REQUEUED")
    return JobStateEntry(
        job_id=job.job_id,
        state=JobState(job.state.value),
        flags=frozenset(flags),
        array_job_id=job.array_job_id,
        array_task_id=job.array_task_id,
    )


def layout(
    job: JobRecord, running: Sequence[JobRecord], config: EngineConfig
) -> tuple[NodeLayout, ...]:
    """The job's share of each node. The engine counts CPUs, not which ones: cores
    are numbered by packing the node's running jobs in start order."""
    out = []
    for alloc in job.allocation:
        node = config.node(alloc.node)
        earlier = sorted(
            (j for j in running if alloc.node in j.nodes and holds_resources(j)),
            key=lambda j: (j.start_time or 0, j.job_id),
        )
        first = 0
        for other in earlier:
            if other.job_id == job.job_id:
                break
            first += sum(a.cpus for a in other.allocation if a.node == alloc.node)
        last = first + alloc.cpus - 1
        out.append(
            NodeLayout(
                node=alloc.node,
                sockets_per_node=1,
                cores_per_socket=node.cpus if node is not None else alloc.cpus,
                mem_alloc=alloc.memory,
                core_bitmap=str(first) if last == first else f"{first}-{last}",
            )
        )
    return tuple(out)
