import os
import shutil

import pytest

from bench import cells, compare, plan
from bench.measure import Neighbours, Sample, Target
from bench.tests.local_server import serving

TINY = plan.Mode("tiny", 1.0, 1.0, (1,), (0,), 5, 0, 5.0)


@pytest.fixture
def record(tmp_path):
    recorder = cells.Recorder(tmp_path)
    yield recorder
    recorder.close()


def test_an_endpoint_a_daemon_does_not_serve_is_recorded_as_na_without_load(record):
    with serving() as (url, seen):
        seen.status = 501
        targets = {"ours": Target("ours", url, os.getpid())}
        cells.measure_pair(
            targets, ("ours",), plan.GET_ENDPOINTS[4], "/slurmdb/v0.0.38/jobs", 0, 1, TINY,
            Neighbours(), lambda: 3, record,
        )  # fmt: skip
    assert len(seen.requests) == 1  # the probe only
    (sample,) = record.samples
    assert sample.note == "n/a (501)" and not sample.measured and sample.jobs == 3
    assert (record.out / "results.jsonl").read_text().count("\n") == 1


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_both_daemons_get_the_same_load_in_the_given_order(record):
    with serving() as (url_a, _), serving() as (url_b, _):
        targets = {
            "c": Target("c", url_a, os.getpid()),
            "ours": Target("ours", url_b, os.getpid()),
        }
        cells.measure_pair(
            targets, ("ours", "c"), plan.GET_ENDPOINTS[0], "/ping", 0, 1, TINY,
            Neighbours(), lambda: 0, record,
        )  # fmt: skip
    assert [s.target for s in record.samples] == ["ours", "c"]
    assert all(s.measured and s.requests > 0 for s in record.samples)


def test_submissions_are_counted_exactly_and_sent_as_json(record):
    with serving() as (url, seen):
        targets = {"ours": Target("ours", url, os.getpid(), {"X-SLURM-USER-NAME": "alice"})}
        cells.measure_pair(
            targets, ("ours",), plan.SUBMIT, plan.SUBMIT.path(), 0, 1, TINY,
            Neighbours(), lambda: 0, record, body=plan.submit_body("bench-t-submit"),
        )  # fmt: skip
    assert len(seen.requests) == cells.submit_requests(TINY, 1) == 5
    headers = seen.requests[0][2]
    assert headers["Content-Type"] == "application/json"
    assert headers["X-SLURM-USER-NAME"] == "alice"


def test_submissions_per_cell_cover_four_rounds_within_the_cap():
    assert cells.submit_requests(plan.QUICK, 1) == plan.QUICK.submits_per_cell
    assert cells.submit_requests(plan.QUICK, 32) == 128
    assert cells.submit_requests(plan.FULL, 64) == plan.MAX_SUBMITS_PER_CELL


def test_summary_has_a_section_per_kind_of_run():
    env = {"date": "2026-11-21", "mode": "quick"}
    both = [Sample("c", "ping", "/p", 0, 0, 1), Sample("ours", "ping", "/p", 0, 0, 1)]
    text = compare.summary(env, both, "0.1")
    assert "## Real Slurm 22.05" in text and "## Ours, embedded" not in text
    text = compare.summary(env, [Sample("embedded", "ping", "/p", 0, 0, 1)], "0.1")
    assert "## Ours, embedded" in text and "## Real Slurm" not in text
    assert "- date: 2026-11-21" in text
