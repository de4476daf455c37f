"""JobDescription -> the sbatch command line that submits it (Slurm 22.05 sbatch).

The job's environment is exactly the description's, as slurmrestd gives it:
sbatch reads it from a file descriptor (`--export-file=<fd>`, NAME=value
entries separated by NUL bytes) and then takes nothing from its own
environment. Neither `--export=NONE` (which copies every SLURM_* variable of
sbatch's environment, the caller's SLURM_JWT included, into the job) nor the
default `--export=ALL` gives that; checked on the testbed. (With --export-file
sbatch authenticates with munge as its own uid: see submission.check_submitter.)

Pure functions: no processes. Unknown or unrepresentable requests are refused
with NOT_SUPPORTED naming the field, never dropped silently.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slurmrestd.api.numbers import INFINITE
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.job_desc import JobDescription

SOURCE = "sbatch"
# sbatch reads a script named on its command line by opening it; the daemon
# feeds the script on stdin, and names it only when arguments must follow it.
STDIN_SCRIPT = "/dev/stdin"
HET_SEPARATOR = ":"

Formatter = Callable[[Any], list[str]]


def _value(option: str) -> Formatter:
    return lambda value: [f"{option}={_plain(value)}"]


def _switch(option: str) -> Formatter:
    return lambda value: [option] if value else []


def _yes_no(option: str) -> Formatter:
    return lambda value: [f"{option}={'yes' if value else 'no'}"]


def _plain(value: Any) -> str:
    """A number or text as sbatch takes it (INFINITE as Slurm's UNLIMITED)."""
    if value == INFINITE:
        return "UNLIMITED"
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def local_time(seconds: int) -> str:
    """A unix time as sbatch's --begin/--deadline read it (local YYYY-MM-DDTHH:MM:SS)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(seconds))


def _gres(value: str) -> list[str]:
    """tres_per_node "gres/gpu:1,gres/nic" -> --gres=gpu:1,nic."""
    items = [item.strip().removeprefix("gres/") for item in str(value).split(",")]
    return [f"--gres={','.join(item for item in items if item)}"]


def _per_gpu(option: str) -> Formatter:
    """cpus_per_tres / memory_per_tres "gres/gpu:4" -> --cpus-per-gpu=4 (GPUs only)."""

    def read(value: Any) -> list[str]:
        text = str(value)
        if not text.startswith("gres/gpu:") or "," in text:
            raise _unsupported(f"{option} takes only a gres/gpu:N value, not {text!r}")
        return [f"{option}={text.removeprefix('gres/gpu:')}"]

    return read


def _profile(value: Any) -> list[str]:
    names = value if isinstance(value, (list, tuple)) else str(value).split(",")
    words = [str(n).lower() for n in names if str(n).upper() != "NOT_SET"]
    return [f"--profile={','.join(words)}"] if words else []


def _user_environment(value: Any) -> list[str]:
    if value is True:
        return ["--get-user-env"]
    return [f"--get-user-env={value}"] if value else []


def _delay_boot(value: Any) -> list[str]:
    # Kept in seconds; sbatch takes minutes (rounded up, so no delay is shortened).
    return [f"--delay-boot={-(-int(value) // 60)}"]


def _job_flags(value: Any) -> list[str]:
    """v0.0.46 job flags: those with an sbatch option become it; others are refused."""
    out = []
    for flag in value:
        if flag in _FLAG_OPTIONS:
            out.extend(_FLAG_OPTIONS[flag])
        elif flag not in _FLAGS_WITHOUT_EFFECT:
            raise _unsupported(f"job flag {flag} cannot be passed to sbatch")
    return out


_FLAG_OPTIONS: dict[str, list[str]] = {
    "KILL_INVALID_DEPENDENCY": ["--kill-on-invalid-dep=yes"],
    "NO_KILL_INVALID_DEPENDENCY": ["--kill-on-invalid-dep=no"],
    "SPREAD_JOB": ["--spread-job"],
    "PREFER_MINIMUM_NODE_COUNT": ["--use-min-nodes"],
}
# Flags the controller sets itself; a client echoing them back asks for nothing.
_FLAGS_WITHOUT_EFFECT = frozenset(
    {"EXACT_TASK_COUNT_REQUESTED", "EXACT_CPU_COUNT_REQUESTED", "EXACT_MEMORY_REQUESTED",
     "USING_DEFAULT_ACCOUNT", "USING_DEFAULT_PARTITION", "USING_DEFAULT_QOS",
     "USING_DEFAULT_WCKEY", "PARTITION_ASSIGNED"}
)  # fmt: skip


def _rlimits(value: Any) -> list[str]:
    # sbatch sends its own process's limits (PropagateResourceLimits): none can be asked for.
    if isinstance(value, Mapping) and any(v not in (None, {}) for v in value.values()):
        raise _unsupported("rlimits cannot be passed to sbatch")
    return []


# JobDescription fields (and `extra` keys of the version parsers) -> sbatch options.
# The extra keys are those api/versions/v0_0_38 and v0_0_46 job_desc produce.
FIELD_OPTIONS: dict[str, Formatter] = {
    "name": _value("--job-name"),
    "account": _value("--account"),
    "partition": _value("--partition"),
    "qos": _value("--qos"),
    "reservation": _value("--reservation"),
    "comment": _value("--comment"),
    "wckey": _value("--wckey"),
    "current_working_directory": _value("--chdir"),
    "standard_input": _value("--input"),
    "standard_output": _value("--output"),
    "standard_error": _value("--error"),
    "tasks": _value("--ntasks"),
    "tasks_per_node": _value("--ntasks-per-node"),
    "cpus_per_task": _value("--cpus-per-task"),
    "memory_per_node": lambda v: [f"--mem={0 if v == INFINITE else _plain(v)}"],
    "memory_per_cpu": _value("--mem-per-cpu"),
    "constraints": _value("--constraint"),
    "required_nodes": _value("--nodelist"),
    "excluded_nodes": _value("--exclude"),
    "licenses": _value("--licenses"),
    "tres_per_node": _gres,
    "time_limit": _value("--time"),
    "time_minimum": _value("--time-min"),
    # 0 is Slurm's "unset": no option (not --begin=1970-...), as in updates.
    "begin_time": lambda v: [f"--begin={local_time(int(v))}"] if int(v) else [],
    "deadline": lambda v: [f"--deadline={local_time(int(v))}"] if int(v) else [],
    "array": _value("--array"),
    "dependency": _value("--dependency"),
    "hold": _switch("--hold"),
    "priority": lambda v: [f"--priority={'TOP' if v == INFINITE else _plain(v)}"],
    "nice": _value("--nice"),
    "requeue": lambda v: ["--requeue" if v else "--no-requeue"],
    "kill_on_node_fail": lambda v: [] if v else ["--no-kill"],
    "signal": _value("--signal"),
    "mail_type": _value("--mail-type"),
    "mail_user": _value("--mail-user"),
    "open_mode": _value("--open-mode"),
    "user_id": _value("--uid"),
    "group_id": _value("--gid"),
    # extra keys
    "user_name": _value("--uid"),
    "group_name": _value("--gid"),
    "account_gather_frequency": _value("--acctg-freq"),
    "batch_features": _value("--batch"),
    "burst_buffer": _value("--bb"),
    "cluster_constraint": _value("--cluster-constraint"),
    "container": _value("--container"),
    "contiguous": _switch("--contiguous"),
    "core_specification": _value("--core-spec"),
    "cores_per_socket": _value("--cores-per-socket"),
    "cpu_binding_hint": _value("--hint"),
    "cpu_frequency": _value("--cpu-freq"),
    "cpus_per_gpu": _value("--cpus-per-gpu"),
    "cpus_per_tres": _per_gpu("--cpus-per-gpu"),
    "delay_boot": _delay_boot,
    "distribution": _value("--distribution"),
    "flags": _job_flags,
    "get_user_environment": _user_environment,
    "gpu_binding": _value("--gpu-bind"),
    "gpu_frequency": _value("--gpu-freq"),
    "gpus": _value("--gpus"),
    "gpus_per_node": _value("--gpus-per-node"),
    "gpus_per_socket": _value("--gpus-per-socket"),
    "gpus_per_task": _value("--gpus-per-task"),
    "gres_flags": _value("--gres-flags"),
    "immediate": _switch("--immediate"),
    "kill_on_invalid_dependency": _yes_no("--kill-on-invalid-dep"),
    "mcs_label": _value("--mcs-label"),
    "memory_binding": _value("--mem-bind"),
    "memory_per_gpu": _value("--mem-per-gpu"),
    "memory_per_tres": _per_gpu("--mem-per-gpu"),
    "minimum_cpus_per_node": _value("--mincpus"),
    "network": _value("--network"),
    "ntasks_per_tres": _value("--ntasks-per-gpu"),
    "overcommit": _switch("--overcommit"),
    "prefer": _value("--prefer"),
    "profile": _profile,
    "reboot": _switch("--reboot"),
    "required_switches": _value("--switches"),
    "rlimits": _rlimits,
    "sockets_per_node": _value("--sockets-per-node"),
    "spread_job": _switch("--spread-job"),
    "tasks_per_core": _value("--ntasks-per-core"),
    "tasks_per_gpu": _value("--ntasks-per-gpu"),
    "tasks_per_socket": _value("--ntasks-per-socket"),
    "tasks_per_tres": _value("--ntasks-per-gpu"),
    "temporary_disk_per_node": _value("--tmp"),
    "thread_specification": _value("--thread-spec"),
    "threads_per_core": _value("--threads-per-core"),
    "tres_bind": _value("--gpu-bind"),
    "tres_freq": _value("--gpu-freq"),
    "use_minimum_nodes": _switch("--use-min-nodes"),
    "wait_all_nodes": lambda v: [f"--wait-all-nodes={1 if v else 0}"],
}
# Handled outside FIELD_OPTIONS (script, environment, size and exclusivity).
_HANDLED_APART = frozenset(
    {"script", "environment", "argv", "minimum_nodes", "maximum_nodes", "exclusive",
     "shared", "umask", "kill_warning_flags"}
)  # fmt: skip


def _unsupported(text: str) -> SlurmError:
    return SlurmError(Errno.NOT_SUPPORTED, text, SOURCE)


def _empty(value: Any) -> bool:
    """Values that ask for nothing: unset, empty, or false/zero (sbatch's defaults)."""
    return value is None or value is False or value == 0 or value in ("", [], (), {})


def _node_counts(desc: JobDescription) -> list[str]:
    low, high = desc.minimum_nodes, desc.maximum_nodes
    if low is None and high is None:
        return []
    low = 1 if low is None else low
    if high is None or high == low:
        return [f"--nodes={_plain(low)}"]
    return [f"--nodes={_plain(low)}-{_plain(high)}"]


def _exclusivity(desc: JobDescription) -> list[str]:
    shared = desc.extra.get("shared")
    if shared == "oversubscribe":
        return ["--oversubscribe"]
    if shared in ("user", "mcs", "topo"):
        return [f"--exclusive={shared}"]
    if desc.exclusive or shared == "none":
        return ["--exclusive"]
    return []


def component_options(desc: JobDescription, environment_fd: int | None) -> list[str]:
    """sbatch options of one job (or one het job component).

    Raises:
        SlurmError: NOT_SUPPORTED for a request sbatch cannot make.
    """
    options = [*_node_counts(desc), *_exclusivity(desc)]
    if desc.minimum_cpus is not None:
        raise _unsupported("minimum_cpus cannot be passed to sbatch (give tasks or cpus_per_task)")
    if desc.admin_comment is not None:
        raise _unsupported("admin_comment cannot be set by sbatch; update the job instead")
    if environment_fd is not None:
        options.append(f"--export-file={environment_fd}")
    for name, value in desc.given().items():
        if name in _HANDLED_APART or name in ("minimum_cpus", "admin_comment"):
            continue
        # A canonical field was given on purpose; an extra key may be a default echoed back.
        if name in desc.extra and _empty(value):
            continue
        formatter = FIELD_OPTIONS.get(name)
        if formatter is None:
            raise _unsupported(f"{name} cannot be passed to sbatch")
        options.extend(formatter(value))
    # v0.0.46 job flags and the keys the parser derives from them say the same thing.
    return list(dict.fromkeys(options))


def environment_file(environment: Mapping[str, str] | None) -> bytes:
    """The --export-file content: NAME=value entries, each ended by a NUL byte.

    Raises:
        SlurmError: EINVAL for a name or value the format cannot carry.
    """
    for name, value in (environment or {}).items():
        if not name or "=" in name or "\0" in name or "\0" in value:
            raise SlurmError(Errno.EINVAL, f"environment: cannot pass variable {name!r}", SOURCE)
    return b"".join(
        f"{name}={value}".encode() + b"\0" for name, value in (environment or {}).items()
    )


def sbatch_command(
    descriptions: Sequence[JobDescription], environment_fds: Sequence[int | None]
) -> list[str]:
    """The whole sbatch command line (the script itself goes to stdin).

    Several descriptions make a heterogeneous job (components joined by ":").

    Raises:
        SlurmError: NOT_SUPPORTED for a request sbatch cannot make.
    """
    argv = ["sbatch", "--parsable"]
    for index, (desc, fd) in enumerate(zip(descriptions, environment_fds, strict=True)):
        if index:
            argv.append(HET_SEPARATOR)
        argv.extend(component_options(desc, fd))
    # argv[0] of a job is its program name; what follows are the script's arguments.
    arguments = list(descriptions[0].argv or [])[1:]
    if arguments:
        argv.extend([STDIN_SCRIPT, *arguments])
    return argv


def umask_of(desc: JobDescription) -> int | None:
    """The umask the job asked for (sbatch passes on its own process's umask)."""
    value = desc.extra.get("umask")
    return value if isinstance(value, int) else None


def parse_job_id(stdout: str) -> int | None:
    """The job id `sbatch --parsable` printed ("12" or "12;cluster")."""
    for line in stdout.splitlines():
        head = line.strip().split(";", 1)[0]
        if head.isdigit():
            return int(head)
    return None
