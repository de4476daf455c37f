"""Jobs over HTTP on the embedded backend: they really run, in v0.0.38 and v0.0.46 shapes."""

from __future__ import annotations

import time
from pathlib import Path

from e2e import harness
from e2e.embedded_client import Client, script
from schema_check import schema_errors


def test_v0_0_38_job_runs_and_writes_its_output(jobs_daemon, rundir, daemon_user):
    daemon, cluster = jobs_daemon
    client = Client(daemon, cluster.token(daemon_user.pw_name))
    out = rundir / "out-%j.txt"
    status, doc = client.call(
        "POST",
        "/slurm/v0.0.38/job/submit",
        {
            "script": script('echo "hello $SLURM_JOB_ID $SLURM_JOB_NAME $SLURM_JOB_PARTITION"'),
            "job": {
                "name": "hello",
                "current_working_directory": str(rundir),
                "standard_output": str(out),
                "environment": {"PATH": "/bin:/usr/bin"},
            },
        },
    )
    assert status == 200, doc
    assert doc["errors"] == [] and doc["step_id"] == "BATCH"
    job_id = doc["job_id"]
    job = client.wait_state("v0.0.38", job_id, {"COMPLETED", "FAILED"})
    assert job["job_state"] == "COMPLETED", job
    assert job["exit_code"] == 0 and job["name"] == "hello"
    assert job["user_name"] == daemon_user.pw_name
    assert schema_errors("v0.0.38", "v0.0.38_job_response_properties", job, allow_null=True) == []
    text = Path(str(out).replace("%j", str(job_id))).read_text()
    assert text.split() == ["hello", str(job_id), "hello", job["partition"]]


def test_v0_0_46_failure_exit_code_and_schema(jobs_daemon, rundir, daemon_user):
    daemon, cluster = jobs_daemon
    client = Client(daemon, cluster.token(daemon_user.pw_name))
    status, doc = client.call(
        "POST",
        "/slurm/v0.0.46/job/submit",
        {
            "script": script("exit 3"),
            "job": {
                "name": "fails",
                "current_working_directory": str(rundir),
                "environment": ["PATH=/bin:/usr/bin"],
            },
        },
    )
    assert status == 200, doc
    job = client.wait_state("v0.0.46", doc["job_id"], {"COMPLETED", "FAILED"})
    assert job["job_state"][0] == "FAILED"
    assert job["exit_code"]["status"] == ["ERROR"]
    assert job["exit_code"]["return_code"] == {"set": True, "infinite": False, "number": 3}
    assert schema_errors("v0.0.46", "v0.0.46_job_info", job) == []
    status, listing = client.call("GET", "/slurm/v0.0.46/jobs")
    assert status == 200
    assert schema_errors("v0.0.46", "v0.0.46_openapi_job_info_resp", listing) == []
    assert doc["job_id"] in [j["job_id"] for j in listing["jobs"]]


def test_cancel_signal_and_update(jobs_daemon, rundir, daemon_user):
    daemon, cluster = jobs_daemon
    client = Client(daemon, cluster.token(daemon_user.pw_name))
    out = rundir / "sig.out"
    body = {
        "script": script(
            f"trap 'echo got-usr1 >> {out}' USR1\necho ready > {out}\nwhile :; do sleep 0.1; done"
        ),
        "job": {
            "name": "sleeper",
            "current_working_directory": str(rundir),
            "environment": ["PATH=/bin:/usr/bin"],
            "time_limit": {"set": True, "infinite": False, "number": 30},
        },
    }
    status, doc = client.call("POST", "/slurm/v0.0.46/job/submit", body)
    assert status == 200, doc
    job_id = doc["job_id"]
    client.wait_state("v0.0.46", job_id, {"RUNNING"})
    status, doc = client.call("POST", f"/slurm/v0.0.46/job/{job_id}", {"time_limit": 20})
    assert status == 200, doc
    _, doc = client.call("GET", f"/slurm/v0.0.38/job/{job_id}")
    assert doc["jobs"][0]["time_limit"] == 20
    deadline = time.monotonic() + 15
    while not (out.exists() and "ready" in out.read_text()):
        assert time.monotonic() < deadline, "the job never installed its trap"
        time.sleep(0.05)  # a USR1 before the trap would kill the shell
    status, doc = client.call("DELETE", f"/slurm/v0.0.38/job/{job_id}?signal=SIGUSR1")
    assert status == 200, doc
    while "got-usr1" not in out.read_text():
        assert time.monotonic() < deadline, "SIGUSR1 never reached the job"
        time.sleep(0.05)
    status, doc = client.call("DELETE", f"/slurm/v0.0.46/job/{job_id}")
    assert status == 200, doc
    assert doc["status"][0]["error"]["code"] == 0
    job = client.wait_state("v0.0.38", job_id, {"CANCELLED"})
    assert job["job_state"] == "CANCELLED"


