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


def test_every_open_issue_has_a_reproduction():
    reproductions = [name for name in globals() if name.startswith("test_") and "every" not in name]
    assert len(reproductions) == len(OPEN_ISSUES)
