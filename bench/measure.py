"""One cell: one daemon, one endpoint, one connection count -> one Sample.

Around the wrk run it snapshots the CPU ticks of the daemon (with its reaped
children), slurmctld and slurmdbd, and the host's busy ticks, and resets the
daemon's peak RSS so VmHWM covers this cell only.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench import loadgen, procstat


@dataclass(frozen=True)
class Target:
    """A daemon under test."""

    name: str  # "c" (SchedMD's slurmrestd), "ours", "embedded"
    url: str
    pid: int
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Neighbours:
    """Other processes a request may cost CPU in (None: not part of this run)."""

    slurmctld: int | None = None
    slurmdbd: int | None = None


@dataclass(frozen=True)
class Probe:
    status: int
    size: int
    latency_s: float

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Sample:
    """What one cell measured (a flat record: one JSON line in results.jsonl)."""

    target: str
    endpoint: str
    path: str
    level: int  # the job level of the plan
    jobs: int | None  # jobs slurmctld (or the embedded daemon) held at the start
    connections: int
    status: int | None = None  # of the probe request
    resp_bytes: int | None = None
    requests: int = 0
    duration_s: float = 0.0
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    status_errors: int = 0
    socket_errors: int = 0
    daemon_cpu_ms_per_req: float | None = None
    ctld_cpu_ms_per_req: float | None = None
    dbd_cpu_ms_per_req: float | None = None
    peak_rss_mib: float | None = None
    other_cores: float | None = None  # host CPU busy outside the measured daemons (incl. wrk)
    note: str = ""  # "n/a (501)" when the daemon does not serve the endpoint

    @property
    def measured(self) -> bool:
        return self.rps is not None


def probe(target: Target, method: str, path: str, timeout: float = 120) -> Probe:
    """One request outside the measurement: does it work, how big, how slow."""
    parts = urlsplit(target.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        started = time.perf_counter()
        conn.request(method, path, headers=dict(target.headers))
        response = conn.getresponse()
        body = response.read()
        return Probe(response.status, len(body), time.perf_counter() - started)
    finally:
        conn.close()


def fetch_json(target: Target, path: str, timeout: float = 300) -> dict:
    """GET `path` and decode the JSON answer (setup steps, never measured)."""
    parts = urlsplit(target.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", path, headers=dict(target.headers))
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def _ticks(pid: int | None) -> int:
    if pid is None:
        return 0
    try:
        return procstat.cpu_ticks(pid, children=True)
    except OSError:
        return 0


def _per_request_ms(ticks: int, requests: int) -> float:
    return round(ticks / procstat.CLOCK_TICKS * 1000 / max(requests, 1), 3)


def settle(
    pid: int, *, quiet_share: float = 0.05, window_s: float = 0.5, limit_s: float = 60
) -> bool:
    """Wait until `pid` uses under `quiet_share` of a core (bounded by `limit_s`).

    A client that gave up (wrk at the end of a cell) may leave a daemon still
    rendering answers nobody reads; that CPU must not be billed to the next cell.
    """
    deadline = time.monotonic() + limit_s
    quiet_ticks = quiet_share * window_s * procstat.CLOCK_TICKS
    while time.monotonic() < deadline:
        before = _ticks(pid)
        time.sleep(window_s)
        if _ticks(pid) - before <= quiet_ticks:
            return True
    return False


def run_cell(
    target: Target,
    drive: Callable[[], loadgen.LoadResult],
    neighbours: Neighbours,
    sample: Sample,
    settle_s: float = 60,
) -> Sample:
    """Run `drive` (the load) against `target` and fill in `sample` (also returned).

    First waits up to `settle_s` for the daemon to be idle (see settle)."""
    idle = settle(target.pid, limit_s=settle_s)
    procstat.reset_peak_rss(target.pid)
    pids = (target.pid, neighbours.slurmctld, neighbours.slurmdbd)
    before = [_ticks(pid) for pid in pids]
    busy_before, wall_before = procstat.host_busy_ticks(), time.monotonic()
    result = drive()
    wall = time.monotonic() - wall_before
    busy = procstat.host_busy_ticks() - busy_before
    daemon, ctld, dbd = (_ticks(pid) - b for pid, b in zip(pids, before, strict=True))
    rss = procstat.peak_rss_kib(target.pid)

    sample.requests = result.requests
    sample.duration_s = round(result.duration_s, 3)
    sample.rps = round(result.rps, 2)
    sample.p50_ms, sample.p99_ms = result.p50_ms, result.p99_ms
    sample.status_errors, sample.socket_errors = result.status_errors, result.socket_errors
    sample.daemon_cpu_ms_per_req = _per_request_ms(daemon, result.requests)
    if neighbours.slurmctld is not None:
        sample.ctld_cpu_ms_per_req = _per_request_ms(ctld, result.requests)
    if neighbours.slurmdbd is not None:
        sample.dbd_cpu_ms_per_req = _per_request_ms(dbd, result.requests)
    sample.peak_rss_mib = round(rss / 1024, 1) if rss is not None else None
    others = (busy - daemon - ctld - dbd) / procstat.CLOCK_TICKS
    sample.other_cores = round(max(others, 0) / wall, 2) if wall > 0 else None
    if result.requests == 0:
        sample.rps = sample.daemon_cpu_ms_per_req = None
        sample.ctld_cpu_ms_per_req = sample.dbd_cpu_ms_per_req = None
        sample.note = f"no answer within the {wall:.0f} s cell"
    elif result.status_errors >= result.requests:
        sample.rps = None
        sample.note = "n/a (every answer an error)"
    elif result.status_errors or result.socket_errors:
        sample.note = f"{result.status_errors} error answers, {result.socket_errors} socket errors"
    if not idle:
        # Someone else kept the daemon busy: the CPU figure includes their work.
        sample.note = "; ".join(filter(None, [sample.note, "daemon was busy before the cell"]))
    return sample
