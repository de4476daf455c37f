"""Admission: turn a submission into job records, or refuse it with Slurm's error.

Everything a submission can get wrong is checked here, before a job id is
used: script, #SBATCH directives (API fields win), partition, time limit,
size against node capacity (what could never run is refused), licenses,
array and dependency syntax, and who may ask for what.
"""

from __future__ import annotations

import grp
import math
import pwd
import signal as signals
from collections.abc import Callable
from dataclasses import dataclass, replace

from slurmrestd.cluster.embedded.engine.arrays import ArraySpec, JobRef, parse_array
from slurmrestd.cluster.embedded.engine.config import EngineConfig, PartitionConfig, PartitionState
from slurmrestd.cluster.embedded.engine.dependencies import parse_dependency
from slurmrestd.cluster.embedded.engine.paths import PathContext, default_output, resolve_stream
from slurmrestd.cluster.embedded.engine.records import HoldKind, JobRecord, Submitter
from slurmrestd.cluster.embedded.engine.sbatch import DirectiveError, merge, parse_script_options
from slurmrestd.cluster.embedded.engine.scheduler import Pool, Request, fit
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.hostlist import HostlistError, expand
from slurmrestd.model.job_desc import JobDescription
from slurmrestd.model.license import parse_licenses

SOURCE = "job_submit"
# What the description itself gets wrong (conflicting or malformed options) is the
# error Slurm's REST parser gives an invalid job description: a 400, not a 500.
INVALID_DESC = Errno.REST_INVALID_JOBS_DESC
# Texts slurm_strerror gives for numbers cluster/errors.py does not table.
NODE_CONFIG_UNAVAILABLE = "Requested node configuration is not available"
PARTITION_NOT_AVAILABLE = "Required partition not available (inactive or drain)"
NODES_NOT_IN_PARTITION = "Requested nodes not in this partition"
MAX_NICE = 2147483645  # Slurm's NICE_OFFSET - 3
DEFAULT_CWD = "/tmp"  # where Slurm runs a job whose directory is unusable
DEFAULT_WARN_SECONDS = 60  # --signal without @time
MAX_WARN_SECONDS = 0xFFFF  # the job record's warn_time is a uint16
MAX_PRIORITY = 0xFFFFFFFD  # the largest uint32 Slurm does not reserve


def refuse(errno: Errno, description: str = "") -> SlurmError:
    return SlurmError(errno, description, SOURCE)


@dataclass(frozen=True, slots=True)
class Admitted:
    """An accepted submission before it has job ids."""

    template: JobRecord  # job_id 0; stream paths still unexpanded
    array: ArraySpec | None


def _user_names(uid: int, gid: int, user: Submitter) -> tuple[str, str]:
    if uid == user.uid and gid == user.gid:
        return user.user_name, user.group_name
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = str(uid)
    try:
        group = grp.getgrgid(gid).gr_name
    except KeyError:
        group = str(gid)
    return name, group


def _partition(config: EngineConfig, name: str | None) -> PartitionConfig:
    if not name:
        part = config.default_partition
        if part is None:
            raise refuse(
                Errno.INVALID_PARTITION_NAME, "No partition specified or system default partition"
            )
        return part
    part = config.partition(name.split(",")[0].strip())
    if part is None:
        raise refuse(Errno.INVALID_PARTITION_NAME)
    if part.state in (PartitionState.DRAIN, PartitionState.INACTIVE):
        raise refuse(Errno.PARTITION_NOT_AVAIL, PARTITION_NOT_AVAILABLE)
    return part


def _time_limit(desc: JobDescription, part: PartitionConfig, enforce: bool) -> float:
    limit = desc.time_limit
    if limit is None:
        return part.default_time if part.default_time is not None else part.max_time
    if limit < 0:
        raise refuse(Errno.INVALID_TIME_LIMIT)
    limit = math.inf if limit == 0 else float(limit)  # 0 asks for no limit
    if enforce and limit > part.max_time:
        raise refuse(Errno.INVALID_TIME_LIMIT)
    return limit


