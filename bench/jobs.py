"""Held jobs in slurmctld: count them, top them up, cancel the ones this run made.

Every job a run creates carries a name unique to the run, so cleanup cancels
exactly those (by name, as root) and never a job of another session.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

from slurm import testbed

_SUBMITTED = re.compile(r"Submitted batch job (\d+)")
FILL_WORKERS = 4  # parallel sbatch processes: enough to fill 1000 jobs in seconds


class HeldJobs:
    def __init__(self, bed: testbed.Testbed, run_id: str) -> None:
        self._bed = bed
        self.fill_name = f"bench-{run_id}-fill"
        self.target_name = f"bench-{run_id}-target"
        self.submit_name = f"bench-{run_id}-submit"  # POST /job/submit jobs (both daemons)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.fill_name, self.target_name, self.submit_name)

    def in_controller(self) -> int:
        """Every job slurmctld holds (any user, any state): what GET /jobs returns."""
        out = self._bed.run(["squeue", "-h", "-t", "all", "-o", "%i"]).stdout
        return sum(1 for line in out.splitlines() if line.strip())

    def _sbatch(self, name: str) -> int:
        argv = ["sbatch", "--hold", "-J", name, "-o", "/dev/null", "-D", "/tmp"]
        out = self._bed.run([*argv, "--wrap", "sleep 3600"]).stdout
        match = _SUBMITTED.search(out)
        if match is None:
            raise RuntimeError(f"sbatch printed no job id: {out!r}")
        return int(match.group(1))

    def target(self) -> int:
        """One held job for GET /job/{id}."""
        return self._sbatch(self.target_name)

    def top_up(self, level: int) -> int:
        """Submit held jobs until slurmctld holds `level`; returns how many were added."""
        need = level - self.in_controller()
        if need <= 0:
            return 0
        with ThreadPoolExecutor(FILL_WORKERS) as pool:
            list(pool.map(lambda _: self._sbatch(self.fill_name), range(need)))
        return need

    def wait_for_purge(self, at_most: int, timeout_s: float, poll_s: float = 5.0) -> int:
        """Wait (bounded) until slurmctld holds at most `at_most` jobs; returns the count.

        Finished and cancelled jobs stay listed for MinJobAge (300 s on the testbed),
        so right after another session a "0 jobs" level is not empty yet.
        """
        deadline = time.monotonic() + timeout_s
        while (held := self.in_controller()) > at_most and time.monotonic() < deadline:
            time.sleep(poll_s)
        return held

    def cancel_all(self) -> None:
        """Cancel every job of this run (all users: REST submissions are alice's)."""
        for name in self.names:
            self._bed.run(["scancel", f"--name={name}"], check=False, timeout=120)
