"""Job control beyond job_control.py, over Slurm 22.05: requeue with options, compact
job states and the per-node layout of a running job.

Pure functions: argv for `scontrol requeue[hold]`, and canonical records
(model/job_control.py) from the job and node tables the backend already reads
(`squeue --json`, `sinfo --json`). Facts used (seen on the testbed):
- `scontrol requeue [Incomplete] <id>` and `scontrol requeuehold
  [Incomplete|State=SpecialExit] <id>`; a special exit is always held;
- squeue's job_resources names each allocated core by socket and core number
  (both per node); the layout numbers cores across the node
  (socket * cores_per_socket + core), as slurmctld's core bitmap does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm.job_control import check_job_id
from slurmrestd.model.job import Job, JobState
from slurmrestd.model.job_control import JobStateEntry, NodeLayout
from slurmrestd.model.node import Node

# States in which a job holds its allocation.
HOLDING_STATES = frozenset({JobState.RUNNING, JobState.SUSPENDED})


def requeue_command(job_id: str, flags: frozenset[str]) -> list[str]:
    """scontrol requeue/requeuehold for HOLD, INCOMPLETE and SPECIAL_EXIT.

    Raises:
        SlurmError: INVALID_JOB_ID.
    """
    job = check_job_id(job_id)
    held = bool(flags & {"HOLD", "SPECIAL_EXIT"})
    argv = ["scontrol", "requeuehold" if held else "requeue"]
    if "SPECIAL_EXIT" in flags:
        argv.append("State=SpecialExit")
    elif "INCOMPLETE" in flags:
        argv.append("Incomplete")
    argv.append(job)
    return argv


def state_entry(job: Job) -> JobStateEntry:
    return JobStateEntry(
        job_id=job.job_id,
        state=job.state,
        flags=job.state_flags,
        array_job_id=job.array_job_id or None,
        array_task_id=job.array_task_id,
    )


def state_entries(jobs: Iterable[Job]) -> list[JobStateEntry]:
    """Compact states, ordered by job id (each record once)."""
    unique = {(job.job_id, job.array_task_id): job for job in jobs}
    return [state_entry(job) for job in sorted(unique.values(), key=lambda j: j.job_id)]


def holds_resources(job: Job) -> bool:
    """Whether the job still holds an allocation (running, suspended or completing)."""
    if job.job_resources is None or not job.job_resources.allocated_nodes:
        return False
    return job.state in HOLDING_STATES or "COMPLETING" in job.state_flags


def ranges(numbers: Iterable[int]) -> str:
    """Sorted indexes as Slurm's range list: [0, 1, 2, 5] -> "0-2,5"."""
    parts: list[str] = []
    run: list[int] = []
    for number in sorted(set(numbers)):
        if run and number == run[-1] + 1:
            run.append(number)
            continue
        if run:
            parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
        run = [number]
    if run:
        parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ",".join(parts)


def node_layouts(job: Job, nodes: Mapping[str, Node]) -> tuple[NodeLayout, ...]:
    """What the job holds on each of its nodes (node hardware from `nodes`)."""
    assert job.job_resources is not None
    out = []
    for alloc in job.job_resources.allocated_nodes:
        node = nodes.get(alloc.name)
        cores_per_socket = node.cores if node is not None else 1
        sockets = node.sockets if node is not None else 1
        cores = (core.socket * cores_per_socket + core.core for core in alloc.cores)
        out.append(
            NodeLayout(
                node=alloc.name,
                sockets_per_node=sockets,
                cores_per_socket=cores_per_socket,
                mem_alloc=alloc.memory_allocated,
                core_bitmap=ranges(cores),
            )
        )
    return tuple(out)


def job_layouts(
    job_id: str, records: Sequence[Job], nodes: Mapping[str, Node]
) -> tuple[NodeLayout, ...]:
    """The layout of every record of `job_id` that holds resources.

    Raises:
        SlurmError: JOB_NOT_RUNNING when none does.
    """
    holding = [job for job in records if holds_resources(job)]
    if not holding:
        errno = Errno.JOB_NOT_RUNNING
        raise SlurmError(errno, f"job {job_id} holds no resources", "slurm_job_resources")
    return tuple(layout for job in holding for layout in node_layouts(job, nodes))
