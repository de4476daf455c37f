"""The embedded backend alone: filled with held jobs over REST, then measured."""

from __future__ import annotations

from bench import plan, servers, soak, submitter
from bench.cells import Recorder, measure_pair, say
from bench.measure import Neighbours, Target, fetch_json
from e2e import harness

TOKEN_LIFESPAN_S = 4 * 3600
FILL_CONNECTIONS = 8  # parallel submissions while filling the daemon


def _embedded_jobs(target: Target) -> tuple[int, int | None]:
    """How many jobs the embedded daemon holds, and one of their ids."""
    listed = fetch_json(target, plan.GET_ENDPOINTS[1].path()).get("jobs", [])
    return len(listed), (listed[0]["job_id"] if listed else None)


def _fill_embedded(target: Target, count: int, name: str) -> int:
    """Submit held jobs over REST until the daemon holds `count`."""
    held, _ = _embedded_jobs(target)
    if held < count:
        result = submitter.post_many(
            target.url,
            plan.SUBMIT.path(),
            body=plan.submit_body(name),
            headers={**target.headers, "Content-Type": "application/json"},
            connections=FILL_CONNECTIONS,
            count=count - held,
        )
        say(f"  submitted {result.requests} jobs at {result.rps:.0f}/s")
        held, _ = _embedded_jobs(target)
    return held


def bench_embedded(mode: plan.Mode, run_id: str, record: Recorder, soaks: soak.SoakLog) -> None:
    """Ours with --backend embedded, `mode.embedded_jobs` held jobs, every endpoint,
    then the memory soak."""
    owner = harness.ensure_test_user()
    cluster = servers.write_embedded_cluster(owner)
    try:
        with servers.ours(servers.embedded_args(cluster.conf), owner) as ours:
            token = cluster.token(owner.pw_name, lifespan=TOKEN_LIFESPAN_S)
            headers = {"X-SLURM-USER-NAME": owner.pw_name, "X-SLURM-USER-TOKEN": token}
            target = Target("embedded", ours.url, ours.pid, headers)
            say(f"== embedded backend: pid {ours.pid} at {ours.url}, state in {cluster.dir}")
            held = _fill_embedded(target, mode.embedded_jobs, f"bench-{run_id}-fill")
            _, job_id = _embedded_jobs(target)
            say(f"  the embedded daemon holds {held} jobs")
            for endpoint in (*plan.GET_ENDPOINTS, plan.SUBMIT):
                submit = endpoint is plan.SUBMIT
                for connections in mode.connections:
                    measure_pair(
                        {"embedded": target},
                        ("embedded",),
                        endpoint,
                        endpoint.path(job_id),
                        mode.embedded_jobs,
                        connections,
                        mode,
                        Neighbours(),
                        lambda: held,
                        record,
                        body=plan.submit_body(f"bench-{run_id}-submit") if submit else None,
                    )
            embedded_soak(soak.SoakPlan.for_mode(mode), target, job_id, run_id, soaks)
    finally:
        harness.remove_tree(cluster.dir)


def embedded_soak(
    soak_plan: soak.SoakPlan,
    target: Target,
    job_id: int | None,
    run_id: str,
    soaks: soak.SoakLog,
) -> None:
    """The memory soak of the embedded daemon, after its cells (so with their jobs)."""
    say("== memory soak of the embedded backend")
    soak.soak_pair(
        {target.name: target},
        (target.name,),
        job_id,
        plan.submit_body(f"bench-{run_id}-submit"),
        soak_plan,
        lambda: _embedded_jobs(target)[0],
        soaks,
    )
