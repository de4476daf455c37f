"""The environment a batch job starts with: what was submitted, plus Slurm's variables.

Names and value formats follow sbatch(1) "OUTPUT ENVIRONMENT VARIABLES"; the
Slurm variables override submitted ones of the same name.
"""

from __future__ import annotations

import itertools
import math

from slurmrestd.cluster.embedded.engine.arrays import ArraySpec, parse_indexes
from slurmrestd.cluster.embedded.engine.records import JobRecord
from slurmrestd.hostlist import compress

# Bound for re-reading a job's own array spec (it was validated at submit).
_ANY_ARRAY_SIZE = 4_000_001


def counts_per_node(counts: list[int]) -> str:
    """Slurm's compressed per-node list: [2, 2, 2, 1] -> "2(x3),1"."""
    parts = []
    for value, group in itertools.groupby(counts):
        n = len(list(group))
        parts.append(str(value) if n == 1 else f"{value}(x{n})")
    return ",".join(parts)


def tasks_per_node(job: JobRecord) -> list[int]:
    """Tasks placed on each allocated node, filling nodes in order."""
    left = job.tasks
    out = []
    last = len(job.allocation) - 1
    for i, alloc in enumerate(job.allocation):
        fits = max(1, alloc.cpus // max(1, job.cpus_per_task))
        if job.tasks_per_node:
            fits = min(fits, job.tasks_per_node)
        # The last node takes whatever is left, so the counts add up to the tasks.
        placed = max(0, left if i == last else min(fits, left))
        out.append(placed)
        left -= placed
    return out


def slurm_variables(job: JobRecord, cluster_name: str, submit_host: str) -> dict[str, str]:
    """Slurm's variables for a job that has been given its allocation."""
    nodes = job.nodes
    nodelist = compress(nodes) if nodes else ""
    first = job.allocation[0] if job.allocation else None
    env = {
        "ENVIRONMENT": "BATCH",
        "SLURM_JOB_ID": str(job.job_id),
        "SLURM_JOBID": str(job.job_id),
        "SLURM_JOB_NAME": job.name,
        "SLURM_JOB_USER": job.user_name,
        "SLURM_JOB_UID": str(job.user_id),
        "SLURM_JOB_GID": str(job.group_id),
        "SLURM_JOB_PARTITION": job.partition,
        "SLURM_JOB_NODELIST": nodelist,
        "SLURM_NODELIST": nodelist,
        "SLURM_JOB_NUM_NODES": str(len(nodes)),
        "SLURM_NNODES": str(len(nodes)),
        "SLURM_CPUS_ON_NODE": str(first.cpus if first else job.cpus),
        "SLURM_JOB_CPUS_PER_NODE": counts_per_node([a.cpus for a in job.allocation]),
        "SLURM_NTASKS": str(job.tasks),
        "SLURM_NPROCS": str(job.tasks),
        "SLURM_TASKS_PER_NODE": counts_per_node(tasks_per_node(job)),
        "SLURM_CPUS_PER_TASK": str(job.cpus_per_task),
        "SLURM_SUBMIT_DIR": job.cwd,
        "SLURM_SUBMIT_HOST": submit_host,
        "SLURM_CLUSTER_NAME": cluster_name,
        "SLURM_RESTART_COUNT": str(job.restart_count),
        "SLURM_PRIO_PROCESS": "0",
        "SLURMD_NODENAME": first.node if first else "",
        "SLURM_TOPOLOGY_ADDR": first.node if first else "",
        "SLURM_TOPOLOGY_ADDR_PATTERN": "node",
        "SLURM_NODEID": "0",
        "SLURM_PROCID": "0",
        "SLURM_LOCALID": "0",
        "SLURM_GTIDS": "0",
    }
    optional = {
        "SLURM_JOB_ACCOUNT": job.account,
        "SLURM_JOB_QOS": job.qos,
        "SLURM_JOB_RESERVATION": job.reservation,
        "SLURM_NTASKS_PER_NODE": job.tasks_per_node,
        "SLURM_MEM_PER_NODE": job.memory_per_node,
        "SLURM_MEM_PER_CPU": job.memory_per_cpu,
        "SLURM_JOB_START_TIME": job.start_time,
    }
    env.update({k: str(v) for k, v in optional.items() if v is not None})
    if job.start_time is not None and job.time_limit != math.inf:
        env["SLURM_JOB_END_TIME"] = str(int(job.start_time + job.time_limit * 60))
    if job.array_job_id is not None and job.array_spec:
        spec = ArraySpec(parse_indexes(job.array_spec, _ANY_ARRAY_SIZE))
        env.update(
            SLURM_ARRAY_JOB_ID=str(job.array_job_id),
            SLURM_ARRAY_TASK_ID=str(job.array_task_id),
            SLURM_ARRAY_TASK_COUNT=str(len(spec.indexes)),
            SLURM_ARRAY_TASK_MIN=str(spec.indexes[0]),
            SLURM_ARRAY_TASK_MAX=str(spec.indexes[-1]),
            SLURM_ARRAY_TASK_STEP=str(spec.step),
        )
    return env


def job_environment(job: JobRecord, cluster_name: str, submit_host: str) -> dict[str, str]:
    """The submitted environment with Slurm's variables laid over it."""
    return {**job.environment, **slurm_variables(job, cluster_name, submit_host)}
