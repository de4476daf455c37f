"""Run Slurm's commands as the requesting identity and turn failures into SlurmError.

Who a command acts as (auth/jwt and auth/munge rules of Slurm 22.05):
- an identity with a token: the child's environment carries SLURM_JWT=<token>,
  so slurmctld/slurmdbd treat the call as the token's user. Only that child's
  environment: os.environ is never touched (requests run concurrently).
- no token, the daemon's own user: the command runs as the daemon (munge).
- no token, another user: munge can only speak for the process's uid, so the
  child switches to that user, which only a root daemon can do.
Commands cannot carry "token of root acting for alice" (the CLI sends no user
name beside SLURM_JWT); such identities are refused rather than run as root.

It knows nothing of HTTP or API versions, and does not parse command output
beyond recognising Slurm's error texts.
"""

from __future__ import annotations

import logging
import os
import re
import selectors
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.errors import ERROR_TEXT, Errno, SlurmError
from slurmrestd.cluster.memory_only import may_block

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 30.0
# Commands find their programs here when the daemon's PATH is minimal (systemd).
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"

# Slurm error texts that errors.py does not table yet (slurm_errno.h numbers).
# TODO(errors.py): move these rows into ERROR_TEXT.
CONTROLLER_UNREACHABLE = Errno.CONTROLLER_CONNECT
# Errors meaning "the controller did not answer" (not "it answered no").
UNREACHABLE = frozenset(
    {
        Errno.CONTROLLER_CONNECT,
        Errno.CONTROLLER_SEND,
        Errno.CONTROLLER_RECEIVE,
        Errno.CONTROLLER_SHUTDOWN,
        Errno.SOCKET_TIMEOUT,
    }
)

# The Slurm call a command names before " error:" ("slurm_load_jobs error: ...").
_SLURM_CALL = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*) error:")
# Texts job commands print that errors.py does not table yet (slurm_strerror of
# 22.05; seen from sbatch/scancel/scontrol on the testbed).
# TODO(errors.py): move these rows into ERROR_TEXT.
# Longest text first, so a text that contains another wins.
_KNOWN_TEXTS: tuple[tuple[str, int], ...] = tuple(
    sorted(
        ((text, int(num)) for num, text in ERROR_TEXT.items() if num),
        key=lambda row: -len(row[0]),
    )
)

Runner = Callable[..., subprocess.CompletedProcess[str]]
Spawner = Callable[..., "subprocess.Popen[bytes]"]

# What a bare environment keeps of the daemon's (see SlurmCommands.environment).
_BARE_KEEP = ("PATH", "TZ", "LANG", "LC_ALL", "SLURM_CONF")


@dataclass(frozen=True, slots=True)
class CommandResult:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    gave_up: bool = False  # stopped by run_watching when its marker appeared


def errno_from_text(text: str) -> int | None:
    """Slurm's error number for the first known error text found in `text`."""
    for known, number in _KNOWN_TEXTS:
        if known in text:
            return number
    return None


def error_from_output(argv: Sequence[str], returncode: int, stdout: str, stderr: str) -> SlurmError:
    """The SlurmError a failed command means.

    The description is the command's own message (e.g. "slurm_load_jobs error:
    Invalid job id specified"); the source is the Slurm call it names, else the
    command line.
    """
    lines = [line.strip() for line in (stderr or stdout).splitlines() if line.strip()]
    message = next((line for line in lines if "error" in line.lower()), lines[0] if lines else "")
    number = errno_from_text(stderr) or errno_from_text(stdout)
    call = _SLURM_CALL.match(message)
    source = call.group(1) if call else " ".join(argv[:3])
    if not message:
        message = f"{argv[0]} exited with status {returncode}"
    return SlurmError(Errno.UNSPECIFIED if number is None else number, message, source)


def token_user(token: str) -> str | None:
    """The user a Slurm JWT names (`sun`, else `username`); the signature was checked by auth."""
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    user = claims.get("sun") or claims.get("username")
    return user if isinstance(user, str) else None


