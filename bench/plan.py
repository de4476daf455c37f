"""What a run measures: endpoints, job levels, connection counts, time per cell.

Two modes share one shape; only the bounds differ. Every duration and job
count is capped here so no option combination can run away.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

V = "v0.0.38"  # the API version both daemons serve on Slurm 22.05


def submit_body(job_name: str) -> bytes:
    """The job both daemons get: held, so it never runs (as the C daemon's baseline)."""
    job = {
        "name": job_name,
        "partition": "debug",
        "hold": True,
        "time_limit": 60,
        "current_working_directory": "/tmp",
        "standard_output": "/dev/null",
        "environment": {"PATH": "/bin:/usr/bin"},
    }
    return json.dumps({"script": "#!/bin/bash\nsleep 3600\n", "job": job}).encode()


@dataclass(frozen=True)
class Endpoint:
    label: str  # short name used in results
    method: str
    template: str  # "{job_id}" is filled with the target job

    def path(self, job_id: int | None = None) -> str:
        return self.template.replace("{job_id}", str(job_id if job_id is not None else 0))

    @property
    def needs_job(self) -> bool:
        return "{job_id}" in self.template

    @property
    def title(self) -> str:
        return f"{self.method} {self.template}"


GET_ENDPOINTS = (
    Endpoint("ping", "GET", f"/slurm/{V}/ping"),
    Endpoint("jobs", "GET", f"/slurm/{V}/jobs"),
    Endpoint("nodes", "GET", f"/slurm/{V}/nodes"),
    Endpoint("partitions", "GET", f"/slurm/{V}/partitions"),
    Endpoint("dbjobs", "GET", f"/slurmdb/{V}/jobs"),
    Endpoint("dbqos", "GET", f"/slurmdb/{V}/qos"),
    Endpoint("job", "GET", f"/slurm/{V}/job/{{job_id}}"),  # last: needs a job to exist
)
SUBMIT = Endpoint("submit", "POST", f"/slurm/{V}/job/submit")
ENDPOINTS = (*GET_ENDPOINTS, SUBMIT)

# Hard caps, whatever the options say.
MAX_CELL_S = 30.0
MAX_TIMEOUT_S = 120.0
MAX_LEVEL = 1000
MAX_SUBMITS_PER_CELL = 200
MAX_EMBEDDED_JOBS = 10_000


@dataclass(frozen=True)
class Mode:
    name: str
    cell_s: float  # base duration of one cell (one daemon, one endpoint, one concurrency)
    cell_cap_s: float  # longest a slow cell may be stretched to (see cell_duration)
    connections: tuple[int, ...]
    levels: tuple[int, ...]  # jobs held in slurmctld while the GETs run
    submits_per_cell: int  # POST /job/submit requests per cell (each creates a held job)
    embedded_jobs: int
    timeout_s: float  # wrk's per-request timeout

    def __post_init__(self) -> None:
        if not (0 < self.cell_s <= self.cell_cap_s <= MAX_CELL_S):
            raise ValueError(f"cell durations out of bounds: {self.cell_s}/{self.cell_cap_s}")
        if not 0 < self.timeout_s <= MAX_TIMEOUT_S:
            raise ValueError(f"request timeout must lie within 0..{MAX_TIMEOUT_S}s")
        if any(level < 0 or level > MAX_LEVEL for level in self.levels):
            raise ValueError(f"job levels must lie within 0..{MAX_LEVEL}: {self.levels}")
        if not 0 < self.submits_per_cell <= MAX_SUBMITS_PER_CELL:
            raise ValueError(f"submits per cell must lie within 1..{MAX_SUBMITS_PER_CELL}")
        if not 0 <= self.embedded_jobs <= MAX_EMBEDDED_JOBS:
            raise ValueError(f"embedded jobs must lie within 0..{MAX_EMBEDDED_JOBS}")
        if not self.connections or any(not 1 <= c <= 64 for c in self.connections):
            raise ValueError(f"connections must lie within 1..64: {self.connections}")


QUICK = Mode("quick", 2.0, 15.0, (1, 8, 32), (0, 100, 1000), 20, 10_000, 30.0)
FULL = Mode("full", 10.0, 30.0, (1, 8, 32), (0, 100, 1000), 100, 10_000, 60.0)
MODES = {mode.name: mode for mode in (QUICK, FULL)}


def cell_duration(mode: Mode, probe_latency_s: float, connections: int, cores: int) -> float:
    """Seconds for a cell: the mode's base, stretched for a slow endpoint so that
    about ten sequential requests, or two full rounds of `connections` on a
    CPU-bound daemon sharing `cores`, fit in; never beyond the mode's cap."""
    queued = probe_latency_s * max(1.0, connections / max(cores, 1))
    wanted = max(10 * probe_latency_s, 2 * queued)
    return min(mode.cell_cap_s, max(mode.cell_s, wanted))


def alternate(cell_index: int, names: tuple[str, str]) -> tuple[str, str]:
    """Which daemon goes first in a cell: swapped every cell, so drift in the
    host's load (other work, slurmctld state) does not favour one side."""
    return names if cell_index % 2 == 0 else (names[1], names[0])
