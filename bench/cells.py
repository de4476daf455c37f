"""Measuring cells and recording them: shared by the real-Slurm and embedded runs."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from bench import loadgen, plan, report, submitter
from bench.measure import Neighbours, Sample, Target, probe, run_cell

_STARTED = time.monotonic()


def say(text: str) -> None:
    """A progress line, stamped with the time since the run began."""
    elapsed = int(time.monotonic() - _STARTED)
    print(f"[{elapsed // 60:3d}:{elapsed % 60:02d}] {text}", flush=True)


class Recorder:
    """Collects Samples, appends each to results.jsonl at once, prints progress."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.samples: list[Sample] = []
        self._file = (out / "results.jsonl").open("a")

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)
        self._file.write(json.dumps(dataclasses.asdict(sample)) + "\n")
        self._file.flush()
        shown = report.number(sample.rps) if sample.measured else "n/a"
        p50, p99 = report.number(sample.p50_ms), report.number(sample.p99_ms)
        cpu = report.number(sample.daemon_cpu_ms_per_req)
        say(
            f"  {sample.target:<8} {sample.endpoint:<10} jobs={sample.jobs!s:<5} "
            f"c={sample.connections:<3} req/s={shown:<7} p50={p50}ms p99={p99}ms "
            f"cpu={cpu}ms/req {sample.note}"
        )

    def close(self) -> None:
        self._file.close()


def submit_requests(mode: plan.Mode, connections: int) -> int:
    # At least four rounds of the connections, so a cell is not one burst.
    return min(plan.MAX_SUBMITS_PER_CELL, max(mode.submits_per_cell, 4 * connections))


def measure_pair(
    targets: dict[str, Target],
    order: tuple[str, ...],
    endpoint: plan.Endpoint,
    path: str,
    level: int,
    connections: int,
    mode: plan.Mode,
    neighbours: Neighbours,
    count_jobs: Callable[[], int | None],
    record: Recorder,
    body: bytes | None = None,
) -> None:
    """One cell for each daemon in `order`, the same load for both."""
    probes = {}
    if body is None:  # a probe POST would create a job: submissions are bounded instead
        probes = {name: probe(targets[name], endpoint.method, path) for name in order}
    slowest = max((p.latency_s for p in probes.values() if p.ok), default=0.0)
    duration = plan.cell_duration(mode, slowest, connections, os.cpu_count() or 1)
    for name in order:
        target = targets[name]
        sample = Sample(name, endpoint.label, path, level, count_jobs(), connections)
        found = probes.get(name)
        if found is not None:
            sample.status, sample.resp_bytes = found.status, found.size
            if not found.ok:
                sample.note = f"n/a ({found.status})"
                record.add(sample)
                continue
        record.add(
            run_cell(
                target, _driver(target, path, connections, duration, mode, body), neighbours, sample
            )
        )


def _driver(
    target: Target,
    path: str,
    connections: int,
    duration: float,
    mode: plan.Mode,
    body: bytes | None,
) -> Callable[[], loadgen.LoadResult]:
    """The load of one cell: wrk for a GET, an exact count of POSTs for a submission."""
    if body is None:
        load = loadgen.Load(
            target.url,
            path,
            connections,
            duration,
            headers=target.headers,
            timeout_s=mode.timeout_s,
        )
        return lambda: loadgen.run(load)
    headers = {**target.headers, "Content-Type": "application/json"}
    return lambda: submitter.post_many(
        target.url,
        path,
        body=body,
        headers=headers,
        connections=connections,
        count=submit_requests(mode, connections),
        timeout_s=mode.timeout_s,
    )
