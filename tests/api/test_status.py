"""HTTP status from an error number, one table per API generation (slurmrestd.api.status)."""

from __future__ import annotations

import pytest

from slurmrestd.api.plugins import GENERATION_22_05, GENERATION_23_11
from slurmrestd.api.status import GENERATION_2205, GENERATION_2311, status_for
from slurmrestd.cluster.errors import Errno


def test_generation_names_agree_with_plugins():
    # Units carry plugins.GENERATION_*; status.py must read the same strings.
    assert (GENERATION_2205, GENERATION_2311) == (GENERATION_22_05, GENERATION_23_11)


# 22.05.8 as observed: parse failures 400, unknown MIME 415, everything else 500.
STATUS_2205_CASES = [
    (Errno.REST_INVALID_JOBS_DESC, 400),  # 9002, GET /job/abc capture
    (Errno.REST_INVALID_QUERY, 400),
    (Errno.REST_FAIL_PARSING, 400),
    (Errno.DATA_CONV_FAILED, 400),
    (Errno.DATA_UNKNOWN_MIME_TYPE, 415),
    (Errno.INVALID_JOB_ID, 500),  # 2017, GET /job/999999 capture
    (Errno.ACCESS_DENIED, 500),  # 2002, slurmdb diag as non-admin capture
    (Errno.PROTOCOL_AUTHENTICATION_ERROR, 500),
    (Errno.JOB_SCRIPT_MISSING, 500),
    (Errno.UNSPECIFIED, 500),
    (Errno.EPERM, 500),
    (Errno.COMMUNICATIONS_CONNECTION_ERROR, 500),
    (Errno.SOCKET_TIMEOUT, 500),
    (Errno.REST_EMPTY_RESULT, 500),
    (Errno.NOT_IMPLEMENTED, 501),
    (424242, 500),
    (2999, 500),
]


@pytest.mark.parametrize(("errno", "status"), STATUS_2205_CASES)
def test_status_2205(errno, status):
    assert status_for(errno, GENERATION_2205) == status
    assert status_for(int(errno), GENERATION_2205) == status


STATUS_2311_CASES = [
    (Errno.INVALID_JOB_ID, 404),
    (Errno.EPERM, 403),
    (Errno.ACCESS_DENIED, 403),
    (Errno.PROTOCOL_AUTHENTICATION_ERROR, 401),
    (Errno.AUTH_CRED_INVALID, 401),
    (Errno.COMMUNICATIONS_CONNECTION_ERROR, 502),
    (Errno.COMMUNICATIONS_RECEIVE_ERROR, 502),
    (Errno.DB_CONNECTION, 502),
    (Errno.SOCKET_TIMEOUT, 504),
    (Errno.REST_INVALID_QUERY, 422),
    (Errno.REST_FAIL_PARSING, 400),
    (Errno.REST_INVALID_JOBS_DESC, 400),
    (Errno.DATA_EXPECTED_DICT, 400),
    (Errno.DATA_UNKNOWN_MIME_TYPE, 415),
    (Errno.NOT_IMPLEMENTED, 501),
    # other controller / accounting refusals
    (Errno.INVALID_PARTITION_NAME, 422),
    (Errno.JOB_SCRIPT_MISSING, 422),
    (Errno.INVALID_NODE_NAME, 422),
    (Errno.JOB_HELD, 422),
    (Errno.INSUFFICIENT_GRES, 422),
    (Errno.INVALID_ACCOUNT, 422),
    (Errno.BAD_NAME, 422),
    (2999, 422),
    # not Slurm errors at all
    (Errno.UNSPECIFIED, 500),
    (Errno.EINVAL, 500),
    (424242, 500),
]


@pytest.mark.parametrize(("errno", "status"), STATUS_2311_CASES)
def test_status_2311(errno, status):
    assert status_for(errno, GENERATION_2311) == status
    assert status_for(int(errno), GENERATION_2311) == status


@pytest.mark.parametrize("generation", [GENERATION_2205, GENERATION_2311])
@pytest.mark.parametrize(
    "errno", [e for e in Errno if e is not Errno.SUCCESS], ids=lambda e: e.name
)
def test_every_errno_maps_to_an_error_status(generation, errno):
    status = status_for(errno, generation)
    assert 400 <= status < 600


def test_unreachable_controller_is_502_on_newer_versions_only():
    for errno in (1800, 1801, 1802, 1803):
        assert status_for(errno, GENERATION_2311) == 502
        assert status_for(errno, GENERATION_2205) == 500
