"""v0.0.46 job_info: the canonical jobs read from the real 22.05 captures, rendered
in the newest shape, validated against its schema and checked value by value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from schema_check import schema_errors
from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.versions.v0_0_38.jobs import parse_job
from slurmrestd.api.versions.v0_0_46.jobs import JOB_INFO_FIELDS, render_job
from slurmrestd.model.job import ExitCode, Job, JobState

SPEC = Path(__file__).resolve().parents[3] / "src" / "slurmrestd" / "api" / "specs" / "v0.0.46.json"


def captured_job(reference: Path, case: str) -> Job:
    name = f"GET_slurm_v0.0.38_job_{{job_id}}__{case}.json"
    body = json.loads((reference / "slurm-22.05" / "responses" / name).read_text())
    return parse_job(body["jobs"][0])


def all_captured_jobs(reference: Path) -> list[Job]:
    body = (reference / "slurm-22.05" / "responses" / "GET_slurm_v0.0.38_jobs.json").read_text()
    return [parse_job(record) for record in json.loads(body)["jobs"]]


def unexplained_errors(job: Job, out: dict[str, Any]) -> list[str]:
    # schema_check drops upstream's flattened "nodes/count"-style required names.
    return schema_errors("v0.0.46", "v0.0.46_job_info", out)


def test_keys_follow_the_schema_property_order() -> None:
    schema = json.loads(SPEC.read_text())["components"]["schemas"]["v0.0.46_job_info"]
    assert [key for key, _ in JOB_INFO_FIELDS] == list(schema["properties"])


def test_every_captured_job_validates(shared_reference: Path) -> None:
    jobs = all_captured_jobs(shared_reference)
    assert len(jobs) > 20
    for job in jobs:
        assert unexplained_errors(job, render_job(job)) == [], job.job_id


def test_pending_job_has_an_empty_allocation(shared_reference: Path) -> None:
    pending = next(j for j in all_captured_jobs(shared_reference) if j.job_resources is None)
    out = render_job(pending)["job_resources"]
    assert out["nodes"]["count"] == 0 and out["nodes"]["allocation"] == [] and out["cpus"] == 0
    assert schema_errors("v0.0.46", "v0.0.46_job_info", render_job(pending)) == []


def test_completed_job_exit_code(shared_reference: Path) -> None:
    out = render_job(captured_job(shared_reference, "completed"))
    assert out["job_state"] == ["COMPLETED"]
    assert out["exit_code"] == {
        "status": ["SUCCESS"],
        "return_code": {"set": True, "infinite": False, "number": 0},
        "signal": {"id": {"set": False, "infinite": False, "number": 0}, "name": ""},
    }


def test_failed_job_exit_code(shared_reference: Path) -> None:
    out = render_job(captured_job(shared_reference, "failed"))  # raw status 768
    assert out["job_state"] == ["FAILED"]
    assert out["exit_code"]["status"] == ["ERROR"]
    assert out["exit_code"]["return_code"] == {"set": True, "infinite": False, "number": 3}
    assert out["time_limit"] == {"set": True, "infinite": False, "number": 5}


def test_held_job(shared_reference: Path) -> None:
    out = render_job(captured_job(shared_reference, "held_other_user"))
    assert out["job_state"] == ["PENDING"]
    assert out["state_reason"] == "JobHeldUser"
    assert out["hold"] is True
    assert out["priority"] == {"set": True, "infinite": False, "number": 0}
    assert out["time_limit"] == {"set": True, "infinite": False, "number": 60}
    assert out["job_resources"]["nodes"]["list"] == ""
    assert out["user_name"] == "bob"


def test_array_job(shared_reference: Path) -> None:
    out = render_job(captured_job(shared_reference, "array"))
    assert out["array_job_id"] == {"set": True, "infinite": False, "number": 26}
    assert out["array_task_id"] == {"set": False, "infinite": False, "number": 0}
    assert out["array_task_string"] == "1-3"
    assert out["time_limit"] == {"set": False, "infinite": True, "number": 0}  # UNLIMITED


def test_running_job_resources(shared_reference: Path) -> None:
    out = render_job(captured_job(shared_reference, "running"))
    assert out["job_state"] == ["RUNNING"]
    assert out["flags"] == ["JOB_WAS_RUNNING"]
    resources = out["job_resources"]
    assert resources["cpus"] == 1 and resources["select_type"] == ["CR_CORE"]
    assert resources["nodes"]["list"] == out["nodes"] and resources["nodes"]["count"] == 1
    [node] = resources["nodes"]["allocation"]
    assert node["name"] == out["nodes"] and node["cpus"]["count"] == 1
    assert [core["status"] for s in node["sockets"] for core in s["cores"]] == [["ALLOCATED"]]


def test_signaled_job_has_signal_not_return_code() -> None:
    out = render_job(Job(job_id=3, state=JobState.CANCELLED, exit_code=ExitCode.killed(9)))
    assert out["exit_code"] == {
        "status": ["SIGNALED"],
        "return_code": {"set": False, "infinite": False, "number": 0},
        "signal": {"id": {"set": True, "infinite": False, "number": 9}, "name": "KILL"},
    }


def test_core_dump_reads_as_signaled_like_upstream() -> None:
    out = render_job(Job(job_id=3, exit_code=ExitCode.killed(15, core_dumped=True)))
    assert out["exit_code"]["status"] == ["SIGNALED"]
    assert out["exit_code"]["signal"]["name"] == "TERM"


def test_pending_exit_code() -> None:
    out = render_job(Job(job_id=3, exit_code=ExitCode()))
    assert out["exit_code"]["status"] == ["PENDING"]


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (60, {"set": True, "infinite": False, "number": 60}),
        (INFINITE, {"set": False, "infinite": True, "number": 0}),
        (None, {"set": False, "infinite": False, "number": 0}),
    ],
)
def test_time_limit(limit: int | float | None, expected: dict[str, Any]) -> None:
    assert render_job(Job(job_id=1, time_limit=limit))["time_limit"] == expected


def test_state_and_job_flags_are_ordered_and_filtered() -> None:
    job = Job(
        job_id=1,
        state=JobState.COMPLETED,
        state_flags=frozenset({"STAGE_OUT", "COMPLETING"}),
        flags=frozenset({"JOB_WAS_RUNNING", "JOB_RESIZED", "KILL_INVALID_DEPENDENCY"}),
    )
    out = render_job(job)
    assert out["job_state"] == ["COMPLETED", "COMPLETING", "STAGE_OUT"]
    # JOB_RESIZED has no v0.0.46 name: left out rather than sent off-schema
    assert out["flags"] == ["KILL_INVALID_DEPENDENCY", "JOB_WAS_RUNNING"]


def test_hand_built_job_with_newer_fields_validates() -> None:
    job = Job(
        job_id=9,
        billable_tres=2,
        profile=None,
        shared="oversubscribe",
        mail_type=frozenset({"END", "BEGIN"}),
        priority_by_partition=(("debug", 10),),
        job_size_str="2-4",
        stdout_expanded="/home/alice/slurm-9.out",
    )
    out = render_job(job)
    assert unexplained_errors(job, out) == []
    assert out["billable_tres"] == {"set": True, "infinite": False, "number": 2.0}
    assert out["profile"] == ["NOT_SET"] and out["shared"] == ["oversubscribe"]
    assert out["mail_type"] == ["BEGIN", "END"]
    assert out["priority_by_partition"] == [{"partition": "debug", "priority": 10}]
    assert out["job_size_str"] == ["2-4"]
    assert out["step_id"]["job_id"] == {"set": True, "infinite": False, "number": 9}