def test_errors_per_generation(jobs_daemon, daemon_user):
    daemon, cluster = jobs_daemon
    client = Client(daemon, cluster.token(daemon_user.pw_name))
    status, doc = client.call("GET", "/slurm/v0.0.38/job/999999")
    assert status == 500
    assert doc["jobs"] == [] and doc["errors"][0]["error_number"] == 2017
    status, doc = client.call("GET", "/slurm/v0.0.46/job/999999")
    assert status == 404 and doc["errors"][0]["error_number"] == 2017
    status, doc = client.call("GET", "/slurm/v0.0.38/job/abc")
    assert status == 400 and doc["errors"][0]["error_number"] == 9002
    status, doc = client.call("DELETE", "/slurm/v0.0.38/job/999999")
    assert status == 500
    assert doc["errors"][0]["description"] == (
        "unable to kill JobId=999999 with signal 9: Invalid job id specified"
    )
    status, doc = client.call(
        "POST", "/slurm/v0.0.38/job/submit", {"script": script("true"), "job": {"name": "x"}}
    )
    assert status == 400
    assert doc["errors"][0] == {"error": "environment must be set", "error_code": 2127}
    status, doc = client.call(
        "POST",
        "/slurm/v0.0.38/job/submit",
        {
            "script": script("true"),
            "job": {"partition": "nosuch", "environment": {"PATH": "/bin"}},
        },
    )
    assert status == 500
    assert doc["errors"] == [{"error_code": 2000, "error": "Invalid partition name specified"}]


def test_other_users_job_is_refused(jobs_daemon, rundir, daemon_user):
    daemon, cluster = jobs_daemon
    other = harness.ensure_user("srtest2")
    owner = Client(daemon, cluster.token(daemon_user.pw_name))
    intruder = Client(daemon, cluster.token(other.pw_name))
    status, doc = owner.call(
        "POST",
        "/slurm/v0.0.46/job/submit",
        {
            "script": script("sleep 30"),
            "job": {
                "current_working_directory": str(rundir),
                "environment": ["PATH=/bin:/usr/bin"],
                "hold": True,
            },
        },
    )
    assert status == 200, doc
    job_id = doc["job_id"]
    status, doc = intruder.call("DELETE", f"/slurm/v0.0.46/job/{job_id}")
    assert status == 403, doc
    status, doc = intruder.call("DELETE", f"/slurm/v0.0.38/job/{job_id}")
    assert status == 500 and doc["errors"][0]["error_number"] in (1, 2002)
    status, doc = owner.call("DELETE", f"/slurm/v0.0.46/job/{job_id}")
    assert status == 200, doc


def test_update_time_answers_304(jobs_daemon, daemon_user):
    daemon, cluster = jobs_daemon
    client = Client(daemon, cluster.token(daemon_user.pw_name))
    status, _ = client.call("GET", f"/slurm/v0.0.38/jobs?update_time={int(time.time()) + 3600}")
    assert status == 304
    status, doc = client.call("GET", "/slurm/v0.0.38/jobs?update_time=0")
    assert status == 200 and "jobs" in doc