def _node_names(config: EngineConfig, spec: str | None) -> frozenset[str]:
    if not spec:
        return frozenset()
    try:
        names = frozenset(expand(spec))
    except HostlistError as exc:
        raise refuse(Errno.INVALID_NODE_NAME, str(exc)) from None
    if any(config.node(n) is None for n in names):
        raise refuse(Errno.INVALID_NODE_NAME)
    return names


def _licenses(config: EngineConfig, spec: str | None) -> tuple[tuple[str, int], ...]:
    try:
        wanted = parse_licenses(spec)
    except ValueError as exc:
        raise refuse(Errno.INVALID_LICENSES, str(exc)) from None
    totals = dict(config.licenses)
    for name, count in wanted:
        if count > totals.get(name, 0):
            raise refuse(Errno.INVALID_LICENSES)
    return wanted


def parse_signal(spec: str) -> tuple[int, int, bool]:
    """--signal "[B:]SIG[@seconds]" -> (number, seconds, batch only).

    Raises:
        ValueError: an unknown signal or time.
    """
    flags, sep, rest = spec.partition(":")
    if not sep:
        flags, rest = "", spec
    name, _, when = rest.partition("@")
    if name.isdigit():
        number = int(name)  # ValueError for "¹", a digit only to isdigit()
        if not 0 < number < signals.NSIG:
            raise ValueError(f"no signal {number}")
    else:
        number = signals.Signals["SIG" + name.upper().removeprefix("SIG")].value
    seconds = int(when) if when else DEFAULT_WARN_SECONDS
    if not 0 <= seconds <= MAX_WARN_SECONDS:
        raise ValueError(f"warning time {seconds} out of range")
    return number, seconds, "B" in flags.upper()


def explicit_priority(value: float | None) -> int:
    """An operator's priority as a number (INFINITE is the top); 0 when not given."""
    if not value:
        return 0
    return MAX_PRIORITY if value == math.inf else max(0, min(int(value), MAX_PRIORITY))


def request_for(job: JobRecord, nodes: tuple[str, ...], time_limit_seconds: float) -> Request:
    """The planner's view of a job (shared with the manager)."""
    return Request(
        job_id=job.job_id,
        nodes=nodes,
        cpus=job.cpus,
        cpus_per_task=job.cpus_per_task,
        min_nodes=job.min_nodes,
        max_nodes=job.max_nodes or math.inf,
        memory_per_node=job.memory_per_node or 0,
        memory_per_cpu=job.memory_per_cpu or 0,
        exclusive=job.exclusive,
        required=_required(job),
        licenses=job.licenses,
        time_limit=time_limit_seconds,
        array_job_id=job.array_job_id,
        array_max_tasks=job.array_max_tasks,
    )


def _required(job: JobRecord) -> frozenset[str]:
    return frozenset(expand(job.required_nodes)) if job.required_nodes else frozenset()


def check_capacity(config: EngineConfig, part: PartitionConfig, job: JobRecord) -> None:
    """Refuse what could not run even on an empty partition."""
    if job.min_nodes > len(part.nodes) or (job.max_nodes and job.max_nodes < job.min_nodes):
        raise refuse(Errno.INVALID_NODE_COUNT)
    required = _required(job)
    if not required <= set(part.nodes):
        raise refuse(Errno.REQUESTED_NODES_NOT_IN_PARTITION, NODES_NOT_IN_PARTITION)
    excluded = set(expand(job.excluded_nodes)) if job.excluded_nodes else set()
    nodes = tuple(n for n in part.nodes if n not in excluded)
    empty = Pool.empty(config.node(n) for n in nodes)
    if fit(request_for(job, nodes, 0), empty) is None:
        raise refuse(Errno.REQUESTED_NODE_CONFIG_UNAVAILABLE, NODE_CONFIG_UNAVAILABLE)


