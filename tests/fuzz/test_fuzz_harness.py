"""The fuzz harness itself: the oracle tells good answers from bad ones, and the
request generator never lets a job run (this suite may run as root)."""

from __future__ import annotations

import re

import fuzz_open_issues
import orjson
import pytest
from fuzz_open_issues import open_issue
from fuzz_oracle import problems
from fuzz_requests import defuse_jobs, requests_for, shape_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slurmrestd.api import openapi, plugins
from slurmrestd.http.message import HttpResponse

JSON = "application/json"
META_46 = {"meta": {}, "errors": [], "warnings": []}


def _json(status: int, body: object) -> HttpResponse:
    return HttpResponse(status, orjson.dumps(body), JSON)


ERROR = {"error_number": 2017, "error": "Invalid job id specified"}
ORACLE_CASES = [
    # (response, version, 200 schema, expected to be fine)
    (_json(500, {"meta": {}, "errors": [ERROR]}), "v0.0.38", None, True),
    (_json(500, {"meta": {}, "errors": []}), "v0.0.38", None, False),
    (_json(500, {**META_46, "errors": [ERROR]}), "v0.0.46", None, False),
    (HttpResponse(500, b"Internal server error", "text/plain"), "v0.0.38", None, False),
    (HttpResponse(404, b"Unable find requested URL.", "text/plain"), "v0.0.46", None, True),
    (HttpResponse(304, b"", None), "v0.0.46", None, True),
    (HttpResponse(304, b"{}", JSON), "v0.0.46", None, False),
    (HttpResponse(200, b"{not json", JSON), "v0.0.46", None, False),
    (_json(422, META_46), "v0.0.46", None, False),  # an error must say what went wrong
    (_json(200, {**META_46, "hostnames": ["n1"]}), "v0.0.46", "v0.0.46_openapi_hostnames_req_resp",
     True),
    (_json(200, {**META_46, "hostnames": "n1"}), "v0.0.46", "v0.0.46_openapi_hostnames_req_resp",
     False),
    (_json(200, META_46), "v0.0.46", "v0.0.46_openapi_hostnames_req_resp", False),
]  # fmt: skip


@pytest.mark.parametrize(("response", "version", "schema", "fine"), ORACLE_CASES)
def test_oracle(response, version, schema, fine):
    assert (problems(response, version, schema, None) == []) is fine


# Symptoms of issues fixed since: the fuzz property must fail on them again.
FIXED_SYMPTOMS = [
    "status 500 is not an answer an operation may give: error 22 from x: y",
    "OverflowError: cannot convert float infinity to integer"
    " @ cluster/embedded/engine/reservations.py",
    "AttributeError: 'dict' object has no attribute 'type' @ api/versions/v0_0_46/tres.py",
    "v0.0.46_openapi_slurmdbd_qos_resp: qos/0/description: None is not of type 'string'",
    "IntegrityError: UNIQUE constraint failed: coordinators.account, coordinators.user",
    "TypeError: Integer exceeds 64-bit range @ api/serialize.py",
]


@pytest.mark.parametrize("symptom", FIXED_SYMPTOMS)
def test_fixed_issues_are_no_longer_tolerated(symptom):
    assert open_issue(symptom) is None


def test_open_issues_match_only_their_symptoms(monkeypatch):
    issue = fuzz_open_issues.OpenIssue(
        "example", "cluster/embedded/engine/reservations.py", re.compile(r"^OverflowError: .* @ c")
    )
    monkeypatch.setattr(fuzz_open_issues, "OPEN_ISSUES", (issue,))
    overflow = "OverflowError: cannot convert float infinity to integer @ {}"
    assert open_issue(overflow.format("cluster/embedded/engine/reservations.py")) is issue
    assert open_issue(overflow.format("api/operations/jobs.py")) is None  # ours: never tolerated
    assert open_issue("KeyError: 'x'") is None


DOCUMENT = openapi.document(plugins.resolve(None, None))
SUBMITTING = [
    s
    for s in openapi.operations(plugins.resolve(None, None))
    if s.request_body_ref and s.request_body_ref.endswith(("submission", "submit_req", "alloc_req",
                                                          "_job_properties", "_job_desc_msg"))
]  # fmt: skip


def _jobs_in(spec: openapi.OperationSpec, body: object) -> list[dict]:
    if not isinstance(body, dict):
        return []
    if spec.request_body_ref.endswith(("_job_properties", "_job_desc_msg")):
        return [body]  # an update: the body is the job
    found = []
    for key in ("job", "jobs", "hetjob"):
        value = body.get(key)
        found += [j for j in (value if isinstance(value, list) else [value]) if isinstance(j, dict)]
    return found


def test_every_job_writing_operation_is_defused():
    # submit and update in the 8 slurmctld versions, allocate (with a body) from v0.0.41
    assert len(SUBMITTING) == 2 * 8 + 6


@pytest.mark.parametrize("spec", SUBMITTING, ids=lambda s: f"{s.method} {s.path}")
@settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_generated_jobs_are_held_in_scratch(spec, data):
    request = data.draw(requests_for(shape_of(spec, DOCUMENT), {}, "/scratch"))
    try:
        body = orjson.loads(request.body)
    except orjson.JSONDecodeError:
        return  # YAML or garbage: the same defused value, or no job at all
    for job in _jobs_in(spec, body):
        assert job["hold"] is True
        assert job["current_working_directory"] == "/scratch"
        assert job["standard_output"].startswith("/scratch/")


def test_defuse_leaves_other_bodies_alone():
    body = {"accounts": [{"name": "a", "hold": False}]}
    assert defuse_jobs("v0.0.46_openapi_accounts_resp", body, "/s") == body