def test_nodes_partitions_diag_in_both_versions(jobs_daemon, daemon_user):
    daemon, cluster = jobs_daemon
    client = Client(daemon, cluster.token(daemon_user.pw_name))
    status, doc = client.call("GET", "/slurm/v0.0.46/nodes")
    assert status == 200, doc
    assert schema_errors("v0.0.46", "v0.0.46_openapi_nodes_resp", doc) == []
    assert doc["nodes"] and doc["nodes"][0]["cpus"] >= 1
    status, doc = client.call("GET", "/slurm/v0.0.38/partitions")
    assert status == 200, doc
    assert [p["name"] for p in doc["partitions"]] == ["debug"]
    status, doc = client.call("GET", "/slurm/v0.0.46/partitions")
    assert schema_errors("v0.0.46", "v0.0.46_openapi_partition_resp", doc) == []
    status, doc = client.call("GET", "/slurm/v0.0.38/partition/nosuch")
    assert status == 500
    assert doc == {**doc, "errors": [{"error": "Invalid partition name specified", "errno": 2000}]}
    status, doc = client.call("GET", "/slurm/v0.0.46/diag")
    assert status == 200, doc
    assert schema_errors("v0.0.46", "v0.0.46_openapi_diag_resp", doc) == []
    status, doc = client.call("GET", "/slurm/v0.0.38/reservations")
    assert status == 200 and doc["reservations"] == []


def test_accounting_records_jobs_and_accounts(jobs_daemon, rundir, daemon_user):
    daemon, cluster = jobs_daemon
    operator = Client(daemon, cluster.token(daemon_user.pw_name))  # the daemon's own user
    status, doc = operator.call(
        "POST",
        "/slurm/v0.0.38/job/submit",
        {
            "script": script("true"),
            "job": {
                "name": "accounted",
                "current_working_directory": str(rundir),
                "environment": {"PATH": "/bin"},
            },
        },
    )
    assert status == 200, doc
    job_id = doc["job_id"]
    operator.wait_state("v0.0.38", job_id, {"COMPLETED"})
    status, doc = operator.call("GET", f"/slurmdb/v0.0.38/job/{job_id}")
    assert status == 200, doc
    (record,) = doc["jobs"]
    assert record["name"] == "accounted" and record["state"]["current"] == "COMPLETED"
    assert [s["step"]["name"] for s in record["steps"]] == ["batch"]
    status, doc = operator.call("GET", f"/slurmdb/v0.0.46/job/{job_id}")
    assert status == 200, doc
    assert schema_errors("v0.0.46", "v0.0.46_openapi_slurmdbd_jobs_resp", doc) == []
    status, doc = operator.call(
        "POST",
        "/slurmdb/v0.0.46/accounts",
        {"accounts": [{"name": "physics", "description": "p", "organization": "uni"}]},
    )
    assert status == 200, doc
    status, doc = operator.call("GET", "/slurmdb/v0.0.38/account/physics")
    assert status == 200 and doc["accounts"][0]["name"] == "physics"
    other = Client(daemon, cluster.token(harness.ensure_user("srtest2").pw_name))
    status, doc = other.call("GET", "/slurmdb/v0.0.38/diag")
    assert status == 500 and doc["errors"][0]["error_number"] == 2002


def test_unusable_state_directory_is_fatal_at_start(rundir, daemon_user):
    conf = rundir / "slurm.conf"
    conf.write_text("ClusterName=x\nStateSaveLocation=/proc/no-such-dir/state\n")
    result = harness.run_daemon(
        [*harness.privilege_args(daemon_user), "-f", str(conf), f"unix:{rundir}/x.sock"]
    )
    assert result.returncode == 1
    assert b"state directory /proc/no-such-dir/state" in result.stderr


def test_job_survives_a_daemon_restart(rundir, daemon_user):
    cluster = harness.write_cluster(rundir, daemon_user, extra=f"StateSaveLocation={rundir}/st\n")
    args = [*harness.privilege_args(daemon_user), "-a", "rest_auth/jwt", "-f", str(cluster.conf)]
    marker = rundir / "marker"
    with harness.daemon_running([*args, "127.0.0.1:0"]) as daemon:
        client = Client(daemon, cluster.token(daemon_user.pw_name))
        status, doc = client.call(
            "POST",
            "/slurm/v0.0.46/job/submit",
            {
                "script": script(f"while [ ! -e {marker} ]; do sleep 0.1; done; exit 4"),
                "job": {"current_working_directory": str(rundir), "environment": ["PATH=/bin"]},
            },
        )
        assert status == 200, doc
        job_id = doc["job_id"]
        client.wait_state("v0.0.46", job_id, {"RUNNING"})
        daemon.proc.kill()  # no clean shutdown: the job keeps running on its own
        daemon.proc.wait(10)
    marker.touch()
    with harness.daemon_running([*args, "127.0.0.1:0"]) as daemon:
        client = Client(daemon, cluster.token(daemon_user.pw_name))
        job = client.wait_state("v0.0.46", job_id, {"FAILED", "COMPLETED"})
        assert job["job_state"] == ["FAILED"]
        assert job["exit_code"]["return_code"]["number"] == 4


