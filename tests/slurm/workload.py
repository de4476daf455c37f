"""Cleaning up the test jobs so that later tests find the testbed's nodes idle again."""

from __future__ import annotations

from collections.abc import Iterable

from slurm.testbed import Testbed
from slurm.testbed.daemons import wait_for


def cancel_and_settle(bed: Testbed, job_ids: Iterable[object], timeout: float = 60) -> None:
    """Cancel the jobs (as root) and wait until none of them is still completing."""
    ids = {str(job_id) for job_id in job_ids}
    if not ids:
        return
    bed.run(["scancel", *sorted(ids)], check=False)

    def settled() -> bool:
        out = bed.run(["squeue", "-h", "-a", "-t", "CG", "-o", "%i %A"]).stdout
        busy = {word.split("_")[0] for line in out.splitlines() for word in line.split()}
        return not busy & ids

    wait_for("cancelled test jobs to finish completing", settled, timeout)
