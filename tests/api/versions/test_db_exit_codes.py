"""Raw wait statuses of accounting jobs, split and joined, and how dbv0.0.38 and
v0.0.46 write them."""

from __future__ import annotations

import pytest

from slurmrestd.api.versions.dbv0_0_38 import jobs as db38
from slurmrestd.api.versions.dbv0_0_38.shape import FieldError
from slurmrestd.api.versions.v0_0_46 import slurmdb_jobs as db46
from slurmrestd.model.accounting_job import (
    ExitCodeParts,
    ExitStatus,
    join_exit_code,
    split_exit_code,
)

CASES = [
    (None, ExitCodeParts(ExitStatus.PENDING)),
    (0, ExitCodeParts(ExitStatus.SUCCESS, return_code=0)),
    (3 << 8, ExitCodeParts(ExitStatus.ERROR, return_code=3)),
    (9, ExitCodeParts(ExitStatus.SIGNALED, signal=9)),
    (0x80 | 11, ExitCodeParts(ExitStatus.CORE_DUMPED, signal=11)),
]


@pytest.mark.parametrize(("raw", "parts"), CASES)
def test_split_and_join(raw, parts):
    assert split_exit_code(raw) == parts
    assert join_exit_code(parts.status, parts.return_code, parts.signal) == raw


def test_stopped_status_is_invalid_and_cannot_be_joined():
    assert split_exit_code(0x137F).status is ExitStatus.INVALID
    with pytest.raises(ValueError):
        join_exit_code(ExitStatus.SIGNALED, None, None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, {"status": "PENDING", "return_code": None}),
        (0, {"status": "SUCCESS", "return_code": 0}),
        # 22.05 reports any normal exit as SUCCESS/0 (see FAILED jobs in the capture).
        (3 << 8, {"status": "SUCCESS", "return_code": 0}),
        (
            15,
            {
                "status": "SIGNALED",
                "return_code": None,
                "signal": {"signal_id": 15, "name": "Terminated"},
            },
        ),
    ],
)
def test_dbv0_0_38_exit_code(raw, expected):
    assert db38.dump_exit_code(raw) == expected


def test_dbv0_0_38_exit_code_parse():
    signaled = {"status": "SIGNALED", "return_code": None, "signal": {"signal_id": 10}}
    assert db38.load_exit_code(signaled, "exit_code") == 10
    assert db38.load_exit_code({"status": "ERROR", "return_code": 2}, "exit_code") == 2 << 8
    assert db38.load_exit_code({"status": "PENDING", "return_code": None}, "x") is None
    with pytest.raises(FieldError, match=r"exit_code\.status: expected an exit status"):
        db38.load_exit_code({"status": "WEIRD"}, "exit_code")
    with pytest.raises(FieldError, match=r"exit_code\.code: unknown field"):
        db38.load_exit_code({"status": "SUCCESS", "code": 0}, "exit_code")


def test_v0_0_46_exit_code():
    assert db46.dump_exit_code(3 << 8) == {
        "status": ["ERROR"],
        "return_code": {"set": True, "infinite": False, "number": 3},
        "signal": {"id": {"set": False, "infinite": False, "number": 0}, "name": ""},
    }
    killed = db46.dump_exit_code(9)
    assert killed["status"] == ["SIGNALED"]
    assert killed["return_code"]["set"] is False
    assert killed["signal"] == {"id": {"set": True, "infinite": False, "number": 9}, "name": "KILL"}
    assert db46.dump_exit_code(None)["status"] == ["PENDING"]
    assert db46.dump_exit_code(0x80 | 6)["status"] == ["CORE_DUMPED"]
