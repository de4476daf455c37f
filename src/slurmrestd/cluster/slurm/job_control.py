"""Job changes as Slurm 22.05 commands: scontrol update/hold/release/requeue, scancel.

Pure functions: argv from canonical requests, SlurmError from what the
commands printed. Facts used (seen on the testbed):
- `scontrol update` prints "<error text> for job <id>" and exits 1;
- it refuses to send an update without a field ("No changes specified"), but
  counts an empty `EndTime=` (end time 0, which slurmctld ignores) as one;
- slurmctld ignores a begin time or deadline of 0 in an update (Slurm's
  "unset" time), while scontrol refuses a StartTime/Deadline that reads as 0;
- `scancel` without -v exits 0 and prints nothing for an unknown or finished
  job, so it always runs with -v, and any "error:" line is the answer;
- scancel retries a job "in transitional state" (e.g. signalling a pending
  job) for ~95 s; the daemon stops it at the first retry and answers what
  slurmctld said (2020), as the C daemon's single slurm_kill_job call does.
"""

from __future__ import annotations

import re
import signal as signals
from collections.abc import Callable
from typing import Any

from slurmrestd.api.numbers import INFINITE
from slurmrestd.cluster.errors import Errno, SlurmError, error_text
from slurmrestd.cluster.slurm.commands import errno_from_text
from slurmrestd.cluster.slurm.sbatch_args import local_time
from slurmrestd.model.job_desc import JobDescription

# scancel's line when slurmctld says "try again later" and it is about to sleep.
SCANCEL_RETRY_MARK = "Job is in transitional state, retrying"
_SCANCEL_ERROR = re.compile(r"error: (?:Kill job error on job id \S+: )?(?P<text>.+)$")
_JOB_ID = re.compile(r"^\d+(?:_\d+|\+\d+)?$")
# A field that changes nothing: the update still reaches slurmctld, which checks the
# job (2017 unknown, 2084 finished, 2010 not the user's), as 22.05's C daemon's
# empty slurm_update_job did.
NO_CHANGE = "EndTime="
# Times whose 0 is Slurm's "unset": an update does not change them.
_UNSET_WHEN_ZERO = frozenset({"begin_time", "deadline"})


def _limit(value: Any) -> str:
    if value == INFINITE:
        return "UNLIMITED"
    return str(int(value)) if isinstance(value, float) else str(value)


def _text(key: str) -> Callable[[Any], list[str]]:
    return lambda value: [f"{key}={_limit(value) if not isinstance(value, str) else value}"]


def _gres(value: Any) -> list[str]:
    items = [item.strip().removeprefix("gres/") for item in str(value).split(",")]
    return [f"Gres={','.join(item for item in items if item)}"]


# JobDescription fields (and version-parser `extra` keys) -> `scontrol update` fields.
UPDATE_FIELDS: dict[str, Callable[[Any], list[str]]] = {
    "name": _text("JobName"),
    "account": _text("Account"),
    "partition": _text("Partition"),
    "qos": _text("QOS"),
    "reservation": _text("ReservationName"),
    "comment": _text("Comment"),
    "admin_comment": _text("AdminComment"),
    "wckey": _text("WCKey"),
    "current_working_directory": _text("WorkDir"),
    "standard_output": _text("StdOut"),
    "tasks": _text("NumTasks"),
    "tasks_per_node": _text("TasksPerNode"),
    "cpus_per_task": _text("CPUsPerTask"),
    "minimum_cpus": _text("NumCPUs"),
    "memory_per_node": _text("MinMemoryNode"),
    "memory_per_cpu": _text("MinMemoryCPU"),
    "constraints": _text("Features"),
    "required_nodes": _text("ReqNodeList"),
    "excluded_nodes": _text("ExcNodeList"),
    "licenses": _text("Licenses"),
    "tres_per_node": _gres,
    "time_limit": _text("TimeLimit"),
    "time_minimum": _text("TimeMin"),
    "begin_time": lambda v: [f"StartTime={local_time(int(v))}"],
    "deadline": lambda v: [f"Deadline={local_time(int(v))}"],
    "dependency": _text("Dependency"),
    "priority": _text("Priority"),
    "nice": _text("Nice"),
    "requeue": lambda v: [f"Requeue={1 if v else 0}"],
    "mail_type": lambda v: [f"MailType={','.join(v)}"],
    "mail_user": _text("MailUser"),
    # extra keys
    "burst_buffer": _text("BurstBuffer"),
    "cluster_constraint": _text("ClusterFeatures"),
    "contiguous": lambda v: [f"Contiguous={'yes' if v else 'no'}"],
    "core_specification": _text("CoreSpec"),
    "delay_boot": _text("DelayBoot"),
    "mcs_label": _text("MCSLabel"),
    "minimum_cpus_per_node": _text("MinCPUsNode"),
    "prefer": _text("Prefer"),
    "reboot": lambda v: [f"Reboot={'yes' if v else 'no'}"],
    "temporary_disk_per_node": _text("MinTmpDiskNode"),
    "thread_specification": _text("ThreadSpec"),
}


