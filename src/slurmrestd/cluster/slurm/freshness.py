"""Recent answers reused for a short, configured time: many pollers, one read.

A dashboard fleet polling `GET /jobs` every second would make slurmctld build
the job list for each poll. Within the freshness bound a read of the same key
(same credentials, same command) returns the answer already read; concurrent
misses share one run (single flight). A write through this daemon forgets
every answer, so a client reads its own writes at once. A bound of 0 turns
reuse off (single flight stays).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from slurmrestd.cluster.memory_only import may_block
from slurmrestd.cluster.slurm.singleflight import SingleFlight

T = TypeVar("T")

# How long a read answer is reused by default (--read-freshness).
DEFAULT_FRESHNESS_S = 1.0
# Keys (credentials x commands) kept at most; beyond, the oldest answers go.
MAX_ENTRIES = 4096


class FreshReads:
    """Single flight plus reuse of an answer younger than `bound` seconds."""

    def __init__(self, bound: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.bound = bound
        self._clock = clock
        self._flights: SingleFlight[Any] = SingleFlight()
        self._lock = threading.Lock()
        self._answers: dict[Hashable, tuple[float, Any]] = {}
        self._generation = 0  # bumped by forget(): a read begun before must not be kept

    def read(self, key: Hashable, work: Callable[[], T]) -> T:
        """A fresh enough answer for `key`, or `work()` (shared with concurrent callers).

        Raises:
            whatever `work` raised (errors are never kept).
        """
        if self.bound > 0:
            with self._lock:
                entry = self._answers.get(key)
                if entry is not None and self._clock() - entry[0] < self.bound:
                    return entry[1]  # type: ignore[no-any-return]
        may_block()
        return self._flights.run(key, lambda: self._run(key, work))

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
