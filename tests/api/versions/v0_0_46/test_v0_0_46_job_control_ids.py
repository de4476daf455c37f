"""Job ids, signals and uids in v0.0.46 job control: read as plain ASCII numbers
within their C type, else refused in the version's terms (never int() of "¹",
never an id past 64 bits handed to the serializer)."""

from __future__ import annotations

import pytest

from slurmrestd.api.versions.request import RequestInvalid, plain_number
from slurmrestd.api.versions.v0_0_46.conf import render_conf
from slurmrestd.api.versions.v0_0_46.job_control_requests import parse_kill_jobs, signal_number
from slurmrestd.cluster.errors import Errno
from slurmrestd.model.conf import ControllerConfig
from slurmrestd.model.job import MAX_JOB_ID, leading_job_id

SUPERSCRIPT_ONE = "\u00b9"  # "¹": str.isdigit() says yes, int() says no
HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    ("text", "maximum", "expected"),
    [
        ("42", 100, 42),
        ("0", 0, 0),
        ("101", 100, None),
        (SUPERSCRIPT_ONE, 100, None),
        ("\u0663", 100, None),  # ARABIC-INDIC DIGIT THREE
        (" 4", 100, None),
        ("-4", 100, None),
        ("", 100, None),
    ],
)
def test_plain_number(text, maximum, expected):
    assert plain_number(text, maximum) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("12_3", 12),
        ("12+1", 12),
        (str(MAX_JOB_ID), MAX_JOB_ID),
        (str(MAX_JOB_ID + 1), 0),
        (HUGE, 0),
        (SUPERSCRIPT_ONE, 0),
        (f"{SUPERSCRIPT_ONE}_1", 0),
        ("abc", 0),
    ],
)
def test_leading_job_id(text, expected):
    assert leading_job_id(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10", 10), ("USR1", 10), ("sigterm", 15), ("0", None), (HUGE, None), (SUPERSCRIPT_ONE, None)],
)
def test_signal_number(text, expected):
    assert signal_number(text) == expected


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"jobs": ["1"], "signal": SUPERSCRIPT_ONE}, "signal"),
        ({"user_id": SUPERSCRIPT_ONE}, "user_id"),
        ({"user_id": HUGE}, "user_id"),
        ({"user_id": "4294967295"}, "user_id"),  # (uid_t)-1 is nobody's uid
    ],
)
def test_kill_jobs_refuses_numbers_out_of_their_type(body, field):
    with pytest.raises(RequestInvalid) as info:
        parse_kill_jobs(body)
    assert info.value.errno == Errno.DATA_CONV_FAILED
    assert info.value.entries[0]["description"].startswith(f"{field}:")


def test_kill_jobs_takes_a_plain_uid():
    selection, _ = parse_kill_jobs({"user_id": " 1000 "})
    assert selection.user_id == 1000


@pytest.mark.parametrize(
    "path",
    [f"/slurm/v0.0.46/job/{HUGE}/requeue", f"/slurm/v0.0.46/job/{SUPERSCRIPT_ONE}/requeue"],
    ids=["beyond-64-bits", "superscript"],
)
def test_requeue_of_an_id_that_is_no_job_id_is_invalid_job_id(api, path):
    status, doc = api("GET", path)
    assert status == 404
    assert doc["errors"][0]["error_number"] == Errno.INVALID_JOB_ID
    (entry,) = doc["status"]
    assert entry["job_id"] == 0 and entry["error_code"] == Errno.INVALID_JOB_ID


def test_bulk_signal_names_an_unknown_signal(api):
    status, doc = api("DELETE", "/slurm/v0.0.46/jobs/", {"signal": SUPERSCRIPT_ONE, "jobs": ["1"]})
    assert status == 400
    assert doc["errors"][0]["description"].startswith("signal:")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ((("SrunPortRange", "60001-63000"),), {"minimum": 60001, "maximum": 63000, "set": True}),
        ((("SrunPortRange", f"{SUPERSCRIPT_ONE}-2"),), None),
        ((("SrunPortRange", f"1-{HUGE}"),), None),
        ((("JobDefaults", "DefMemPerGPU=1024"),), [{"type": ["DefMemPerGPU"], "value": 1024}]),
        ((("JobDefaults", f"DefMemPerGPU={SUPERSCRIPT_ONE}"),), None),
        ((("JobDefaults", f"DefMemPerGPU={HUGE}"),), None),
    ],
)
def test_conf_numbers_that_do_not_fit_are_left_out(options, expected):
    key = options[0][0]
    rendered = render_conf(ControllerConfig(options, (), 0))
    assert rendered.get(key) == expected
