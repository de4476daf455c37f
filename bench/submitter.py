"""A bounded POST load: exactly `count` requests over `connections` keep-alive
connections, one thread each.

wrk suits duration-bound GETs, but a run bounded by request count is wrong
there: its main thread sleeps the whole -d duration even after every worker
stopped, and in-flight requests past the bound create uncounted jobs. Here the
count is exact and the wall time ends with the last answer.
"""

from __future__ import annotations

import http.client
import math
import threading
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from bench.loadgen import LoadResult


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


class _Counter:
    """Hands out request numbers until the bound is reached."""

    def __init__(self, limit: int) -> None:
        self._left = limit
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._left <= 0:
                return False
            self._left -= 1
            return True


def post_many(
    url: str,
    path: str,
    *,
    body: bytes,
    headers: Mapping[str, str],
    connections: int,
    count: int,
    timeout_s: float = 60.0,
) -> LoadResult:
    """POST `body` to `url + path` exactly `count` times, `connections` at a time."""
    parts = urlsplit(url)
    counter = _Counter(count)
    latencies: list[float] = []
    received = [0]
    failures = {"status": 0, "socket": 0}
    lock = threading.Lock()
    sent_headers = {**headers, "Content-Length": str(len(body))}

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout_s)
        try:
            while counter.take():
                started = time.perf_counter()
                try:
                    conn.request("POST", path, body=body, headers=sent_headers)
                    response = conn.getresponse()
                    data = response.read()
                except (OSError, http.client.HTTPException):
                    conn.close()  # reconnects on the next request
                    with lock:
                        failures["socket"] += 1
                    continue
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    received[0] += len(data)
                    if response.status > 399:
                        failures["status"] += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    latencies.sort()
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    return LoadResult(
        requests=len(latencies),
        duration_s=wall,
        received_bytes=received[0],
        p50_ms=p50 * 1000 if p50 is not None else None,
        p99_ms=p99 * 1000 if p99 is not None else None,
        status_errors=failures["status"],
        socket_errors=failures["socket"],
    )
