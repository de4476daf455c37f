"""Single flight: concurrent identical calls share one run of the work.

The first caller for a key runs the work; callers that arrive while it runs
wait for and share its result (or its exception). Nothing is cached: a call
that arrives after the run finished starts a new one. Safe across threads
(the backend is called from the daemon's thread pool).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Generic, TypeVar

V = TypeVar("V")


@dataclass
class _Flight(Generic[V]):
    result: Future[V] = field(default_factory=Future)
    callers: int = 1


class SingleFlight(Generic[V]):
    """Shares in-flight calls by key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[Hashable, _Flight[V]] = {}

    def run(self, key: Hashable, work: Callable[[], V]) -> V:
        """`work()`, or the result of the run already in flight for `key`.

        Raises:
            whatever `work` raised (in every caller that shared the run).
        """
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
            else:
                flight.callers += 1
        if not leader:
            return flight.result.result()
        try:
            value = work()
        except BaseException as exc:
            self._land(key)
            flight.result.set_exception(exc)
            raise
        self._land(key)
        flight.result.set_result(value)
        return value

    def callers(self, key: Hashable) -> int:
        """How many callers share the run in flight for `key` now (0: none runs)."""
        with self._lock:
            flight = self._flights.get(key)
            return 0 if flight is None else flight.callers

    def _land(self, key: Hashable) -> None:
        # Forget the run before publishing its outcome: later callers start afresh.
        with self._lock:
            self._flights.pop(key, None)
