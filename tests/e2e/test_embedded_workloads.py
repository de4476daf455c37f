"""Workloads on the embedded backend over HTTP: arrays, dependencies, time limits, load."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from e2e.embedded_client import Client, script

ENV = ["PATH=/bin:/usr/bin"]


def submit(client: Client, rundir, body: str, **job) -> int:
    status, doc = client.call(
        "POST",
        "/slurm/v0.0.46/job/submit",
        {
            "script": script(body),
            "job": {"current_working_directory": str(rundir), "environment": ENV, **job},
        },
    )
    assert status == 200, doc
    return doc["job_id"]


def states(client: Client, job_id: int) -> dict[int, str]:
    """Task (or job) id -> base state, from the v0.0.46 job record(s)."""
    status, doc = client.call("GET", f"/slurm/v0.0.46/job/{job_id}")
    assert status == 200, doc
    out = {}
    for job in doc["jobs"]:
        task = job["array_task_id"]
        key = task["number"] if task["set"] else job["job_id"]
        out[key] = job["job_state"][0]
    return out


def test_array_of_20_throttled_to_4(jobs_daemon, rundir, daemon_user):
    daemon, cluster = jobs_daemon
    client = Client(daemon, cluster.token(daemon_user.pw_name))
    array_id = submit(client, rundir, "sleep 0.3", array="0-19%4", name="thr")
    most = 0
    deadline = time.monotonic() + 60
    while True:
        now = states(client, array_id)
        most = max(most, sum(1 for s in now.values() if s == "RUNNING"))
        done = [t for t, s in now.items() if s == "COMPLETED"]
        if len(done) == 20:
            break
        assert time.monotonic() < deadline, now
        time.sleep(0.05)  # sample the running count while the array drains
    assert 1 <= most <= 4
    assert sorted(done) == list(range(20))


def test_dependency_chain(jobs_daemon, rundir, daemon_user):
    daemon, cluster = jobs_daemon
    client = Client(daemon, cluster.token(daemon_user.pw_name))
    log = rundir / "chain.log"
    gate = rundir / "chain.gate"  # the first job waits for it: the checks below cannot race it
    first = submit(
        client, rundir, f"while [ ! -e {gate} ]; do sleep 0.05; done; echo first >> {log}"
    )
    ok = submit(client, rundir, f"echo afterok >> {log}", dependency=f"afterok:{first}")
    bad = submit(client, rundir, "exit 1", dependency=f"afterok:{ok}")
    rescue = submit(client, rundir, f"echo rescue >> {log}", dependency=f"afternotok:{bad}")
    never = submit(client, rundir, "true", dependency=f"afterok:{bad}")
    _, doc = client.call("GET", f"/slurm/v0.0.38/job/{ok}")
    assert doc["jobs"][0]["state_reason"] == "Dependency"
    assert doc["jobs"][0]["dependency"].startswith(f"afterok:{first}")
    gate.touch()
    deadline = time.monotonic() + 30
    while states(client, rescue)[rescue] != "COMPLETED":
        assert time.monotonic() < deadline
        time.sleep(0.1)  # the chain runs in the daemon
    assert log.read_text().split() == ["first", "afterok", "rescue"]
    assert states(client, bad)[bad] == "FAILED"
    _, doc = client.call("GET", f"/slurm/v0.0.38/job/{never}")
    assert doc["jobs"][0]["state_reason"] == "DependencyNeverSatisfied"


def test_time_limit_ends_in_timeout(jobs_daemon, rundir, daemon_user):
    # The smallest limit Slurm takes is one minute: this test waits for it.
    daemon, cluster = jobs_daemon
    client = Client(daemon, cluster.token(daemon_user.pw_name))
    job_id = submit(client, rundir, "trap '' TERM; sleep 600", time_limit=1)
    job = client.wait_state("v0.0.46", job_id, {"TIMEOUT", "FAILED", "COMPLETED"}, timeout=120)
    assert job["job_state"][0] == "TIMEOUT"
    deadline = time.monotonic() + 30
    while "COMPLETING" in job["job_state"]:  # TERM is ignored: SIGKILL follows after KillWait
        assert time.monotonic() < deadline, job["job_state"]
        time.sleep(0.1)
        job = client.call("GET", f"/slurm/v0.0.46/job/{job_id}")[1]["jobs"][0]
    assert job["state_reason"] == "TimeLimit"
    assert job["exit_code"]["status"] == ["SIGNALED"]
    assert job["exit_code"]["signal"]["name"] == "KILL"  # TERM was ignored; KillWait=2 s


def test_200_concurrent_submissions_all_accounted_for(jobs_daemon, rundir, daemon_user):
    daemon, cluster = jobs_daemon
    token = cluster.token(daemon_user.pw_name)
    ids: list[int] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        job_id = submit(Client(daemon, token), rundir, "true", name=f"load{n}")
        with lock:
            ids.append(job_id)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(one, range(200)))
    assert len(set(ids)) == 200
    client = Client(daemon, token)
    deadline = time.monotonic() + 120
    while True:
        status, doc = client.call("GET", "/slurm/v0.0.38/jobs")
        assert status == 200
        finished = {j["job_id"] for j in doc["jobs"] if j["job_state"] == "COMPLETED"}
        if set(ids) <= finished:
            break
        assert time.monotonic() < deadline, len(set(ids) - finished)
        time.sleep(0.2)  # 200 jobs on a small host take a while
    status, doc = client.call("GET", "/slurmdb/v0.0.46/jobs")
    assert status == 200, doc
    recorded = {j["job_id"]: j["state"]["current"] for j in doc["jobs"]}
    assert all(recorded[i] == ["COMPLETED"] for i in ids)
