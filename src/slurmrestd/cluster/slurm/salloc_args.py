"""Allocations without a batch script (POST /job/allocate) as `salloc --no-shell` (22.05).

The path for local auth (the daemon's own munge identity), and the fallback
for requests with a token that the native protocol client cannot express or
that are heterogeneous; other token requests go to slurmctld directly
(ProtocolClient.allocate), so that the job is the token user's.

Pure functions: the command line from JobDescriptions (the options are
sbatch_args', less those only sbatch has) and the job id from what salloc
printed. Facts used (seen on the testbed):
- salloc prints "Granted job allocation <id>" and exits when it gets the
  resources at once; otherwise "Pending job allocation <id>" followed by
  "job <id> queued and waiting for resources", and waits. The daemon stops it
  (SIGKILL) at that line: the job stays queued, as after the C daemon's
  slurm_allocate_resources (SIGTERM would make salloc cancel it);
- like sbatch, salloc puts its own uid in the request: a token of any other
  user gets "Invalid user id" (submission.check_submitter applies).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm import sbatch_args
from slurmrestd.cluster.slurm.commands import error_from_output
from slurmrestd.model.job_desc import JobDescription

SOURCE = "slurm_allocate_resources"
# salloc's line once the job is queued: it would wait from here on.
QUEUED_MARK = "queued and waiting for resources"
# sbatch options salloc does not have (22.05's salloc --help).
_SBATCH_ONLY = (
    "--array", "--output", "--error", "--input", "--open-mode", "--requeue",
    "--no-requeue", "--export-file", "--batch", "--kill-on-invalid-dep",
)  # fmt: skip
_JOB_ID = re.compile(r"(?:Granted|Pending) job allocation (?P<id>\d+)")
_FAILED = "Job submit/allocate failed: "


def _option_name(option: str) -> str:
    return option.split("=", 1)[0]


def salloc_command(descriptions: Sequence[JobDescription]) -> list[str]:
    """`salloc --no-shell` for the descriptions (several: a heterogeneous allocation).

    The environment is not passed: an allocation runs no script of its own.

    Raises:
        SlurmError: NOT_SUPPORTED for a request salloc cannot make.
    """
    if not descriptions:
        raise SlurmError(Errno.REST_INVALID_JOBS_DESC, "no job description", SOURCE)
    argv = ["salloc", "--no-shell"]
    for index, desc in enumerate(descriptions):
        if desc.script:
            raise SlurmError(Errno.NOT_SUPPORTED, "an allocation runs no script", SOURCE)
        options = sbatch_args.component_options(desc, None)
        refused = [o for o in options if _option_name(o) in _SBATCH_ONLY]
        if refused:
            names = ", ".join(_option_name(o) for o in refused)
            raise SlurmError(Errno.NOT_SUPPORTED, f"salloc has no {names}", SOURCE)
        if index:
            argv.append(sbatch_args.HET_SEPARATOR)
        argv.extend(options)
    return argv


def parse_job_id(stderr: str) -> int | None:
    """The job id salloc reported (granted or pending)."""
    match = _JOB_ID.search(stderr)
    return int(match["id"]) if match else None


def allocate_error(argv: Sequence[str], returncode: int, stderr: str) -> SlurmError:
    """salloc's refusal as Slurm's error ("Job submit/allocate failed: <text>" names it)."""
    error = error_from_output(argv, returncode, "", stderr)
    description = error.description
    for line in stderr.splitlines():
        _, found, reason = line.partition(_FAILED)
        if found:
            description = reason.strip()
            break
    else:
        description = description.removeprefix("salloc: error: ")
    return SlurmError(error.errno, description, SOURCE)
