"""Around one sbatch run: who may submit, the --export-file descriptors, its failure.

sbatch_args.py builds the command line; this module checks the submitter,
gives sbatch the readable descriptors the line names, and turns a refusal
into Slurm's error.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.errors import Errno, SlurmError, error_text
from slurmrestd.cluster.slurm import sbatch_args
from slurmrestd.cluster.slurm.commands import error_from_output
from slurmrestd.model.job_desc import JobDescription


def check_submitter(identity: Identity, daemon_uid: int) -> None:
    """Refuse a token user sbatch would not submit as.

    sbatch given --export-file drops SLURM_JWT and signs the request with munge
    as its process uid (Slurm 22.05.8, checked on the testbed), so the job
    would belong to the daemon's user whoever's token came in. Only a token of
    that same user may go on; others get Slurm's own answer to a token that
    does not match sbatch's uid. Identities without a token run as their own
    uid (commands.py switches a root daemon's child to them).

    Raises:
        SlurmError: USER_ID_MISSING (2010, "Invalid user id").
    """
    if identity.token is not None and identity.uid != daemon_uid:
        errno = Errno.USER_ID_MISSING
        raise SlurmError(errno, error_text(errno), "slurm_submit_batch_job")


@contextlib.contextmanager
def environment_fds(descriptions: Sequence[JobDescription]) -> Iterator[list[int]]:
    """One readable fd per job component holding its --export-file content.

    Anonymous files, not pipes: an environment larger than a pipe's buffer
    must not block before sbatch starts reading.
    """
    fds: list[int] = []
    try:
        for desc in descriptions:
            fds.append(_anonymous_file(sbatch_args.environment_file(desc.environment)))
        yield fds
    finally:
        for fd in fds:
            os.close(fd)


def _anonymous_file(content: bytes) -> int:
    """A descriptor of an unnamed file holding `content`, positioned at its start."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("sbatch-environment")
    else:  # not Linux: an unlinked temporary file does the same
        with tempfile.TemporaryFile() as handle:
            fd = os.dup(handle.fileno())
    with os.fdopen(os.dup(fd), "wb") as out:
        out.write(content)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def submit_error(argv: Sequence[str], returncode: int, stdout: str, stderr: str) -> SlurmError:
    """sbatch's failure as Slurm's error ("Batch job submission failed: <text>" names it)."""
    error = error_from_output(argv, returncode, stdout, stderr)
    description = error.description
    for line in stderr.splitlines():
        _, found, reason = line.partition("Batch job submission failed: ")
        if found:
            description = reason.strip()
            break
    else:
        description = description.removeprefix("sbatch: error: ")
    if returncode == 0 and error.errno == Errno.UNSPECIFIED:
        description = f"sbatch printed no job id: {stdout.strip()!r}"
    return SlurmError(error.errno, description, "slurm_submit_batch_job")
