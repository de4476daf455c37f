"""ProcessWatcher: one thread that learns when job processes end, without polling.

It waits on pidfds (Linux 5.3+), which work for our own children and for
processes adopted from an earlier daemon alike. A child is reaped through its
pidfd (no pid-reuse race, and no stealing of other subprocesses' statuses as
waitpid(-1) would); for an adopted process the status is None and the caller
reads the wrapper's status file.
"""

from __future__ import annotations

import logging
import os
import selectors
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

ExitCallback = Callable[[int, int | None], None]  # (pid, raw wait status or None)


def _raw_status(result: os.waitid_result) -> int:
    """waitid's (code, status) as the raw status waitpid would give."""
    if result.si_code == os.CLD_EXITED:
        return (result.si_status & 0xFF) << 8
    if result.si_code == os.CLD_DUMPED:
        return result.si_status | 0x80
    return result.si_status


class ProcessWatcher:
    def __init__(self, on_exit: ExitCallback) -> None:
        self._on_exit = on_exit
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._queue: list[tuple[int, int | None]] = []  # (pid, pidfd or None if already gone)
        self._lock = threading.Lock()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="job-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def watch(self, pid: int) -> None:
        """Report `pid`'s end through the callback (at once if it is already gone)."""
        try:
            fd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:
            fd = None
        with self._lock:
            self._queue.append((pid, fd))
        os.write(self._wake_w, b"x")

    def close(self) -> None:
        """Stop the thread; processes keep running and are no longer watched."""
        self._stopping = True
        os.write(self._wake_w, b"x")
        if self._thread.is_alive():
            self._thread.join()
        for key in list(self._selector.get_map().values()):
            os.close(key.fd)
        self._selector.close()
        os.close(self._wake_w)

    def _run(self) -> None:
        while not self._stopping:
            for key, _ in self._selector.select():
                if key.data is None:
                    self._drain_wake()
                else:
                    self._finished(key.data, key.fd)

    def _drain_wake(self) -> None:
        try:
            while os.read(self._wake_r, 4096):
                pass
        except BlockingIOError:
            pass
        with self._lock:
            queue, self._queue = self._queue, []
        for pid, fd in queue:
            if fd is None:
                self._report(pid, None)
            else:
                self._selector.register(fd, selectors.EVENT_READ, pid)

    def _finished(self, pid: int, fd: int) -> None:
        self._selector.unregister(fd)
        status: int | None = None
        try:
            result = os.waitid(os.P_PIDFD, fd, os.WEXITED | os.WNOHANG)
            if result is not None:
                status = _raw_status(result)
        except ChildProcessError:
            pass  # adopted from an earlier daemon: not our child to reap
        finally:
            os.close(fd)
        self._report(pid, status)

    def _report(self, pid: int, status: int | None) -> None:
        try:
            self._on_exit(pid, status)
        except Exception:
            log.exception("handling the end of process %d failed", pid)