class SlurmCommands:
    """Runs Slurm client commands for identities, with a time limit each."""

    def __init__(
        self,
        conf_path: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        runner: Runner = subprocess.run,
        spawner: Spawner = subprocess.Popen,
        base_env: Mapping[str, str] | None = None,
    ) -> None:
        self.conf_path = conf_path
        self.timeout = timeout
        self._runner = runner
        self._spawner = spawner
        self._base_env = dict(os.environ if base_env is None else base_env)

    def environment(
        self,
        identity: Identity | None,
        *,
        bare: bool = False,
        extra: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """The child's environment: the daemon's, SLURM_CONF, and the identity's token.

        `bare` keeps only PATH, TZ, locale and SLURM_CONF of the daemon's own
        variables, so none of its SBATCH_*/SLURM_* settings steer a submission.
        """
        # The daemon's own SLURM_JWT (if any) must never speak for a request.
        env = {k: v for k, v in self._base_env.items() if k != "SLURM_JWT"}
        if bare:
            env = {k: v for k, v in env.items() if k in _BARE_KEEP}
        env.setdefault("PATH", DEFAULT_PATH)
        if self.conf_path is not None:
            env["SLURM_CONF"] = self.conf_path
        env.update(extra or {})
        if identity is not None and identity.token is not None:
            env["SLURM_JWT"] = identity.token
        return env

    def _switch_user(self, identity: Identity | None) -> dict[str, Any]:
        """subprocess arguments that make the child act as `identity` (see module doc).

        Raises:
            SlurmError: the identity cannot be represented by a command.
        """
        if identity is None:
            return {}
        if identity.token is not None:
            named = token_user(identity.token)
            if named is not None and named != identity.user_name:
                raise SlurmError(
                    Errno.NOT_SUPPORTED,
                    f"a token of {named} acting as {identity.user_name} cannot be passed "
                    "to Slurm's commands",
                    "slurm backend",
                )
            return {}
        if identity.uid == os.geteuid():
            return {}
        if os.geteuid() == 0:
            return {"user": identity.uid, "group": identity.gid, "extra_groups": []}
        raise SlurmError(
            Errno.ACCESS_DENIED,
            f"munge can only speak for this daemon's user, not for {identity.user_name}",
            "slurm backend",
        )

    def run(
        self,
        identity: Identity | None,
        argv: Sequence[str],
        *,
        timeout: float | None = None,
        input: str | None = None,
        pass_fds: Sequence[int] = (),
        bare_env: bool = False,
        extra_env: Mapping[str, str] | None = None,
        umask: int | None = None,
    ) -> CommandResult:
        """Run `argv` as `identity` (None: the daemon itself); the result, whatever the status.

        `input` is written to the child's stdin; `pass_fds` stay open in it;
        `umask` is the child's (sbatch hands its own on to the job).

        Raises:
            SlurmError: the command could not run, or did not finish in time.
        """
        may_block()
        limit = self.timeout if timeout is None else timeout
        stdin: dict[str, Any] = {"stdin": subprocess.DEVNULL} if input is None else {"input": input}
        extra: dict[str, Any] = {"pass_fds": tuple(pass_fds)} if pass_fds else {}
        if umask is not None:
            extra["umask"] = umask
        try:
            proc = self._runner(
                list(argv),
                env=self.environment(identity, bare=bare_env, extra=extra_env),
                capture_output=True,
                text=True,
                errors="replace",
                timeout=limit,
                check=False,
                **stdin,
                **extra,
                **self._switch_user(identity),
            )
        except subprocess.TimeoutExpired:
            raise _timed_out(argv, limit) from None
        except OSError as exc:
            raise _cannot_run(argv, exc) from None
        return CommandResult(tuple(argv), proc.returncode, proc.stdout or "", proc.stderr or "")

    def run_watching(
        self,
        identity: Identity | None,
        argv: Sequence[str],
        *,
        give_up_on: str,
        timeout: float | None = None,
    ) -> CommandResult:
        """Run `argv`, reading its stderr as it comes; stop it once `give_up_on` appears.

        For commands that would otherwise retry for a long time (scancel sleeps
        and retries a job "in transitional state" for ~95 s). stdout is dropped.

        Raises:
            SlurmError: the command could not run, or did not finish in time.
        """
        may_block()
        limit = self.timeout if timeout is None else timeout
        marker = give_up_on.encode()
        try:
            proc = self._spawner(
                list(argv),
                env=self.environment(identity),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                **self._switch_user(identity),
            )
        except OSError as exc:
            raise _cannot_run(argv, exc) from None
        gave_up = False
        stderr = b""
        deadline = time.monotonic() + limit
        assert proc.stderr is not None
        with proc, selectors.DefaultSelector() as selector:
            selector.register(proc.stderr, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    proc.kill()
                    raise _timed_out(argv, limit)
                if not selector.select(remaining):
                    continue
                chunk = os.read(proc.stderr.fileno(), 65536)
                if not chunk:
                    break
                stderr += chunk
                if marker in stderr:
                    gave_up = True
                    proc.kill()
                    break
            returncode = proc.wait()
        text = stderr.decode(errors="replace")
        return CommandResult(tuple(argv), returncode, "", text, gave_up)

    def output(
        self,
        identity: Identity | None,
        argv: Sequence[str],
        *,
        timeout: float | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> str:
        """stdout of a command that must succeed.

        Raises:
            SlurmError: it failed (with Slurm's errno when its message is a known one).
        """
        result = self.run(identity, argv, timeout=timeout, extra_env=extra_env)
        if result.returncode != 0:
            error = error_from_output(argv, result.returncode, result.stdout, result.stderr)
            log.debug("%s failed (%d): %s", " ".join(argv), result.returncode, error.description)
            raise error
        return result.stdout


def _timed_out(argv: Sequence[str], limit: float) -> SlurmError:
    return SlurmError(Errno.SOCKET_TIMEOUT, f"{argv[0]} did not finish within {limit:g}s", argv[0])


def _cannot_run(argv: Sequence[str], exc: OSError) -> SlurmError:
    return SlurmError(Errno.UNSPECIFIED, f"cannot run {argv[0]}: {exc.strerror or exc}", argv[0])
