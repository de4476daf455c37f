"""What 22.05's `sacct --json` holds beyond the dbv0.0.38 parser's rows, and the exit
codes it loses, merged back from sacct's text output (sacct_exit_codes).

Data: four finished jobs of the testbed (sacct_exit_cases.json; their JSON equals
the C daemon's jobs list, compared there): 7294 ran `exit 3`, 7295 had a failed
step `srun false` and ended well, 7296 killed itself with SIGTERM, 7307 ran a
two-node step sampled every second and exited 2. sacct_exit_cases.txt is
`sacct -P -n -o JobIDRaw,ExitCode,DerivedExitCode` of the same jobs.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from slurmrestd.api.versions.dbv0_0_38 import jobs as jobs_38
from slurmrestd.api.versions.v0_0_46 import slurmdb_jobs as jobs_46
from slurmrestd.cluster.accounting import JobFilter
from slurmrestd.cluster.slurm import sacct_exit_codes, sacct_json
from slurmrestd.model.accounting_job import AccountingJob

DATA = Path(__file__).parent / "data"


def raw_jobs() -> dict[int, dict[str, Any]]:
    return {
        j["job_id"]: j for j in json.loads((DATA / "sacct_exit_cases.json").read_text())["jobs"]
    }


@pytest.fixture(scope="module")
def parsed() -> dict[int, AccountingJob]:
    jobs = sacct_json.jobs_from_sacct((DATA / "sacct_exit_cases.json").read_text())
    return {j.job_id: j for j in jobs}


@pytest.fixture(scope="module")
def merged(parsed: dict[int, AccountingJob]) -> dict[int, AccountingJob]:
    statuses = sacct_exit_codes.parse((DATA / "sacct_exit_cases.txt").read_text())
    return {j.job_id: j for j in sacct_exit_codes.merged(list(parsed.values()), statuses)}


# ------------------------------------------------------------------ the JSON itself


def test_a_numbered_steps_id_is_read_as_text(parsed: dict[int, AccountingJob]) -> None:
    assert raw_jobs()[7307]["steps"][1]["step"]["id"] == 0  # a number in 22.05's JSON
    assert [s.step_id for s in parsed[7307].steps] == ["batch", "0"]


@pytest.mark.parametrize("side", ["requested", "consumed"])
@pytest.mark.parametrize("extreme", ["max", "min"])
def test_where_usage_peaked_reaches_the_canonical_tres(
    parsed: dict[int, AccountingJob], side: str, extreme: str
) -> None:
    for raw, step in zip(raw_jobs()[7307]["steps"], parsed[7307].steps, strict=True):
        entries = raw["tres"][side][extreme]
        assert entries
        canonical = getattr(step, f"tres_{side}_{extreme}")
        assert [(t.type, t.count, t.node, t.task) for t in canonical] == [
            (e["type"], e["count"], e["node"], e["task"]) for e in entries
        ]


def test_peaks_are_seen_on_both_nodes_and_tasks(parsed: dict[int, AccountingJob]) -> None:
    step = parsed[7307].steps[1]
    assert {t.node for t in step.tres_requested_max} == {"node1", "node2"}
    assert {t.task for t in step.tres_requested_max} == {0, 1}
    # Averages and totals say nothing about a place.
    assert all(t.node is None and t.task is None for t in step.tres_requested_total)


# ------------------------------------------------------------------ exit codes


def test_the_text_run_parses_to_wait_statuses() -> None:
    text = "12|3:0|1:0\n12.batch|0:15|\n12.0|0:0|\n13+1.0|2:0|\nsacct: noise\n"
    assert sacct_exit_codes.parse(text) == {
        (12, None): [(3 << 8, 1 << 8)],
        (12, "batch"): [(15, None)],
        (12, "0"): [(0, None)],
    }


def test_the_text_run_selects_what_the_json_run_does() -> None:
    query = JobFilter(job_names=("x",), accounts=("ops",))
    argv = sacct_exit_codes.command(query, time.gmtime)
    json_argv = sacct_json.sacct_command(query, time.gmtime)
    assert argv[:5] == ("sacct", "-P", "-n", "-o", "JobIDRaw,ExitCode,DerivedExitCode")
    assert argv[5:] == json_argv[2:]


def test_the_json_hides_normal_exit_codes(parsed: dict[int, AccountingJob]) -> None:
    assert [parsed[i].exit_code for i in (7294, 7295, 7296, 7307)] == [0, 0, 15, 0]
    assert parsed[7295].derived_exit_code == 0


def test_merged_records_hold_the_real_codes(merged: dict[int, AccountingJob]) -> None:
    assert merged[7294].exit_code == 3 << 8
    assert [s.exit_code for s in merged[7294].steps] == [3 << 8]
    assert (merged[7295].exit_code, merged[7295].derived_exit_code) == (0, 1 << 8)
    assert [s.exit_code for s in merged[7295].steps] == [0, 1 << 8]
    assert merged[7296].exit_code == 15  # the signal the JSON already told
    assert [s.exit_code for s in merged[7307].steps] == [2 << 8, 0]


def test_dbv0_0_38_still_renders_what_22_05_answers(
    parsed: dict[int, AccountingJob], merged: dict[int, AccountingJob]
) -> None:
    for job_id, job in merged.items():
        assert jobs_38.render_job(job) == jobs_38.render_job(parsed[job_id])


def test_newer_versions_show_the_real_codes(merged: dict[int, AccountingJob]) -> None:
    exit_3 = jobs_46.render_job(merged[7294])["exit_code"]
    assert (exit_3["status"], exit_3["return_code"]["number"]) == (["ERROR"], 3)
    derived = jobs_46.render_job(merged[7295])["derived_exit_code"]
    assert (derived["status"], derived["return_code"]["number"]) == (["ERROR"], 1)


def test_a_job_the_runs_saw_differently_keeps_the_json(parsed: dict[int, AccountingJob]) -> None:
    job = parsed[7294]
    twice = {(7294, None): [(3 << 8, 0), (3 << 8, 0)], (7294, "batch"): [(3 << 8, None)]}
    [kept] = sacct_exit_codes.merged([job], twice)
    assert kept.exit_code == 0 and kept.steps[0].exit_code == 3 << 8
    assert sacct_exit_codes.merged([job], {}) == [job]


def test_a_requeued_jobs_records_are_matched_in_order(parsed: dict[int, AccountingJob]) -> None:
    job = parsed[7294]
    statuses = {
        (7294, None): [(1 << 8, 0), (3 << 8, 0)],
        (7294, "batch"): [(1 << 8, None), (3 << 8, None)],
    }
    first, second = sacct_exit_codes.merged([job, job], statuses)
    assert (first.exit_code, second.exit_code) == (1 << 8, 3 << 8)
    assert (first.steps[0].exit_code, second.steps[0].exit_code) == (1 << 8, 3 << 8)


def test_the_exit_code_filter_reads_the_merged_records(merged: dict[int, AccountingJob]) -> None:
    jobs = list(merged.values())
    assert [j.job_id for j in sacct_json.select(jobs, JobFilter(exit_code=3))] == [7294]
    assert [j.job_id for j in sacct_json.select(jobs, JobFilter(exit_code=2))] == [7307]
    # A signal is no exit code (as the text run's "0:15" never was).
    assert [j.job_id for j in sacct_json.select(jobs, JobFilter(exit_code=0))] == [7295]
