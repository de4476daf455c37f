"""Bookkeeping of the testbed's daemons: pid files, a manifest, start and stop.

Every daemon the harness starts has a pid file, and that pid file is recorded
in the manifest. Tear-down stops exactly those, after checking that the pid
still runs the expected program (a stale pid file never kills a stranger).
Nothing is ever killed by name.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from slurm.testbed.layout import Layout

# Stop order: clients of a daemon go before the daemon itself.
_STOP_RANK = ("slurmrestd", "slurmd", "slurmctld", "slurmdbd", "mariadbd", "munged")


class TestbedError(RuntimeError):
    """The testbed could not be brought up (the message says which step and why)."""

    __test__ = False  # not a pytest test class despite the name


def expected_program(pid_file: Path) -> tuple[str, ...]:
    """What a pid file's process must run: program name, then required arguments."""
    name = pid_file.stem  # munged, mysqld, slurmdbd, slurmctld, slurmd-node1, slurmrestd-jwt
    if name.startswith("slurmd-"):
        return ("slurmd", "-N", name.removeprefix("slurmd-"))
    if name.startswith("slurmrestd"):
        return ("slurmrestd",)
    if name == "mysqld":
        return ("mariadbd",)
    return (name,)


def _argv(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    # The state follows the parenthesised command name, which may hold spaces.
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def _matches(argv: Sequence[str], want: Sequence[str]) -> bool:
    if not argv or os.path.basename(argv[0]) != want[0]:
        return False
    args, need = list(argv[1:]), list(want[1:])
    return not need or any(args[i : i + len(need)] == need for i in range(len(args)))


def alive(pid_file: Path) -> int | None:
    """The pid in `pid_file` if that process runs the expected program, else None."""
    try:
        text = pid_file.read_text().strip()
    except OSError:
        return None
    if not text.isdigit():
        return None
    pid = int(text)
    if _is_zombie(pid) or not _matches(_argv(pid), expected_program(pid_file)):
        return None
    return pid


def record(layout: Layout, pid_file: Path) -> None:
    """Note in the manifest that the harness started the daemon of `pid_file`."""
    known = recorded(layout)
    if pid_file not in known:
        with layout.manifest.open("a") as out:
            out.write(f"{pid_file}\n")


def recorded(layout: Layout) -> list[Path]:
    try:
        lines = layout.manifest.read_text().splitlines()
    except OSError:
        return []
    return [Path(line) for line in lines if line.strip()]


def _as_user(user: str | None) -> dict[str, object]:
    """subprocess arguments that run the child as `user` with its primary group only."""
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def run(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    user: str | None = None,
    timeout: float = 60,
    check: bool = True,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command (as `user` if given) and capture its output. Raises TestbedError."""
    kwargs = _as_user(user)
    try:
        proc = subprocess.run(
            list(argv),
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            input=input,
            cwd="/",
            **kwargs,  # type: ignore[arg-type]
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TestbedError(f"{' '.join(argv)}: {exc}") from None
    if check and proc.returncode != 0:
        output = proc.stdout[-1500:] + proc.stderr[-1500:]
        raise TestbedError(f"{' '.join(argv)} exited {proc.returncode}:\n{output}")
    return proc


def spawn(
    argv: Sequence[str], env: Mapping[str, str], log_file: Path, *, user: str | None = None
) -> int:
    """Start a daemon that stays in the foreground, detached in its own session."""
    kwargs = _as_user(user)
    with log_file.open("ab") as log:
        proc = subprocess.Popen(
            list(argv),
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            cwd="/",
            **kwargs,  # type: ignore[arg-type]
        )
    return proc.pid


def wait_for(
    what: str, condition: Callable[[], bool], timeout: float, interval: float = 0.2
) -> None:
    """Wait until `condition()` is true, at most `timeout` s. Raises TestbedError."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(TestbedError, OSError, subprocess.SubprocessError):
            if condition():
                return
        if time.monotonic() >= deadline:
            raise TestbedError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def _reap(pid: int) -> None:
    # A daemon spawned by this very process is our child: collect its exit status.
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def stop(pid_file: Path, timeout: float = 30) -> str:
    """SIGTERM the daemon of `pid_file`, SIGKILL it after `timeout`; report what happened."""
    pid = alive(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return f"{pid_file.name}: not running"
    started = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    deadline = started + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if _is_zombie(pid):
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        _reap(pid)
    pid_file.unlink(missing_ok=True)
    return f"{pid_file.name}: stopped pid {pid} in {time.monotonic() - started:.1f}s"


def stop_recorded(layout: Layout) -> list[str]:
    """Stop every daemon in the manifest, clients first; empty the manifest."""

    def rank(path: Path) -> int:
        program = expected_program(path)[0]
        return _STOP_RANK.index(program) if program in _STOP_RANK else len(_STOP_RANK)

    report = [stop(path) for path in sorted(recorded(layout), key=rank)]
    layout.manifest.unlink(missing_ok=True)
    return report
