"""Job processes: start a batch script under the wrapper, signal it, tell whether it still runs.

Each job gets `<state_dir>/jobs/<job_id>/` holding its script (mode 0700) and
the status file the wrapper writes (see jobwrapper.py). The wrapper leads a
new session and process group, so the process group id is the wrapper's pid
and signals to the job are signals to that group. Jobs run as the daemon's
own user. A memory request becomes RLIMIT_AS on the script (virtual memory:
programs that reserve much more than they use may fail under it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import orjson

from slurmrestd.cluster.embedded.engine.records import JobRecord

WRAPPER = Path(__file__).with_name("jobwrapper.py")
# The wrapper starts with every signal blocked and unblocks them once it can
# survive them (see jobwrapper.py).
_ALL = signal.valid_signals()
_STATUS = "status"
_SCRIPT = "script"
# What an allocation (a job without a batch script) runs: a process that holds
# the resources, so cancel, time limit and restart adoption work as for any job.
ALLOCATION_HOLDER = '#!/bin/sh\nPATH="${PATH:-/usr/bin:/bin}"\nexec sleep infinity\n'


class LaunchError(Exception):
    """The job could not be started (a stream could not be opened, spawn failed)."""


@dataclass(frozen=True, slots=True)
class Launched:
    pid: int
    token: str | None


@dataclass(frozen=True, slots=True)
class JobStatus:
    """What the wrapper recorded: a raw wait status, or why the script did not start."""

    status: int | None
    launch_error: str | None = None
    maxrss_kib: int = 0


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (field 3 onwards)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    return raw[raw.rfind(b")") + 2 :].decode().split()


def process_token(pid: int) -> str | None:
    """`<boot id>:<start time>` of a process: tells it from a later one reusing the pid."""
    stat = _stat_fields(pid)
    return f"{_boot_id()}:{stat[19]}" if stat else None


def alive(pid: int, token: str | None) -> bool:
    """Whether the process launched with this token still runs (zombies do not)."""
    stat = _stat_fields(pid)
    if stat is None or stat[0] in ("Z", "X"):
        return False
    return token is None or f"{_boot_id()}:{stat[19]}" == token


class Executor:
    def __init__(self, state_dir: Path, python: str | None = None) -> None:
        self._root = state_dir / "jobs"
        self._root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._python = python or sys.executable

    def job_dir(self, job_id: int) -> Path:
        return self._root / str(job_id)

    def launch(self, job: JobRecord, env: dict[str, str]) -> Launched:
        """Start the job's script as a new session.

        Raises:
            LaunchError: a standard stream cannot be opened, or the spawn failed.
        """
        directory = self.job_dir(job.job_id)
        directory.mkdir(mode=0o700, exist_ok=True)
        (directory / _STATUS).unlink(missing_ok=True)  # from an earlier run (requeue)
        script = directory / _SCRIPT
        fd = os.open(script, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o700)
        with os.fdopen(fd, "w") as f:
            f.write(job.script if job.batch else ALLOCATION_HOLDER)
        os.chmod(script, 0o700)
        fds = self._open_streams(job)
        memory = (job.memory_on_batch_node or 0) * 1024 * 1024
        argv = [
            self._python,
            "-I",
            "-S",
            str(WRAPPER),
            str(directory / _STATUS),
            str(memory),
            job.cwd,
            str(script),
            *job.argv,
        ]
        actions = [(os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate(fds)]
        try:
            pid = os.posix_spawn(
                self._python, argv, env, file_actions=actions, setsid=True, setsigmask=_ALL
            )
        except OSError as exc:
            raise LaunchError(f"cannot start {self._python}: {exc.strerror}") from exc
        finally:
            for fd in set(fds):
                os.close(fd)
        return Launched(pid, process_token(pid))

    @staticmethod
    def _open_streams(job: JobRecord) -> list[int]:
        mode = os.O_APPEND if job.open_mode == "append" else os.O_TRUNC
        opened: dict[str, int] = {}
        fds: list[int] = []
        try:
            fds.append(os.open(job.stdin_path, os.O_RDONLY))
            for path in (job.stdout_path, job.stderr_path):
                if path not in opened:
                    opened[path] = os.open(path, os.O_WRONLY | os.O_CREAT | mode, 0o644)
                fds.append(opened[path])
        except OSError as exc:
            for fd in set(fds) | set(opened.values()):
                os.close(fd)
            raise LaunchError(f"cannot open {exc.filename}: {exc.strerror}") from exc
        return fds

    @staticmethod
    def signal_group(pid: int, signum: int) -> bool:
        """Send a signal to the job's process group; False if it is gone."""
        try:
            os.killpg(pid, signum)
        except ProcessLookupError:
            return False
        return True

    @staticmethod
    def signal_script(pid: int, signum: int) -> bool:
        """Send a signal to the batch script only (the wrapper's child)."""
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return False
        sent = False
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(child), signum)
                sent = True
        return sent

    def read_status(self, job_id: int) -> JobStatus | None:
        """The status the wrapper wrote, or None if there is none (yet)."""
        try:
            raw = orjson.loads((self.job_dir(job_id) / _STATUS).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return None
        if "launch_error" in raw:
            return JobStatus(None, str(raw["launch_error"]))
        return JobStatus(int(raw["status"]), None, int(raw.get("maxrss_kib", 0)))

    def cleanup(self, job_id: int) -> None:
        """Remove the job's directory once its end is recorded."""
        shutil.rmtree(self.job_dir(job_id), ignore_errors=True)
