"""squeue/sinfo --json output -> canonical records, and picking one job from the table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slurmrestd.api.versions.v0_0_38.jobs import render_job
from slurmrestd.api.versions.v0_0_38.nodes import render_node
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm.json_reads import jobs_from_squeue, nodes_from_sinfo, select_job
from slurmrestd.model.job import Job

RESPONSES = "slurm-22.05/responses"


def test_squeue_json_is_read_record_by_record(shared_reference: Path) -> None:
    # `squeue --json` prints byte for byte what the C daemon serves as /jobs.
    text = (shared_reference / RESPONSES / "GET_slurm_v0.0.38_jobs.json").read_text()
    jobs = jobs_from_squeue(text)
    expected = json.loads(text)["jobs"]
    assert [job.job_id for job in jobs] == [row["job_id"] for row in expected]
    assert [render_job(job) for job in jobs] == expected


def test_sinfo_json_is_read_record_by_record(shared_reference: Path) -> None:
    text = (shared_reference / RESPONSES / "GET_slurm_v0.0.38_nodes.json").read_text()
    nodes = nodes_from_sinfo(text)
    assert [render_node(node) for node in nodes] == json.loads(text)["nodes"]


@pytest.mark.parametrize(
    ("text", "errno", "description"),
    [
        ("slurm_load_jobs error", Errno.REST_FAIL_PARSING, "squeue printed no JSON"),
        ("[]", Errno.REST_FAIL_PARSING, "squeue printed no JSON object"),
        ('{"errors": []}', Errno.REST_FAIL_PARSING, "squeue printed no 'jobs' list"),
        (
            '{"errors": [{"error": "Invalid job id specified", "errno": 2017}], "jobs": []}',
            2017,
            "Invalid job id specified",
        ),
        (
            '{"errors": [], "jobs": [{"job_id": 1}]}',
            Errno.REST_FAIL_PARSING,
            "squeue printed a jobs record we cannot read: 'job_state'",
        ),
    ],
)
def test_unreadable_or_failed_output_is_a_slurm_error(
    text: str, errno: int, description: str
) -> None:
    with pytest.raises(SlurmError) as info:
        jobs_from_squeue(text)
    assert (info.value.errno, info.value.description) == (errno, description)


TABLE = (
    Job(5),
    Job(6, array_job_id=6, array_task_string="1-7:2%2"),  # tasks 1, 3, 5, 7 not yet split off
    Job(8, array_job_id=6, array_task_id=0),
    Job(9, array_job_id=6, array_task_id=2),
    Job(10, het_job_id=10, het_job_offset=0),
    Job(11, het_job_id=10, het_job_offset=1),
)


@pytest.mark.parametrize(
    ("job_id", "expected"),
    [
        ("5", [5]),
        ("6", [6, 8, 9]),  # an array: its pending record and every split task
        ("6_2", [9]),
        ("6_5", [6]),  # still in the pending record
        ("10", [10, 11]),  # a het job: every component
        ("10+1", [11]),
    ],
)
def test_select_job_answers_as_slurm_load_job(job_id: str, expected: list[int]) -> None:
    assert [job.job_id for job in select_job(TABLE, job_id)] == expected


@pytest.mark.parametrize("job_id", ["999", "6_4", "6_9", "10+2", "abc", "6_x", ""])
def test_select_job_refuses_what_is_not_there(job_id: str) -> None:
    with pytest.raises(SlurmError) as info:
        select_job(TABLE, job_id)
    assert info.value.errno == Errno.INVALID_JOB_ID
