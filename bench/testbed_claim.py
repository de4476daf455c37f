"""Use the project's Slurm testbed for one bench run and leave it as found.

The same protocol as tests/slurm/conftest.py: bring-up under the exclusive
lock, a shared claim while in use, tear-down only by the run that started it
and only when no other session (e.g. a CI test run) still holds a claim.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator

from slurm import testbed
from slurm.testbed import sessions


def others_using(layout: testbed.Layout) -> bool:
    """Whether another session holds a claim on the testbed right now."""
    path = layout.root / ".sessions.lock"
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock we may have taken
    return False


def wait_until_alone(
    layout: testbed.Layout, timeout_s: float, say: Callable[[str], None] = print
) -> bool:
    """Wait (bounded) until no other session uses the testbed; True if alone."""
    deadline = time.monotonic() + timeout_s
    announced = False
    while others_using(layout):
        if time.monotonic() >= deadline:
            return False
        if not announced:
            say(f"another session uses the testbed; waiting up to {timeout_s:.0f}s for it")
            announced = True
        time.sleep(5)
    return True


@contextlib.contextmanager
def claimed(say: Callable[[str], None] = print) -> Iterator[testbed.Testbed]:
    """The running testbed (brought up if needed); released as found on exit.

    Raises:
        RuntimeError: the testbed cannot run here or failed to come up.
    """
    reason = testbed.unavailable_reason()
    if reason is not None:
        raise RuntimeError(reason)
    layout = testbed.default_layout()
    with sessions.bring_up_lock(layout):
        use = sessions.SessionUse(layout)
        try:
            bed = testbed.bring_up(layout)
        except (testbed.TestbedError, testbed.PackageError) as exc:
            with use.finish() as last:
                if last:  # leave nothing half-started behind
                    testbed.tear_down(layout)
            raise RuntimeError(f"testbed bring-up failed: {exc} (logs: {layout.log})") from None
    say(f"testbed: {'started ' + ', '.join(bed.started) if bed.started else 'found running'}")
    try:
        yield bed
    finally:
        with use.finish() as last:
            if bed.started_here and last:
                for line in testbed.tear_down(layout):
                    say(f"testbed: {line}")
            elif bed.started_here:
                say("testbed: left up, another session still uses it")
