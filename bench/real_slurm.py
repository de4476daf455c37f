"""The side-by-side half: the C slurmrestd and ours on the project's Slurm testbed."""

from __future__ import annotations

import pwd

from bench import plan, servers, soak, testbed_claim
from bench.cells import Recorder, measure_pair, say
from bench.jobs import HeldJobs
from bench.measure import Neighbours, Target
from slurm.testbed import daemons

BENCH_USER = "alice"  # the testbed user whose token both daemons get
TOKEN_LIFESPAN_S = 4 * 3600


def bench_slurm(
    mode: plan.Mode, run_id: str, record: Recorder, wait_empty_s: float, soaks: soak.SoakLog
) -> None:
    """Every level, endpoint and connection count on both daemons, then the memory
    soak of both; jobs cancelled after."""
    with testbed_claim.claimed(say) as bed:
        layout = bed.layout
        jobs = HeldJobs(bed, run_id)
        try:
            c_pid = daemons.alive(layout.pid_file("slurmrestd-jwt"))
            if c_pid is None:
                raise RuntimeError("the testbed's C slurmrestd is not running")
            neighbours = Neighbours(
                daemons.alive(layout.pid_file("slurmctld")),
                daemons.alive(layout.pid_file("slurmdbd")),
            )
            token = bed.token(BENCH_USER, lifespan=TOKEN_LIFESPAN_S)
            headers = {"X-SLURM-USER-NAME": BENCH_USER, "X-SLURM-USER-TOKEN": token}
            # Ours runs as alice: sbatch takes the job's user from its own uid.
            user = pwd.getpwnam(BENCH_USER)
            with servers.ours(servers.slurm_backend_args(bed.conf), user) as ours:
                say(
                    f"C slurmrestd pid {c_pid} at {bed.rest_url}; ours pid {ours.pid} at {ours.url}"
                )
                targets = {
                    "c": Target("c", bed.rest_url, c_pid, headers),
                    "ours": Target("ours", ours.url, ours.pid, headers),
                }
                if wait_empty_s > 0:
                    say(f"waiting up to {wait_empty_s:.0f}s for slurmctld to purge old jobs")
                    say(f"  slurmctld holds {jobs.wait_for_purge(0, wait_empty_s)} jobs")
                _slurm_cells(mode, targets, neighbours, jobs, record, soaks)
        finally:
            say("cancelling the held jobs of this run")
            jobs.cancel_all()


def _slurm_cells(
    mode: plan.Mode,
    targets: dict[str, Target],
    neighbours: Neighbours,
    jobs: HeldJobs,
    record: Recorder,
    soaks: soak.SoakLog,
) -> None:
    index = 0
    job_id: int | None = None
    for level in mode.levels:
        added = jobs.top_up(level)
        say(f"== level {level}: added {added} held jobs, slurmctld holds {jobs.in_controller()}")
        for endpoint in plan.GET_ENDPOINTS:
            if endpoint.needs_job and job_id is None:
                job_id = jobs.target()
            for connections in mode.connections:
                order = plan.alternate(index, ("c", "ours"))
                measure_pair(
                    targets,
                    order,
                    endpoint,
                    endpoint.path(job_id),
                    level,
                    connections,
                    mode,
                    neighbours,
                    jobs.in_controller,
                    record,
                )
                index += 1
    say("== POST /job/submit (held jobs, bounded count per cell)")
    body = plan.submit_body(jobs.submit_name)
    for connections in mode.connections:
        order = plan.alternate(index, ("c", "ours"))
        measure_pair(
            targets,
            order,
            plan.SUBMIT,
            plan.SUBMIT.path(),
            mode.levels[-1],
            connections,
            mode,
            neighbours,
            jobs.in_controller,
            record,
            body=body,
        )
        index += 1
    # The highest level of the run (1000 held jobs in both modes), after every cell.
    order = plan.alternate(index, ("c", "ours"))
    memory_soak(soak.SoakPlan.for_mode(mode), max(mode.levels), targets, order, jobs, job_id, soaks)


def memory_soak(
    soak_plan: soak.SoakPlan,
    level: int,
    targets: dict[str, Target],
    order: tuple[str, ...],
    jobs: HeldJobs,
    job_id: int | None,
    soaks: soak.SoakLog,
) -> None:
    """Soak both daemons, one after the other, with `level` held jobs in slurmctld;
    the soak's submissions carry the run's submit name, so cleanup cancels them."""
    added = jobs.top_up(level)
    say(f"== memory soak: added {added} held jobs, slurmctld holds {jobs.in_controller()}")
    soak.soak_pair(
        targets,
        order,
        job_id if job_id is not None else jobs.target(),
        plan.submit_body(jobs.submit_name),
        soak_plan,
        jobs.in_controller,
        soaks,
    )
