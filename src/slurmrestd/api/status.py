"""HTTP status of an operation's answer, from its first error, per API generation.

22.05-era versions answer as the 22.05.8 daemon was observed to (almost all
backend errors are 500); 23.11+-era versions use the mapping upstream adopted
in 24.11 (401/403/404/422/502/504).
"""

from __future__ import annotations

from slurmrestd.cluster.errors import Errno

GENERATION_2205 = "22.05"
GENERATION_2311 = "23.11+"

_PARSE_ERRORS = {
    Errno.REST_INVALID_QUERY,
    Errno.REST_FAIL_PARSING,
    Errno.REST_INVALID_JOBS_DESC,
    Errno.DATA_CONV_FAILED,
    Errno.DATA_PATH_NOT_FOUND,
    Errno.DATA_EXPECTED_LIST,
    Errno.DATA_EXPECTED_DICT,
    Errno.DATA_PARSE_NOTHING,
    Errno.DATA_FLAGS_INVALID,
    Errno.DATA_FLAGS_INVALID_TYPE,
    Errno.DATA_TOO_LARGE,
}

STATUS_2205: dict[int, int] = {
    **{e: 400 for e in _PARSE_ERRORS},
    Errno.DATA_UNKNOWN_MIME_TYPE: 415,
    Errno.NOT_IMPLEMENTED: 501,
}

STATUS_2311: dict[int, int] = {
    **{e: 400 for e in _PARSE_ERRORS},
    Errno.REST_INVALID_QUERY: 422,
    Errno.DATA_UNKNOWN_MIME_TYPE: 415,
    Errno.INVALID_JOB_ID: 404,
    Errno.EPERM: 403,
    Errno.ACCESS_DENIED: 403,
    Errno.PROTOCOL_AUTHENTICATION_ERROR: 401,
    Errno.AUTH_CRED_INVALID: 401,
    Errno.COMMUNICATIONS_CONNECTION_ERROR: 502,
    Errno.COMMUNICATIONS_RECEIVE_ERROR: 502,
    Errno.CONTROLLER_CONNECT: 502,
    Errno.CONTROLLER_SEND: 502,
    Errno.CONTROLLER_RECEIVE: 502,
    Errno.CONTROLLER_SHUTDOWN: 502,
    Errno.DB_CONNECTION: 502,
    Errno.SOCKET_TIMEOUT: 504,
    Errno.NOT_IMPLEMENTED: 501,
}


def status_for(errno: int, generation: str) -> int:
    """HTTP status for an error number under an API generation."""
    if generation == GENERATION_2205:
        return STATUS_2205.get(errno, 500)
    status = STATUS_2311.get(errno)
    if status is not None:
        return status
    # Any other controller/accounting error means the request was refused.
    if 1000 <= errno < 10000:
        return 422
    return 500