def test_array_pending_tasks_are_one_record_then_each_runs(jobs_daemon, rundir, daemon_user):
    daemon, cluster = jobs_daemon
    client = Client(daemon, cluster.token(daemon_user.pw_name))
    status, doc = client.call(
        "POST",
        "/slurm/v0.0.38/job/submit",
        {
            "script": script('echo "task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_JOB_ID"'),
            "job": {
                "name": "arr",
                "array": "0-5%2",
                "hold": True,
                "current_working_directory": str(rundir),
                "standard_output": str(rundir / "arr-%A_%a.out"),
                "environment": {"PATH": "/bin:/usr/bin"},
            },
        },
    )
    assert status == 200, doc
    assert doc["errors"] == [{"error_code": 2042, "error": HELD}]
    array_id = doc["job_id"]
    status, doc = client.call("GET", f"/slurm/v0.0.38/job/{array_id}")
    assert status == 200, doc
    (record,) = doc["jobs"]
    assert (record["array_job_id"], record["array_task_id"]) == (array_id, None)
    assert (record["array_task_string"], record["array_max_tasks"]) == ("0-5", 2)
    assert record["state_reason"] == "JobHeldUser" and record["priority"] == 0
    status, doc = client.call("POST", f"/slurm/v0.0.46/job/{array_id}", {"hold": False})
    assert status == 200, doc
    deadline = time.monotonic() + 30
    while True:
        _, doc = client.call("GET", f"/slurm/v0.0.46/job/{array_id}")
        states = {j["array_task_id"]["number"]: j["job_state"][0] for j in doc["jobs"]}
        if len(states) == 6 and set(states.values()) == {"COMPLETED"}:
            break
        assert time.monotonic() < deadline, states
        time.sleep(0.1)  # tasks run in the daemon; poll with a deadline
    for task in range(6):
        text = (rundir / f"arr-{array_id}_{task}.out").read_text()
        assert text.split() == ["task", str(task), "of", str(array_id)]


HELD = "Job is in held state, pending scheduler release"


def test_private_data_hides_other_users_jobs(rundir, daemon_user):
    cluster = harness.write_cluster(
        rundir, daemon_user, extra=f"StateSaveLocation={rundir}/st\nPrivateData=jobs\n"
    )
    args = [*harness.privilege_args(daemon_user), "-a", "rest_auth/jwt", "-f", str(cluster.conf)]
    other = harness.ensure_user("srtest2")
    with harness.daemon_running([*args, "127.0.0.1:0"]) as daemon:
        owner = Client(daemon, cluster.token(daemon_user.pw_name))  # the daemon's user: operator
        plain = Client(daemon, cluster.token(other.pw_name))
        body = {
            "script": script("sleep 30"),
            "job": {"current_working_directory": str(rundir), "environment": ["PATH=/bin"]},
        }
        status, doc = plain.call(
            "POST", "/slurm/v0.0.46/job/submit", {**body, "job": {**body["job"], "hold": True}}
        )
        assert status == 200, doc
        theirs = doc["job_id"]
        status, doc = owner.call(
            "POST", "/slurm/v0.0.46/job/submit", {**body, "job": {**body["job"], "hold": True}}
        )
        mine = doc["job_id"]
        _, doc = plain.call("GET", "/slurm/v0.0.46/jobs")
        assert [j["job_id"] for j in doc["jobs"]] == [theirs]
        _, doc = owner.call("GET", "/slurm/v0.0.46/jobs")
        assert sorted(j["job_id"] for j in doc["jobs"]) == [theirs, mine]
        status, doc = plain.call("GET", f"/slurm/v0.0.46/job/{mine}")
        assert status == 403 and doc["errors"][0]["error_number"] == 2002
        status, doc = plain.call("GET", f"/slurm/v0.0.38/job/{mine}")
        assert status == 500 and doc["jobs"] == []
        status, doc = plain.call("DELETE", f"/slurm/v0.0.46/job/{mine}")
        assert status == 403
        _, doc = plain.call("GET", "/slurmdb/v0.0.46/jobs")
        assert {j["job_id"] for j in doc["jobs"]} <= {theirs}