def admit(
    user: Submitter,
    desc: JobDescription,
    config: EngineConfig,
    now: float,
    job_exists: Callable[[JobRef], bool],
    submit_host: str,
    *,
    batch: bool = True,
) -> Admitted:
    """Validate a submission and build its record template.

    batch=False admits an allocation: no script (any given is ignored), no
    output files, and an environment is optional.

    Raises:
        SlurmError: the submission is refused (see module doc for the checks).
    """
    if batch:
        desc = _with_script_options(desc, now)
    else:
        desc = replace(
            desc,
            script="",
            environment=desc.environment if desc.environment is not None else {},
            standard_input=None,
            standard_output=desc.standard_output or "/dev/null",
            standard_error=desc.standard_error or "/dev/null",
            array=None,  # an allocation is one job
        )
    if desc.environment is None:
        raise refuse(Errno.ENVIRONMENT_MISSING)
    if not all(isinstance(v, str) and "\0" not in k + v for k, v in desc.environment.items()):
        raise refuse(INVALID_DESC, "environment values must be text without NUL")
    uid = desc.user_id if desc.user_id is not None else user.uid
    gid = desc.group_id if desc.group_id is not None else user.gid
    if (uid != user.uid or gid != user.gid) and not user.is_operator:
        raise refuse(Errno.USER_ID_MISSING)
    user_name, group_name = _user_names(uid, gid, user)
    part = _partition(config, desc.partition)
    if desc.priority is not None and not user.is_operator:
        raise refuse(Errno.ACCESS_DENIED)
    nice = desc.nice or 0
    if abs(nice) > MAX_NICE:
        raise refuse(Errno.INVALID_NICE)
    if nice < 0 and not user.is_operator:
        raise refuse(Errno.ACCESS_DENIED)
    if desc.memory_per_node is not None and desc.memory_per_cpu is not None:
        raise refuse(INVALID_DESC, "--mem and --mem-per-cpu are mutually exclusive")
    cpus_per_task = 1 if desc.cpus_per_task is None else desc.cpus_per_task
    min_nodes = 1 if desc.minimum_nodes is None else desc.minimum_nodes
    tasks = desc.tasks
    if tasks is None:
        tasks = max(1, (desc.tasks_per_node or 0) * min_nodes)
    if tasks < 1 or cpus_per_task < 1 or min_nodes < 1:
        raise refuse(Errno.BAD_TASK_COUNT)
    cpus = max(tasks * cpus_per_task, desc.minimum_cpus or 0)
    try:
        array = parse_array(desc.array, config.max_array_size) if desc.array else None
    except ValueError as exc:
        raise refuse(Errno.INVALID_ARRAY, str(exc)) from None
    if desc.dependency:
        try:
            dep = parse_dependency(desc.dependency)
        except ValueError as exc:
            raise refuse(Errno.DEPENDENCY, str(exc)) from None
        if not all(job_exists(ref) for ref in dep.job_refs):
            raise refuse(Errno.DEPENDENCY)
    warn = (None, 0, False)
    if desc.signal:
        try:
            warn = parse_signal(desc.signal)
        except (ValueError, KeyError):
            raise refuse(INVALID_DESC, f"invalid --signal {desc.signal!r}") from None
    open_mode = desc.open_mode or "truncate"
    if open_mode not in ("append", "truncate"):
        raise refuse(INVALID_DESC, f"invalid open_mode {open_mode!r}")
    _node_names(config, desc.required_nodes)
    _node_names(config, desc.excluded_nodes)
    held = None
    if desc.hold:
        held = HoldKind.USER
    elif desc.priority == 0:
        held = HoldKind.ADMIN  # an operator's priority 0 is an administrator hold
    template = JobRecord(
        job_id=0,
        name=desc.name or "",
        user_id=uid,
        group_id=gid,
        user_name=user_name,
        group_name=group_name,
        partition=part.name,
        submit_time=int(now),
        script=desc.script,
        cwd=desc.current_working_directory or DEFAULT_CWD,
        environment=dict(desc.environment),
        argv=tuple(desc.argv or ()),
        account=desc.account,
        qos=desc.qos,
        comment=desc.comment,
        admin_comment=desc.admin_comment,
        wckey=desc.wckey,
        reservation=desc.reservation,
        submit_host=submit_host,
        batch=batch,
        array_spec=array.text if array else None,
        array_max_tasks=array.throttle if array else 0,
        held=held,
        begin_time=desc.begin_time,
        deadline=desc.deadline,
        time_limit=_time_limit(desc, part, config.enforce_part_limits),
        time_minimum=desc.time_minimum,
        min_nodes=min_nodes,
        max_nodes=desc.maximum_nodes,
        tasks=tasks,
        tasks_per_node=desc.tasks_per_node,
        cpus_per_task=cpus_per_task,
        cpus=cpus,
        memory_per_node=desc.memory_per_node,
        memory_per_cpu=desc.memory_per_cpu,
        exclusive=bool(desc.exclusive),
        constraints=desc.constraints,
        required_nodes=desc.required_nodes,
        excluded_nodes=desc.excluded_nodes,
        licenses=_licenses(config, desc.licenses),
        tres_per_node=desc.tres_per_node,
        mail_type=tuple(desc.mail_type or ()),
        mail_user=desc.mail_user,
        base_priority=explicit_priority(desc.priority),
        nice=nice,
        dependency=desc.dependency,
        requeue=desc.requeue if desc.requeue is not None else True,
        warn_signal=warn[0],
        warn_time=warn[1],
        warn_batch_only=warn[2],
        stdin=desc.standard_input,
        stdout=desc.standard_output,
        stderr=desc.standard_error,
        open_mode=open_mode,
    )
    check_capacity(config, part, template)
    return Admitted(template, array)


