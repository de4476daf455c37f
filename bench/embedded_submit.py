"""Benchmark (not a test): submissions per second and jobs() latency of the embedded engine.

Run: python bench/embedded_submit.py [count]
Jobs are submitted with a begin time far in the future, so the scheduler runs
its passes over a growing queue but starts nothing.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from slurmrestd.cluster.embedded.engine import Submitter, WorkloadManager
from slurmrestd.model.job_desc import JobDescription

SCRIPT = "#!/bin/sh\n#SBATCH --job-name=bench\n#SBATCH --time=10\necho hi\n"


def job() -> JobDescription:
    return JobDescription(
        script=SCRIPT,
        environment={"PATH": "/bin"},
        begin_time=2**40,
        current_working_directory="/tmp",
    )


def main(count: int) -> None:
    user = Submitter(os.getuid(), os.getgid(), "bench", "bench")
    with tempfile.TemporaryDirectory() as tmp:
        manager = WorkloadManager(None, Path(tmp) / "state")
        manager.start()
        began = time.perf_counter()
        for _ in range(count):
            manager.submit(user, job())
        serial = count / (time.perf_counter() - began)

        threads, per_thread = 4, count // 4

        def worker() -> None:
            for _ in range(per_thread):
                manager.submit(user, job())

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        began = time.perf_counter()
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        parallel = threads * per_thread / (time.perf_counter() - began)

        while len(manager.jobs()) < 10_000:
            manager.submit(user, job())
        began = time.perf_counter()
        jobs = manager.jobs()
        listing_ms = (time.perf_counter() - began) * 1000
        manager.close()
    print(f"serial submits:   {serial:8.0f} /s ({count} jobs)")
    print(f"4-thread submits: {parallel:8.0f} /s")
    print(f"jobs() over {len(jobs)} jobs: {listing_ms:.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
