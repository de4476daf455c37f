"""The errno table (numbers and texts clients match on) and SlurmError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slurmrestd.cluster.errors import ERROR_TEXT, Errno, SlurmError, error_text


def test_no_aliases():
    # Two names with one number would silently become an enum alias.
    assert len(Errno.__members__) == len(list(Errno))


def test_text_keys_are_errnos():
    assert set(ERROR_TEXT) <= set(Errno)
    assert all(isinstance(text, str) and text for text in ERROR_TEXT.values())


@pytest.mark.parametrize("errno", list(Errno), ids=lambda e: e.name)
def test_every_errno_has_a_text_or_the_fallback(errno):
    text = error_text(errno)
    if errno in ERROR_TEXT:
        assert text == ERROR_TEXT[errno]
    else:
        # IntEnum formats as its number, never as "Errno.X".
        assert text == f"Unknown error {int(errno)}"


@pytest.mark.parametrize("number", [123456, -2, 1999, 9999])
def test_unknown_number_falls_back(number):
    assert error_text(number) == f"Unknown error {number}"


# Numbers that slurm/slurm_errno.h pins with "= N" (or that follow one with no gap), and
# texts from src/common/slurm_errno.c; these are what clients see in error_number/error.
PINNED = [
    (Errno.UNSPECIFIED, -1, "Unspecified error"),
    (Errno.PROTOCOL_AUTHENTICATION_ERROR, 1007, "Protocol authentication error"),
    (Errno.COMMUNICATIONS_CONNECTION_ERROR, 1001, "Communication connection failure"),
    (Errno.COMMUNICATIONS_RECEIVE_ERROR, 1003, "Message receive failure"),
    (Errno.SOCKET_TIMEOUT, 5004, "Socket timed out on send/recv operation"),
    (Errno.INVALID_PARTITION_NAME, 2000, "Invalid partition name specified"),
    (Errno.ACCESS_DENIED, 2002, "Access/permission denied"),
    (Errno.JOB_SCRIPT_MISSING, 2009, "Job script not specified"),
    (Errno.USER_ID_MISSING, 2010, "Invalid user id"),
    (Errno.INVALID_JOB_ID, 2017, "Invalid job id specified"),
    (Errno.INVALID_NODE_NAME, 2018, "Invalid node name specified"),
    (Errno.TASKDIST_ARBITRARY_UNSUPPORTED, 2040, None),
    (Errno.TOO_MANY_TASKS, 2041, None),
    (Errno.JOB_HELD, 2042, "Job is in held state, pending scheduler release"),
    (Errno.INVALID_ACCOUNT, 2045, "Invalid account or account/partition combination specified"),
    (Errno.ACCOUNTING_POLICY, 2050, None),
    (
        Errno.INVALID_TIME_LIMIT,
        2051,
        "Requested time limit is invalid (missing or exceeds some limit)",
    ),
    (Errno.RESERVATION_INVALID, 2053, "Requested reservation is invalid"),
    (Errno.INVALID_TIME_VALUE, 2054, "Invalid time specified"),
    (Errno.INVALID_WCKEY, 2057, "Invalid wckey specification"),
    (Errno.PORTS_INVALID, 2060, None),
    (Errno.INVALID_QOS, 2066, "Invalid qos specification"),
    (Errno.RESERVATION_EMPTY, 2080, None),
    (Errno.INTERNAL, 2090, None),
    (Errno.BURST_BUFFER_WAIT, 2100, None),
    (Errno.DUPLICATE_STEP_ID, 2110, None),
    (Errno.REBOOT_IN_PROGRESS, 2120, None),
    (Errno.INVALID_NICE, 2123, "Invalid --nice value"),
    (Errno.ENVIRONMENT_MISSING, 2127, "Environment is missing in job"),
    (Errno.PARTITION_ASSOC, 2130, None),
    (Errno.AUTH_CRED_INVALID, 6000, "Invalid authentication credential"),
    (Errno.AUTH_BADARG, 6004, None),
    (Errno.AUTH_UNPACK, 6007, None),
    (Errno.DB_CONNECTION, 7000, "Unable to connect to database"),
    (Errno.BAD_NAME, 7004, "Unacceptable name given. (No '.' in name allowed)"),
    (Errno.REST_INVALID_QUERY, 9000, "Query empty or not RFC7320 compliant"),
    (
        Errno.REST_INVALID_JOBS_DESC,
        9002,
        "Jobs description entry not found, empty or not dictionary or list",
    ),
    (Errno.REST_EMPTY_RESULT, 9003, "Nothing found with query"),
    (Errno.REST_MISSING_UID, 9004, "Missing UNIX user in the system"),
    (Errno.DATA_PATH_NOT_FOUND, 9200, "Unable to resolve path"),
    (Errno.DATA_UNKNOWN_MIME_TYPE, 9204, "MIME type is unknown to any loaded plugins"),
    (Errno.DATA_EXPECTED_DICT, 9209, "Data parser expected a dictionary or object"),
    (Errno.DATA_PARSE_NOTHING, 9212, "Request to parse empty string rejected"),
]


@pytest.mark.parametrize(("errno", "number", "text"), PINNED, ids=lambda v: str(v))
def test_pinned_numbers_and_texts(errno, number, text):
    assert int(errno) == number
    if text is not None:
        assert error_text(number) == text


def _reference_errors(root: Path) -> list[tuple[str, int, str]]:
    found = []
    for path in sorted((root / "slurm-22.05" / "responses").glob("*.json")):
        document = json.loads(path.read_text())
        for item in document.get("errors", []) if isinstance(document, dict) else []:
            number = item.get("error_number", item.get("errno", item.get("error_code")))
            if isinstance(number, int) and "error" in item:
                found.append((path.name, number, item["error"]))
    return found


# Errors whose "error" text is not slurm_strerror() of their number in the capture: the
# job submit path of 22.05 puts its own message there (error_code items).
_CUSTOM_TEXT = {"environment must be set", "Invalid time specification"}


def test_texts_match_the_2205_captures(shared_reference):
    errors = _reference_errors(shared_reference)
    assert errors, "no error items found in the 22.05 captures"
    mismatches = [
        f"{name}: {number} -> {error_text(number)!r}, captured {text!r}"
        for name, number, text in errors
        if text not in _CUSTOM_TEXT and error_text(number) != text
    ]
    assert not mismatches, "\n".join(mismatches)


def test_slurm_error_carries_its_parts():
    exc = SlurmError(Errno.INVALID_JOB_ID, "Unable to find JobId=9", "slurm_load_job")
    assert exc.errno == 2017
    assert type(exc.errno) is int
    assert exc.description == "Unable to find JobId=9"
    assert exc.source == "slurm_load_job"
    assert exc.text == "Invalid job id specified"
    assert str(exc) == "Unable to find JobId=9"


def test_slurm_error_defaults():
    exc = SlurmError(Errno.ACCESS_DENIED)
    assert (exc.errno, exc.description, exc.source) == (2002, "", "")
    assert str(exc) == "Access/permission denied"
    assert SlurmError(424242).text == "Unknown error 424242"
    assert isinstance(exc, Exception)
