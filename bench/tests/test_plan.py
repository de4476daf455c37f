import json

import pytest

from bench import plan


def test_cell_duration_is_the_base_for_fast_endpoints():
    assert plan.cell_duration(plan.QUICK, 0.002, 32, 2) == plan.QUICK.cell_s


def test_cell_duration_fits_ten_sequential_requests_of_a_slow_endpoint():
    assert plan.cell_duration(plan.FULL, 1.5, 1, 2) == 15.0


def test_cell_duration_fits_two_rounds_of_all_connections():
    assert plan.cell_duration(plan.FULL, 0.5, 32, 2) == pytest.approx(16.0)


def test_cell_duration_never_exceeds_the_cap():
    assert plan.cell_duration(plan.QUICK, 5.0, 32, 2) == plan.QUICK.cell_cap_s


@pytest.mark.parametrize(
    "change",
    [
        {"cell_cap_s": plan.MAX_CELL_S + 1},
        {"cell_s": 20.0, "cell_cap_s": 10.0},
        {"levels": (0, plan.MAX_LEVEL + 1)},
        {"submits_per_cell": plan.MAX_SUBMITS_PER_CELL + 1},
        {"embedded_jobs": plan.MAX_EMBEDDED_JOBS + 1},
        {"connections": (1, 500)},
        {"timeout_s": plan.MAX_TIMEOUT_S + 1},
    ],
)
def test_modes_out_of_bounds_are_refused(change):
    values = {**plan.QUICK.__dict__, **change}
    with pytest.raises(ValueError):
        plan.Mode(**values)


def test_daemons_take_turns_going_first():
    assert plan.alternate(0, ("c", "ours")) == ("c", "ours")
    assert plan.alternate(1, ("c", "ours")) == ("ours", "c")
    assert plan.alternate(2, ("c", "ours")) == ("c", "ours")


def test_submitted_jobs_are_held_and_carry_the_run_name():
    body = json.loads(plan.submit_body("bench-1-submit"))
    assert body["job"]["hold"] is True
    assert body["job"]["name"] == "bench-1-submit"
    assert body["script"].startswith("#!")


def test_job_path_takes_the_target_id():
    job = next(e for e in plan.GET_ENDPOINTS if e.needs_job)
    assert job.path(42) == "/slurm/v0.0.38/job/42"
    assert not plan.SUBMIT.needs_job
