"""Several pytest sessions may share one testbed: serialise bring-up, count users.

Bring-up holds an exclusive lock, so a second session waits and then finds the
testbed running. Each session holds a shared lock while it uses the testbed;
tear-down happens only if no other session holds one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from slurm.testbed.layout import Layout


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)


@contextlib.contextmanager
def bring_up_lock(layout: Layout) -> Iterator[None]:
    """Held while one session brings the testbed up (others wait)."""
    fd = _open(layout.root / ".bring-up.lock")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class SessionUse:
    """A shared claim on the testbed for the length of one test session."""

    def __init__(self, layout: Layout) -> None:
        self._fd = _open(layout.root / ".sessions.lock")
        fcntl.flock(self._fd, fcntl.LOCK_SH)

    @contextlib.contextmanager
    def finish(self) -> Iterator[bool]:
        """End the claim; yields True (holding everyone off) if no other session uses it."""
        try:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
            else:
                yield True
        finally:
            os.close(self._fd)
