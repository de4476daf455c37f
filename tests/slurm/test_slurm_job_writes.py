"""Job writes through our daemon (--backend slurm) on the real testbed, as alice over JWT.

Submissions with a token go to slurmctld over its own protocol (the job is the
token user's whoever runs the daemon); what that client cannot express goes to
sbatch, which signs with the daemon's uid (tested below as well).
Cancel/update/signal: scancel/scontrol honour SLURM_JWT.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e import harness
from schema_check import schema_errors
from slurm.rest import c_port, call, get
from slurm.testbed import Testbed
from slurm.testbed.daemons import wait_for
from slurm.workload import cancel_and_settle
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.errors import SlurmError
from slurmrestd.cluster.slurm import SlurmCluster

pytestmark = pytest.mark.slurm

SLEEPER = "#!/bin/bash\nsleep 300\n"


@pytest.fixture(scope="module")
def shared_dir() -> Iterator[Path]:
    """A directory alice's jobs can write to and the test can read."""
    path = Path(tempfile.mkdtemp(prefix="slurm-writes-", dir="/tmp"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def cleanup(slurm_testbed: Testbed) -> Iterator[list[int]]:
    """Job ids to cancel (as root) when the module is done."""
    ids: list[int] = []
    yield ids
    cancel_and_settle(slurm_testbed, ids)


def submit(
    daemon: harness.Daemon, version: str, token: str, body: dict[str, Any], cleanup: list[int]
) -> tuple[int, dict[str, Any]]:
    status, answer = call(
        daemon.tcp_port(), "POST", f"/slurm/{version}/job/submit", token, body=body
    )
    if status == 200:
        cleanup.append(answer["job_id"])
    return status, answer


def job_38(daemon: harness.Daemon, token: str, job_id: int) -> dict[str, Any]:
    status, body = get(daemon.tcp_port(), f"/slurm/v0.0.38/job/{job_id}", token)
    assert status == 200, body
    [job] = body["jobs"]
    return job


def wait_state(daemon: harness.Daemon, token: str, job_id: int, *states: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def reached() -> bool:
        seen.update(job_38(daemon, token, job_id))
        return seen["job_state"] in states

    wait_for(f"job {job_id} to be {'/'.join(states)}", reached, 60)
    return seen


def test_submit_v0_0_38_runs_with_exactly_the_given_environment(
    ours_as_alice: harness.Daemon, alice_token: str, shared_dir: Path, cleanup: list[int]
) -> None:
    body = {
        "script": "#!/bin/sh\nenv > env-$SLURM_JOB_ID.txt\n",
        "job": {
            "name": "rest-38",
            "partition": "debug",
            "current_working_directory": str(shared_dir),
            "standard_output": "/dev/null",
            "environment": {"PATH": "/bin:/usr/bin", "GREETING": "hello world"},
        },
    }
    status, answer = submit(ours_as_alice, "v0.0.38", alice_token, body, cleanup)
    assert status == 200, answer
    assert (answer["errors"], answer["step_id"]) == ([], "BATCH")
    job = wait_state(ours_as_alice, alice_token, answer["job_id"], "COMPLETED")
    assert (job["user_name"], job["name"], job["exit_code"]) == ("alice", "rest-38", 0)
    env = dict(
        line.split("=", 1)
        for line in (shared_dir / f"env-{answer['job_id']}.txt").read_text().splitlines()
        if "=" in line
    )
    assert (env["GREETING"], env["PATH"]) == ("hello world", "/bin:/usr/bin")
    # Nothing of the daemon's own environment, and never the caller's token.
    assert "SLURM_JWT" not in env
    assert "HOME" not in env


def test_submit_v0_0_46_runs_and_completes(
    ours_as_alice: harness.Daemon, alice_token: str, shared_dir: Path, cleanup: list[int]
) -> None:
    body = {
        "script": '#!/bin/sh\necho "$1:$MARK" > args.txt\n',
        "job": {
            "name": "rest-46",
            "current_working_directory": str(shared_dir),
            "standard_output": "/dev/null",
            "environment": ["PATH=/bin:/usr/bin", "MARK=v46"],
            "argv": ["script", "first"],
            "time_limit": {"set": True, "number": 5},
        },
    }
    status, answer = submit(ours_as_alice, "v0.0.46", alice_token, body, cleanup)
    assert status == 200, answer
    assert schema_errors("v0.0.46", "v0.0.46_openapi_job_submit_response", answer) == []
    job = wait_state(ours_as_alice, alice_token, answer["job_id"], "COMPLETED")
    assert job["time_limit"] == 5
    assert (shared_dir / "args.txt").read_text() == "first:v46\n"


def test_held_submission_then_update_hold_and_release(
    ours_as_alice: harness.Daemon, alice_token: str, cleanup: list[int]
) -> None:
    body = {
        "script": SLEEPER,
        "job": {"name": "held", "hold": True, "environment": {"PATH": "/bin"}, "time_limit": 10},
    }
    status, answer = submit(ours_as_alice, "v0.0.38", alice_token, body, cleanup)
    assert status == 200, answer
    # As 22.05 did: submitted, with the "held" remark in errors.
    assert answer["errors"] == [
        {"error_code": 2042, "error": "Job is in held state, pending scheduler release"}
    ]
    job_id = answer["job_id"]
    port = ours_as_alice.tcp_port()
    job = job_38(ours_as_alice, alice_token, job_id)
    assert (job["priority"], job["state_reason"]) == (0, "JobHeldUser")

    status, reply = call(
        port, "POST", f"/slurm/v0.0.38/job/{job_id}", alice_token, body={"time_limit": 7}
    )
    assert status == 200, reply
    assert job_38(ours_as_alice, alice_token, job_id)["time_limit"] == 7
    status, reply = call(
        port,
        "POST",
        f"/slurm/v0.0.46/job/{job_id}",
        alice_token,
        body={"time_limit": {"set": True, "number": 9}, "comment": "changed"},
    )
    assert status == 200, reply
    job = job_38(ours_as_alice, alice_token, job_id)
    assert (job["time_limit"], job["comment"]) == (9, "changed")

    status, reply = call(
        port, "POST", f"/slurm/v0.0.38/job/{job_id}", alice_token, body={"hold": False}
    )
    assert status == 200, reply
    assert job_38(ours_as_alice, alice_token, job_id)["priority"] > 0
    job = wait_state(ours_as_alice, alice_token, job_id, "RUNNING", "PENDING")
    if job["job_state"] == "PENDING":
        status, reply = call(
            port, "POST", f"/slurm/v0.0.38/job/{job_id}", alice_token, body={"hold": True}
        )
        assert status == 200, reply
        assert job_38(ours_as_alice, alice_token, job_id)["priority"] == 0


def sleeper(daemon: harness.Daemon, token: str, shared_dir: Path, cleanup: list[int]) -> int:
    """A running job of alice's that notes SIGUSR1 in trap.txt."""
    script = (
        "#!/bin/bash\n"
        "trap 'echo USR1 >> trap-$SLURM_JOB_ID.txt' USR1\n"
        "sleep 300 &\nwhile true; do wait; done\n"
    )
    body = {
        "script": script,
        "job": {
            "name": "sleeper",
            "current_working_directory": str(shared_dir),
            "standard_output": "/dev/null",
            "environment": {"PATH": "/bin:/usr/bin"},
            "time_limit": 10,
        },
    }
    status, answer = submit(daemon, "v0.0.38", token, body, cleanup)
    assert status == 200, answer
    wait_state(daemon, token, answer["job_id"], "RUNNING")
    return int(answer["job_id"])


def test_signal_then_cancel(
    ours_as_alice: harness.Daemon, alice_token: str, shared_dir: Path, cleanup: list[int]
) -> None:
    job_id = sleeper(ours_as_alice, alice_token, shared_dir, cleanup)
    port = ours_as_alice.tcp_port()
    path = f"/slurm/v0.0.46/job/{job_id}?signal=SIGUSR1&flags=BATCH_JOB"
    status, reply = call(port, "DELETE", path, alice_token)
    assert status == 200, reply
    assert reply["status"][0]["error"]["code"] == 0
    trap = shared_dir / f"trap-{job_id}.txt"
    wait_for("the job's USR1 trap", lambda: trap.read_text() == "USR1\n", 30)

    status, reply = call(port, "DELETE", f"/slurm/v0.0.38/job/{job_id}", alice_token)
    assert (status, reply["errors"]) == (200, []), reply
    job = wait_state(ours_as_alice, alice_token, job_id, "CANCELLED")
    assert job["job_state"] == "CANCELLED"
    # Cancelling again: 22.05 answered a finished job with no error.
    status, reply = call(port, "DELETE", f"/slurm/v0.0.38/job/{job_id}", alice_token)
    assert (status, reply["errors"]) == (200, []), reply


def test_signalling_a_pending_job_answers_at_once(
    ours_as_alice: harness.Daemon, alice_token: str, cleanup: list[int]
) -> None:
    body = {"script": SLEEPER, "job": {"hold": True, "environment": {"PATH": "/bin"}}}
    status, answer = submit(ours_as_alice, "v0.0.38", alice_token, body, cleanup)
    assert status == 200, answer
    started = time.monotonic()
    path = f"/slurm/v0.0.46/job/{answer['job_id']}?signal=SIGUSR1"
    status, reply = call(ours_as_alice.tcp_port(), "DELETE", path, alice_token)
    # scancel alone would retry for ~95 s; slurmctld's answer is "not now" (2020).
    assert time.monotonic() - started < 20
    assert [e["error_number"] for e in reply["errors"]] == [2020]
    assert status == 422


def test_bob_cannot_cancel_alices_job(
    ours: harness.Daemon,
    ours_as_alice: harness.Daemon,
    slurm_testbed: Testbed,
    alice_token: str,
    bob_token: str,
    cleanup: list[int],
) -> None:
    body = {"script": SLEEPER, "job": {"hold": True, "environment": {"PATH": "/bin"}}}
    status, answer = submit(ours_as_alice, "v0.0.38", alice_token, body, cleanup)
    assert status == 200, answer
    job_id = answer["job_id"]
    path = f"/slurm/v0.0.38/job/{job_id}"
    status, reply = call(ours.tcp_port(), "DELETE", path, bob_token, "bob")
    c_status, c_reply = call(c_port(slurm_testbed), "DELETE", path, bob_token, "bob")
    assert (status, c_status) == (500, 500)
    assert reply["errors"] == c_reply["errors"]
    assert [e["error_number"] for e in reply["errors"]] == [2002]
    path = f"/slurm/v0.0.46/job/{job_id}"
    status, reply = call(ours.tcp_port(), "DELETE", path, bob_token, "bob")
    assert status == 403
    assert [e["error_number"] for e in reply["errors"]] == [2002]
    status, reply = call(ours.tcp_port(), "POST", path, bob_token, "bob", body={"comment": "x"})
    assert status != 200 and reply["errors"], reply
    assert job_38(ours, alice_token, job_id)["job_state"] == "PENDING"


def test_requeue_puts_a_running_job_back(
    ours_as_alice: harness.Daemon,
    slurm_testbed: Testbed,
    alice_token: str,
    shared_dir: Path,
    cleanup: list[int],
) -> None:
    job_id = sleeper(ours_as_alice, alice_token, shared_dir, cleanup)
    # No v0.0.38/v0.0.46 route calls requeue_job: the backend is called directly,
    # as alice (scontrol honours her token whoever runs it).
    cluster = SlurmCluster.connect(str(slurm_testbed.conf))
    alice = Identity("alice", 1001, 1001, "rest_auth/jwt", token=alice_token)
    cluster.requeue_job(alice, str(job_id))
    job = wait_state(ours_as_alice, alice_token, job_id, "PENDING")
    assert job["restart_cnt"] == 1
    with pytest.raises(SlurmError) as info:
        cluster.requeue_job(alice, "999999")
    assert info.value.errno == 2017


def owner_of(slurm_testbed: Testbed, job_id: int) -> str:
    out = slurm_testbed.run(["squeue", "-h", "-o", "%u", "-j", str(job_id)]).stdout
    return out.strip()


def test_each_token_submits_as_its_own_user(
    ours: harness.Daemon,
    ours_as_alice: harness.Daemon,
    slurm_testbed: Testbed,
    alice_token: str,
    bob_token: str,
    cleanup: list[int],
) -> None:
    """The native protocol client carries the token: the job is the token user's,
    whichever user the daemon runs as (sbatch would sign with the daemon's uid)."""
    body = {"script": SLEEPER, "job": {"environment": ["PATH=/bin"], "hold": True}}
    port = ours_as_alice.tcp_port()
    status, answer = call(port, "POST", "/slurm/v0.0.46/job/submit", bob_token, "bob", body=body)
    assert status == 200, answer
    cleanup.append(answer["job_id"])
    assert owner_of(slurm_testbed, answer["job_id"]) == "bob"
    body38 = {"script": SLEEPER, "job": {"environment": {"PATH": "/bin"}, "hold": True}}
    status, answer = submit(ours, "v0.0.38", alice_token, body38, cleanup)
    assert status == 200, answer
    assert answer["step_id"] == "BATCH"
    # As the real 22.05 daemon answers a held submission (its capture array_held).
    held = "Job is in held state, pending scheduler release"
    assert answer["errors"] == [{"error_code": 2042, "error": held}]
    assert owner_of(slurm_testbed, answer["job_id"]) == "alice"


def test_options_sbatch_parses_go_natively_as_the_tokens_user(
    ours_as_alice: harness.Daemon, slurm_testbed: Testbed, bob_token: str, cleanup: list[int]
) -> None:
    """distribution, cpu frequency and profile once fell back to sbatch, which signs
    with the daemon's uid (2010 for bob's token): now bob's job, with the options set."""
    port = ours_as_alice.tcp_port()
    job = {
        "environment": ["PATH=/bin"],
        "hold": True,
        "distribution": "cyclic:block",
        "cpu_frequency": "low",
        "profile": ["TASK"],
    }
    body = {"script": SLEEPER, "job": job}
    status, answer = call(port, "POST", "/slurm/v0.0.46/job/submit", bob_token, "bob", body=body)
    assert status == 200, answer
    cleanup.append(answer["job_id"])
    assert owner_of(slurm_testbed, answer["job_id"]) == "bob"
    # What scontrol shows of them equals a job sbatch made with the same options.
    options = ("--hold", "--distribution=cyclic:block", "--cpu-freq=low", "--profile=task")
    theirs = sbatch(slurm_testbed, "alice", cleanup, *options)

    def of_options(job_id: int) -> dict[str, str]:
        shown = show_job(slurm_testbed, job_id)
        return {k: v for k, v in shown.items() if "freq" in k.lower() or "dist" in k.lower()}

    assert of_options(answer["job_id"]) == of_options(theirs) == {"CPU_max_freq": "Low"}


# --------------------------------------------------------------------------
# Issue 5's update and boolean fixes, compared live with the testbed's C daemon.

TAG = f"h35-{os.getpid()}"  # the name of every job these tests make
UNKNOWN_JOB = 999999
# 22.05 names its HTTP client in update errors ("[localhost]:41900"): each peer's own.
_CLIENT = re.compile(r"\[[^\]\s]*\]:\d+")


def answered(port: int, method: str, path: str, token: str, body: Any) -> tuple[int, Any]:
    """Status and errors of one call as alice, the client's address masked."""
    status, doc = call(port, method, path, token, "alice", body=body)
    return status, json.loads(_CLIENT.sub("[client]", json.dumps(doc["errors"])))


def sbatch(bed: Testbed, user: str, cleanup: list[int], *options: str) -> int:
    argv = ["sbatch", "--parsable", f"--job-name={TAG}", "--output=/dev/null", *options]
    job_id = int(bed.run([*argv, "--wrap=true"], user=user).stdout.strip().split(";")[0])
    cleanup.append(job_id)
    return job_id


def show_job(bed: Testbed, job_id: int) -> dict[str, str]:
    """`scontrol show job -o` as key -> value."""
    text = bed.run(["scontrol", "show", "job", "-o", str(job_id)]).stdout
    return dict(word.split("=", 1) for word in text.split() if "=" in word)


@pytest.fixture(scope="module")
def update_targets(slurm_testbed: Testbed, cleanup: list[int]) -> dict[str, int]:
    """Jobs an update of alice's is sent to: unknown, her finished and held ones, bob's."""
    bed = slurm_testbed
    finished = sbatch(bed, "alice", cleanup)
    jobs = {"unknown": UNKNOWN_JOB, "finished": finished}
    jobs["held"] = sbatch(bed, "alice", cleanup, "--hold")
    jobs["bobs"] = sbatch(bed, "bob", cleanup, "--hold")
    wait_for("a finished job", lambda: show_job(bed, finished)["JobState"] == "COMPLETED", 60)
    return jobs


@pytest.mark.parametrize("body", [{}, {"name": "ignored"}, {"begin_time": 0}])
def test_v0_0_38_updates_that_change_nothing_are_answered_as_22_05_does(
    ours: harness.Daemon,
    slurm_testbed: Testbed,
    alice_token: str,
    update_targets: dict[str, int],
    body: dict[str, Any],
) -> None:
    """22.05 sent an empty update all the same and reported slurmctld's answer
    (its begin_time 0 is refused before: a bare number is a date there)."""
    for job_id in update_targets.values():
        path = f"/slurm/v0.0.38/job/{job_id}"
        c = answered(c_port(slurm_testbed), "POST", path, alice_token, body)
        assert answered(ours.tcp_port(), "POST", path, alice_token, body) == c, (path, c)
    assert show_job(slurm_testbed, update_targets["held"])["Reason"] == "JobHeldUser"


def test_v0_0_38_an_empty_update_reports_what_slurmctld_says(
    ours: harness.Daemon, alice_token: str, update_targets: dict[str, int]
) -> None:
    answers = {
        what: answered(ours.tcp_port(), "POST", f"/slurm/v0.0.38/job/{job_id}", alice_token, {})
        for what, job_id in update_targets.items()
    }
    numbers = {
        what: (status, [e["error_number"] for e in errors])
        for what, (status, errors) in answers.items()
    }
    assert numbers == {
        "unknown": (500, [2017]),
        "finished": (500, [2084]),
        "held": (200, []),
        "bobs": (500, [2010]),
    }


def test_v0_0_46_begin_time_zero_changes_nothing(
    ours: harness.Daemon,
    slurm_testbed: Testbed,
    alice_token: str,
    update_targets: dict[str, int],
) -> None:
    """0 is Slurm's "no begin time": slurmctld leaves the job's own alone (22.05.8,
    REQUEST_UPDATE_JOB with begin_time 0), and still checks the job."""
    held, port = update_targets["held"], ours.tcp_port()
    path = f"/slurm/v0.0.46/job/{held}"
    later = {"set": True, "number": int(time.time()) + 86400}
    assert answered(port, "POST", path, alice_token, {"begin_time": later}) == (200, [])
    eligible = show_job(slurm_testbed, held)["EligibleTime"]
    zero = {"begin_time": {"set": True, "number": 0}}
    assert answered(port, "POST", path, alice_token, zero) == (200, [])
    assert show_job(slurm_testbed, held)["EligibleTime"] == eligible != "Unknown"
    status, errors = answered(port, "POST", f"/slurm/v0.0.46/job/{UNKNOWN_JOB}", alice_token, zero)
    assert (status, [e["error_number"] for e in errors]) == (404, [2017])


# (key, value, what `scontrol show job` shows of it): hold as Reason, the other as its flag
BOOLEAN_SUBMITS = [
    ("hold", "sure", "JobHeldUser"),
    ("hold", " no", "JobHeldUser"),  # only the bare word is false
    ("hold", "off", "BeginTime"),
    ("hold", "0.0", "BeginTime"),
    ("kill_on_invalid_dependency", "sure", "Yes"),
    ("kill_on_invalid_dependency", " no", "Yes"),
    ("kill_on_invalid_dependency", "off", "No"),  # an explicit false: NO_KILL_INV_DEP
    ("kill_on_invalid_dependency", "0.0", "No"),
]


@pytest.mark.parametrize(("key", "value", "shown"), BOOLEAN_SUBMITS)
def test_v0_0_38_booleans_are_taken_as_22_05_takes_them(
    ours: harness.Daemon,
    slurm_testbed: Testbed,
    alice_token: str,
    cleanup: list[int],
    key: str,
    value: str,
    shown: str,
) -> None:
    job = {
        "name": TAG,
        "environment": {"PATH": "/bin"},
        "standard_output": "/dev/null",
        "begin_time": "now+1hour",  # never runs, held or not
        key: value,
    }
    body = {"script": SLEEPER, "job": job}
    field = "Reason" if key == "hold" else "KillOInInvalidDependent"
    made = []
    for port in (c_port(slurm_testbed), ours.tcp_port()):
        status, answer = call(port, "POST", "/slurm/v0.0.38/job/submit", alice_token, body=body)
        assert status == 200, answer
        cleanup.append(answer["job_id"])
        made.append((answer["errors"], show_job(slurm_testbed, answer["job_id"]).get(field)))
    c_made, ours_made = made
    assert c_made[1] == shown
    assert ours_made == c_made