def _with_script_options(desc: JobDescription, now: float) -> JobDescription:
    """The description with the script's #SBATCH directives merged in (API fields win)."""
    if not desc.script or not desc.script.strip():
        raise refuse(Errno.JOB_SCRIPT_MISSING)
    if not desc.script.startswith("#!"):
        raise refuse(Errno.JOB_SCRIPT_MISSING, "batch script does not start with #!")
    try:
        return merge(desc, parse_script_options(desc.script, now))
    except DirectiveError as exc:
        raise refuse(INVALID_DESC, str(exc)) from None
    except ValueError as exc:
        raise refuse(Errno.INVALID_TIME_VALUE, str(exc)) from None


def expand_streams(job: JobRecord, node: str) -> JobRecord:
    """The job with its stream patterns expanded for `node`."""
    ctx = PathContext(
        job.job_id, job.user_name, job.name, node, job.array_job_id, job.array_task_id
    )
    out = job.stdout or default_output(job.is_array)
    err = job.stderr or out
    return replace(
        job,
        stdin_path=resolve_stream(job.stdin, ctx, job.cwd) if job.stdin else "/dev/null",
        stdout_path=resolve_stream(out, ctx, job.cwd),
        stderr_path=resolve_stream(err, ctx, job.cwd),
    )


def instantiate(admitted: Admitted, first_id: int, priority: int, node: str) -> list[JobRecord]:
    """The records of an admitted submission, numbered from `first_id`.

    Array tasks take consecutive ids and share one priority, and the task
    with the array's own id (the first) stands for the array.
    """
    base = admitted.template
    if base.base_priority == 0:
        base = replace(base, base_priority=priority)
    if admitted.array is None:
        return [expand_streams(replace(base, job_id=first_id), node)]
    return [
        expand_streams(
            replace(base, job_id=first_id + i, array_job_id=first_id, array_task_id=index), node
        )
        for i, index in enumerate(admitted.array.indexes)
    ]