def check_job_id(job_id: str) -> str:
    """`job_id` if it names a job ("12", "12_3", "12+1"); 2017 otherwise.

    Raises:
        SlurmError: INVALID_JOB_ID.
    """
    text = job_id.strip()
    if not _JOB_ID.match(text):
        raise SlurmError(Errno.INVALID_JOB_ID, error_text(Errno.INVALID_JOB_ID), "scontrol")
    return text


def update_commands(job_id: str, changes: JobDescription) -> list[list[str]]:
    """The commands that make `changes` to the job, in order (never none).

    Fields go in one `scontrol update`; hold/release follow as their own command
    (priority 0 is Slurm's hold). A change that sets nothing is still an update
    (NO_CHANGE), so slurmctld reports an unknown, finished or foreign job.

    Raises:
        SlurmError: INVALID_JOB_ID, or NOT_SUPPORTED for a field scontrol cannot change.
    """
    job = check_job_id(job_id)
    fields: list[str] = []
    for name, value in changes.given().items():
        if name == "hold" or value is None:
            continue
        if name == "priority" and value == INFINITE:
            continue  # "top priority" is what release gives
        if name in ("minimum_nodes", "maximum_nodes"):
            continue
        if name in _UNSET_WHEN_ZERO and value == 0:
            continue
        formatter = UPDATE_FIELDS.get(name)
        if formatter is None:
            raise SlurmError(
                Errno.NOT_SUPPORTED, f"{name} cannot be changed by scontrol update", "scontrol"
            )
        fields.extend(formatter(value))
    fields.extend(_node_counts(changes))
    commands = [["scontrol", "update", f"JobId={job}", *fields]] if fields else []
    if changes.hold is not None:
        commands.append(["scontrol", "hold" if changes.hold else "release", job])
    elif changes.priority == INFINITE:
        commands.append(["scontrol", "release", job])
    return commands or [["scontrol", "update", f"JobId={job}", NO_CHANGE]]


def _node_counts(changes: JobDescription) -> list[str]:
    low, high = changes.minimum_nodes, changes.maximum_nodes
    if low is None and high is None:
        return []
    low = high if low is None else low
    if high is None or high == low:
        return [f"NumNodes={low}"]
    return [f"NumNodes={low}-{high}"]


def requeue_command(job_id: str) -> list[str]:
    """Raises: SlurmError INVALID_JOB_ID."""
    return ["scontrol", "requeue", check_job_id(job_id)]


def scancel_command(job_id: str, signal: int, flags: frozenset[str]) -> list[str]:
    """scancel for a signal; SIGKILL without flags is a plain cancel.

    BATCH_JOB signals the batch step only (--batch); FULL_JOB/FULL_STEPS_ONLY
    reach every step (--full). No flags means FULL_JOB, as every REST version
    asks slurmctld (the 22.05 C daemon's v0.0.38 signal reaches the batch shell,
    seen on the testbed), while scancel alone would spare the batch shell.

    Raises:
        SlurmError: INVALID_JOB_ID.
    """
    job = check_job_id(job_id)
    argv = ["scancel", "-v"]
    if signal != signals.SIGKILL or flags:
        argv.append(f"--signal={signal}")
    if "BATCH_JOB" in flags:
        argv.append("--batch")
    if flags & {"FULL_JOB", "FULL_STEPS_ONLY"} or (not flags and signal != signals.SIGKILL):
        argv.append("--full")
    argv.append(job)
    return argv


def scancel_error(stderr: str, gave_up: bool) -> SlurmError | None:
    """What a `scancel -v` run failed with, or None when it succeeded."""
    if gave_up:
        errno = Errno.TRANSITION_STATE_NO_UPDATE
        return SlurmError(errno, error_text(errno), "slurm_kill_job")
    for line in stderr.splitlines():
        match = _SCANCEL_ERROR.search(line)
        if match is None:
            continue
        text = match["text"].strip()
        number = errno_from_text(text)
        return SlurmError(Errno.UNSPECIFIED if number is None else number, text, "slurm_kill_job")
    return None
