"""v0.0.38 job records: exact round trip of the real 22.05 captures, and rendering
of hand-built jobs (its quirks included) without any parsing involved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from schema_check import schema_errors
from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.versions.v0_0_38.jobs import JOB_FIELDS, parse_job, render_job
from slurmrestd.model.job import (
    NO_VAL_STATUS,
    AllocatedCore,
    AllocatedNode,
    ExitCode,
    ExitStatus,
    Job,
    JobResources,
    JobState,
)


def captured_jobs(reference: Path) -> list[tuple[str, dict[str, Any]]]:
    """Every job record of every 200 v0.0.38 job capture, with its file name."""
    base = reference / "slurm-22.05"
    records = []
    for entry in json.loads((base / "index.json").read_text()):
        if not entry["file"]:
            continue  # the 304 answer has no body
        name = Path(entry["file"]).name
        wanted = name.startswith(("GET_slurm_v0.0.38_jobs", "GET_slurm_v0.0.38_job_{job_id}__"))
        if wanted and entry["status"] == 200:
            body = json.loads((base / entry["file"]).read_text())
            records += [(name, job) for job in body["jobs"]]
    return records


def test_every_captured_record_round_trips_exactly(shared_reference: Path) -> None:
    records = captured_jobs(shared_reference)
    assert len(records) > 100  # 4 list captures + single-job captures
    for name, record in records:
        out = render_job(parse_job(record))
        assert out == record, name
        assert list(out) == list(record), name
        # same JSON text: catches 1 vs 1.0 and nested key order
        assert json.dumps(out) == json.dumps(record), name


def test_field_table_follows_the_real_key_order(shared_reference: Path) -> None:
    record = next(r for _, r in captured_jobs(shared_reference) if "job_resources" in r)
    assert [key for key, _ in JOB_FIELDS] == list(record)


def captured_job(reference: Path, case: str) -> dict[str, Any]:
    """The record of one single-job capture, e.g. case "failed"."""
    path = (
        reference / "slurm-22.05" / "responses" / f"GET_slurm_v0.0.38_job_{{job_id}}__{case}.json"
    )
    return json.loads(path.read_text())["jobs"][0]


def test_parsed_capture_holds_canonical_values(shared_reference: Path) -> None:
    failed = parse_job(captured_job(shared_reference, "failed"))  # "done-fail": raw 768
    assert failed.state is JobState.FAILED and failed.state_reason == "NonZeroExitCode"
    assert failed.exit_code == ExitCode.exited(3)
    running = parse_job(captured_job(shared_reference, "running"))
    assert running.state is JobState.RUNNING and running.flags == {"JOB_WAS_RUNNING"}
    resources = running.job_resources
    assert resources is not None and resources.select_type == ("CR_CORE",)
    assert resources.host_count == 1 and resources.allocated_nodes[0].name == running.nodes
    held = parse_job(captured_job(shared_reference, "held_other_user"))
    assert held.time_limit == 60 and held.hold and held.job_resources is None
    array = parse_job(captured_job(shared_reference, "array"))
    assert array.time_limit == INFINITE  # null in 22.05 = UNLIMITED
    assert array.array_job_id == array.job_id and array.array_task_id is None


def hand_built_job() -> Job:
    """A job using the quirky fields, built without parsing anything."""
    return Job(
        job_id=42,
        name="hand",
        user_id=1001,
        user_name="alice",
        group_id=1001,
        group_name="alice",
        account="research",
        partition="debug",
        state=JobState.COMPLETED,
        state_flags=frozenset({"COMPLETING"}),
        exit_code=ExitCode.killed(15, core_dumped=True),
        flags=frozenset({"JOB_WAS_RUNNING", "EXACT_CPU_COUNT_REQUESTED"}),
        thread_spec=2,
        cpu_frequency_minimum=1200000,
        cpus_per_task=4,
        cpus=4,
        tasks=1,
        node_count=1,
        nice=5,
        memory_per_cpu=512,
        time_limit=INFINITE,
        priority=7,
        profile=frozenset({"TASK", "ENERGY"}),
        shared="oversubscribe",
        billable_tres=4,
        gres_detail=("gpu:1",),
        submit_time=1700000000,
        nodes="node1",
        job_resources=JobResources(
            nodes="node1",
            cpus=4,
            host_count=1,
            select_type=("CR_CPU",),
            allocated_nodes=(
                AllocatedNode(
                    "node1",
                    cores=(AllocatedCore(0, 0), AllocatedCore(0, 1), AllocatedCore(1, 0, True)),
                    memory_allocated=2048,
                ),
            ),
        ),
    )


def test_hand_built_job_renders_22_05_encodings() -> None:
    out = render_job(hand_built_job())
    assert out["job_state"] == "COMPLETING"  # a state flag hides the base state
    assert out["exit_code"] == 15 | 0x80
    assert out["flags"] == ["JOB_CPUS_SET", "JOB_WAS_RUNNING"]  # 22.05 names, bit order
    assert out["core_spec"] == 2 | 0x8000 and out["thread_spec"] is None  # swapped
    assert "cpu_frequency_minimum" not in out and out["cpu_frequency_minumum"] == 1200000
    assert out["cpus_per_task"] == 4
    assert out["memory_per_cpu"] == 512 and out["memory_per_node"] is None
    assert out["time_limit"] is None and out["time_minimum"] == 0
    assert out["profile"] == ["Energy", "Task"] and out["shared"] == "shared"
    assert out["billable_tres"] == 4.0 and isinstance(out["billable_tres"], float)
    assert out["job_resources"] == {
        "nodes": "node1",
        "allocated_cpus": 4,
        "allocated_hosts": 1,
        "allocated_nodes": [
            {
                "sockets": {
                    "0": {"cores": {"0": "allocated", "1": "allocated"}},
                    "1": {"cores": {"0": "allocated_and_in_use"}},
                },
                "nodename": "node1",
                "cpus_used": 0,
                "memory_used": 0,
                "memory_allocated": 2048,
            }
        ],
    }


def test_unset_values_render_as_22_05_does() -> None:
    out = render_job(Job(job_id=7))
    assert "job_resources" not in out  # absent, not null, before allocation
    assert out["cpus_per_task"] is None  # null whenever the minimum frequency is unset
    assert out["cpus"] is None and out["tasks"] is None
    assert out["nice"] is None and out["priority"] is None and out["array_task_id"] is None
    assert out["start_time"] == 0 and out["exit_code"] == 0
    assert render_job(Job(job_id=7, nice=0))["nice"] is None  # unchanged nice is null


# The 22.05 schema types these as strings, yet the real daemon writes integers.
STRING_TYPED_INTEGERS = {
    "core_spec",
    "thread_spec",
    "cores_per_socket",
    "cpu_frequency_minimum",
    "cpu_frequency_maximum",
    "cpu_frequency_governor",
    "cpus_per_task",
}


def test_hand_built_job_validates_against_the_schema() -> None:
    out = render_job(hand_built_job())
    errors = schema_errors("v0.0.38", "v0.0.38_job_response_properties", out, allow_null=True)
    unexplained = [e for e in errors if e.split(":")[0] not in STRING_TYPED_INTEGERS]
    assert unexplained == []
    assert errors  # the deviation list above is still needed


def test_hand_built_job_survives_parsing_back() -> None:
    job = hand_built_job()
    assert parse_job(render_job(job)) == job


def test_state_flag_word_reads_back_with_an_assumed_base_state() -> None:
    job = parse_job({"job_id": 1, "job_state": "REQUEUED"})
    assert job.state is JobState.PENDING and job.state_flags == {"REQUEUED"}
    with pytest.raises(ValueError):
        parse_job({"job_id": 1, "job_state": "?"})


def test_correctly_spelt_minimum_frequency_is_accepted() -> None:
    job = parse_job({"job_id": 1, "job_state": "RUNNING", "cpu_frequency_minimum": 800})
    assert job.cpu_frequency_minimum == 800


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (0, ExitCode(ExitStatus.SUCCESS, return_code=0)),
        (3 << 8, ExitCode(ExitStatus.ERROR, return_code=3)),
        (9, ExitCode(ExitStatus.SIGNALED, signal=9)),
        (15 | 0x80, ExitCode(ExitStatus.CORE_DUMPED, signal=15)),
        (NO_VAL_STATUS, ExitCode(ExitStatus.PENDING)),
        (0x137F, ExitCode(ExitStatus.INVALID, return_code=0x137F)),  # stopped, not ended
    ],
)
def test_exit_code_round_trips_the_wait_status(raw: int, code: ExitCode) -> None:
    assert ExitCode.from_wait_status(raw) == code
    assert code.wait_status == raw


def test_exit_code_names_signals_like_slurm() -> None:
    assert ExitCode.killed(9).signal_name == "KILL"
    assert ExitCode.killed(11).signal_name == "11"  # Slurm has no short name for SEGV
    assert ExitCode.exited(0).signal_name == ""
