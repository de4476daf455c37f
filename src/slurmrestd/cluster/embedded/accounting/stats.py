"""RPC statistics for GET /slurmdb/.../diag: how often each call ran, for whom, how long.

Counted per process (slurmdbd's own counters also restart with the daemon).
RPC names are slurmdbd's message types. No rollups run here, so none are listed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from slurmrestd.model.accounting import DbdStats, RpcStat


class RpcCounter:
    def __init__(self) -> None:
        self.time_start = int(time.time())
        self._lock = threading.Lock()
        self._rpcs: dict[str, list[int]] = {}  # name -> [count, total microseconds]
        self._users: dict[str, list[int]] = {}

    @contextmanager
    def count(self, rpc: str, user: str) -> Iterator[None]:
        """Time the block as one `rpc` made by `user` (failed calls count too)."""
        started = time.perf_counter_ns()
        try:
            yield
        finally:
            spent = (time.perf_counter_ns() - started) // 1000
            with self._lock:
                for table, key in ((self._rpcs, rpc), (self._users, user)):
                    entry = table.setdefault(key, [0, 0])
                    entry[0] += 1
                    entry[1] += spent

    def snapshot(self) -> DbdStats:
        with self._lock:
            return DbdStats(
                time_start=self.time_start,
                rpcs=_stats(self._rpcs),
                users=_stats(self._users),
            )


def _stats(table: dict[str, list[int]]) -> tuple[RpcStat, ...]:
    return tuple(
        RpcStat(name, count, total, total // count if count else 0)
        for name, (count, total) in table.items()
    )
