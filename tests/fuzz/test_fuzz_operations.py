"""Every operation of every served version, fed generated requests (hypothesis).

For each (method, path template, version) of the operation table: hostile and
valid-looking path parameters, declared and unknown query parameters, and
bodies generated from the operation's request schema. The answer must satisfy
fuzz_oracle.problems: never an exception, never a status an operation may not
give, a parseable envelope, and a 200 body valid against its schema.
"""

from __future__ import annotations

import pytest
from fuzz_open_issues import exception_symptom, open_issue
from fuzz_oracle import problems, response_schemas
from fuzz_requests import requests_for, shape_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slurmrestd.api import openapi, plugins

OPERATIONS = openapi.operations(plugins.resolve(None, None))
FUZZ_SETTINGS = settings(
    max_examples=16,
    derandomize=True,  # the same examples on every run: a failure here is reproducible
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _id(spec: openapi.OperationSpec) -> str:
    return f"{spec.method} {spec.path}"


def test_every_operation_is_fuzzed() -> None:
    # 14 v0.0.38 + 32 dbv0.0.38 + the 23.11+ parsers' operations, nothing skipped
    assert len(OPERATIONS) == len({(s.method, s.path) for s in OPERATIONS})
    assert {s.unit.version for s in OPERATIONS} == {
        "v0.0.38", "dbv0.0.38", "v0.0.40", "v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44",
        "v0.0.45", "v0.0.46",
    }  # fmt: skip


@pytest.mark.parametrize("spec", OPERATIONS, ids=_id)
@FUZZ_SETTINGS
@given(data=st.data())
def test_operation_answers_every_request_within_its_contract(fuzz_target, spec, data) -> None:
    shape = shape_of(spec, fuzz_target.document)
    request = data.draw(requests_for(shape, fuzz_target.known, str(fuzz_target.scratch)))
    try:
        response = fuzz_target.send(request)
    except Exception as exc:
        if open_issue(exception_symptom(exc)) is None:
            raise
        return  # someone else's open bug, reproduced in test_fuzz_open_issues.py
    reached = fuzz_target.operation_for(request.method, request.path) or spec
    ok_schema, error_schema = response_schemas(fuzz_target.document, reached.method, reached.path)
    found = problems(response, reached.unit.version, ok_schema, error_schema)
    unexplained = [p for p in found if open_issue(p) is None]
    assert unexplained == [], (response.status, response.body[:2000])
