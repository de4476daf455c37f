"""One reproduction per row of fuzz_open_issues.OPEN_ISSUES (strict xfail).

Each request sequence is the smallest the fuzzer found for a bug in a file this
suite may not change. When the owner fixes it the test passes, strict xfail
turns that into a failure, and the row and this test are to be deleted.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fuzz_open_issues import OPEN_ISSUES, exception_symptom, open_issue
from fuzz_oracle import problems, response_schemas
from fuzz_requests import FuzzRequest


def _answer(target: Any, method: str, path: str, body: Any = None) -> list[str]:
    """What is wrong with the answer (the exception counts as a problem too)."""
    data = orjson.dumps(body) if body is not None else b""
    headers = [("Content-Type", "application/json")] if data else []
    request = FuzzRequest(method, path, "", headers, data)
    try:
        response = target.send(request)
    except Exception as exc:
        return [exception_symptom(exc)]
    spec = target.operation_for(method, path)
    ok_schema, error_schema = response_schemas(target.document, spec.method, spec.path)
    return problems(response, spec.unit.version, ok_schema, error_schema)


class StillOpen(Exception):
    """The issue's symptom, and only it, is still there."""


def _check(found: list[str], issue_index: int) -> None:
    """Pass when fixed; StillOpen when only this issue shows; fail on anything else."""
    issue = OPEN_ISSUES[issue_index]
    assert all(open_issue(p) is issue for p in found), found
    if found:
        raise StillOpen(found)


XFAIL = pytest.mark.xfail(
    strict=True, raises=StillOpen, reason="open issue in another file; see fuzz_open_issues"
)


@XFAIL
def test_backend_refusals_are_not_500(fresh_target):
    body = {"associations": [{"account": "root", "cluster": "nosuch", "user": "root"}]}
    found = _answer(fresh_target, "POST", "/slurmdb/v0.0.46/associations/", body)
    memory = {"set": True, "number": 10}
    job = {"hold": True, "current_working_directory": str(fresh_target.scratch),
           "environment": ["A=1"], "memory_per_cpu": memory, "memory_per_node": memory}  # fmt: skip
    body = {"script": "#!/bin/sh\ntrue\n", "job": job}
    found += _answer(fresh_target, "POST", "/slurm/v0.0.46/job/submit", body)
    _check(found, 0)


@XFAIL
def test_infinite_reservation_start_is_refused(fresh_target):
    body = {"start_time": {"infinite": True, "set": True, "number": 1}}
    found = _answer(fresh_target, "POST", "/slurm/v0.0.46/reservation", body)
    _check(found, 1)


@XFAIL
def test_job_tres_changes_read_back(fresh_target):
    body = {"tres": {"allocated": [{"type": "cpu", "count": 1}]}}
    assert _answer(fresh_target, "POST", "/slurmdb/v0.0.46/job/1", body) == []
    found = _answer(fresh_target, "GET", "/slurmdb/v0.0.46/jobs/")
    _check(found, 2)


@XFAIL
def test_text_infinite_reads_back_as_text(fresh_target):
    body = {"qos": [{"name": "q1", "description": "INFINITE"}]}
    assert _answer(fresh_target, "POST", "/slurmdb/v0.0.46/qos/", body) == []
    found = _answer(fresh_target, "GET", "/slurmdb/v0.0.46/qos/q1")
    _check(found, 3)


@XFAIL
def test_coordinator_named_twice(fresh_target):
    body = {"users": [{"name": "fuzz", "coordinators": [{"name": "root"}, {"name": "root"}]}]}
    found = _answer(fresh_target, "POST", "/slurmdb/v0.0.46/users/", body)
    _check(found, 4)


@XFAIL
def test_job_control_ids_that_are_no_numbers(fresh_target):
    found = _answer(fresh_target, "GET", "/slurm/v0.0.46/job/99999999999999999999999/requeue")
    found += _answer(fresh_target, "GET", "/slurm/v0.0.46/job/¹/requeue")
    found += _answer(fresh_target, "DELETE", "/slurm/v0.0.46/jobs/", {"signal": "¹", "jobs": ["1"]})
    _check(found, 5)


def test_every_open_issue_has_a_reproduction():
    reproductions = [name for name in globals() if name.startswith("test_") and "every" not in name]
    assert len(reproductions) == len(OPEN_ISSUES)
