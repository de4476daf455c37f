"""Recent answers reused for a short, configured time: many pollers, one read.

A dashboard fleet polling `GET /jobs` every second would make slurmctld build
the job list for each poll. Within the freshness bound a read of the same key
(same credentials, same command) returns the answer already read; concurrent
misses share one run (single flight). A write through this daemon forgets
every answer, so a client reads its own writes at once. A bound of 0 turns
reuse off (single flight stays).

Refresh ahead: a read that finds an answer past half the bound still gets it at
once, and starts the next read in the background; pollers then never wait for
slurmctld (a 1000-job squeue takes ~0.4 s), while no answer served is older
than the bound.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.memory_only import may_block
from slurmrestd.cluster.slurm.singleflight import SingleFlight

T = TypeVar("T")

# How long a read answer is reused by default (--read-freshness).
DEFAULT_FRESHNESS_S = 1.0
# Keys (credentials x commands) kept at most; beyond, the oldest answers go.
MAX_ENTRIES = 4096
# Past this share of the bound, a read also starts the next one in the background.
REFRESH_AHEAD = 0.5

log = logging.getLogger(__name__)
Starter = Callable[[Callable[[], None]], None]


def _in_thread(run: Callable[[], None]) -> None:
    threading.Thread(target=run, name="fresh-reads-refresh", daemon=True).start()


def read_key(identity: Identity, *what: Hashable) -> Hashable:
    """The key of a read as `identity`: the token is part of it, so a request with an
    expired or forged token never rides on a valid one's answer."""
    return (identity.user_name, identity.uid, identity.token, *what)


class FreshReads:
    """Single flight plus reuse of an answer younger than `bound` seconds."""

    def __init__(
        self,
        bound: float,
        clock: Callable[[], float] = time.monotonic,
        start: Starter = _in_thread,
    ) -> None:
        self.bound = bound
        self._clock = clock
        self._start = start
        self._flights: SingleFlight[Any] = SingleFlight()
        self._lock = threading.Lock()
        self._answers: dict[Hashable, tuple[float, Any]] = {}
        self._refreshing: set[Hashable] = set()  # keys read again in the background now
        self._generation = 0  # bumped by forget(): a read begun before must not be kept

    def read(self, key: Hashable, work: Callable[[], T]) -> T:
        """A fresh enough answer for `key`, or `work()` (shared with concurrent callers).

        Raises:
            whatever `work` raised (errors are never kept).
        """
        if self.bound > 0:
            with self._lock:
                entry = self._answers.get(key)
            if entry is not None:
                age = self._clock() - entry[0]
                if age < self.bound:
                    if age >= self.bound * REFRESH_AHEAD:
                        self._refresh(key, work)
                    return entry[1]  # type: ignore[no-any-return]
        may_block()
        return self._flights.run(key, lambda: self._run(key, work))

    def _refresh(self, key: Hashable, work: Callable[[], T]) -> None:
        """Read `key` again in the background, once (readers meanwhile join that run)."""
        with self._lock:
            if key in self._refreshing or self._flights.callers(key):
                return
            self._refreshing.add(key)

        def run() -> None:
            try:
                self._flights.run(key, lambda: self._run(key, work))
            except Exception as exc:  # the next foreground read reports it
                log.debug("background refresh of %r failed: %s", key[-1:], exc)
            finally:
                with self._lock:
                    self._refreshing.discard(key)

        self._start(run)

    def callers(self, key: Hashable) -> int:
        """How many callers share the read in flight for `key` now (0: none runs)."""
        return self._flights.callers(key)

    def forget(self) -> None:
        """Drop every answer (after a write)."""
        with self._lock:
            self._answers.clear()
            self._generation += 1

    def _run(self, key: Hashable, work: Callable[[], T]) -> T:
        with self._lock:
            generation = self._generation
        value = work()
        if self.bound > 0:
            with self._lock:
                if generation == self._generation:
                    if len(self._answers) >= MAX_ENTRIES:
                        oldest = min(self._answers, key=lambda k: self._answers[k][0])
                        del self._answers[oldest]
                    # Aged from when the answer arrived: a read slower than the bound
                    # (sacct: ~1 s) must still serve the pollers that come after it.
                    self._answers[key] = (self._clock(), value)
        return value
