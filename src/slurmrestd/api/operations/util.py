"""POST /util/{version}/hostnames and /hostlist: hostlist expressions both ways.

They need no backend. Upstream accepts the host names as an array or as one
comma/hostlist string; so do we.
"""

from __future__ import annotations

from typing import Any

from slurmrestd import hostlist
from slurmrestd.api.call import OperationCall
from slurmrestd.cluster.errors import Errno, SlurmError


def _expression(value: Any, field: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ",".join(value)
    raise SlurmError(
        Errno.DATA_CONV_FAILED,
        f"{field} must be a string or an array of strings, not {type(value).__name__}",
        "util",
    )


def _required(call: OperationCall, field: str) -> Any:
    if field not in call.query:
        raise SlurmError(Errno.DATA_PARSE_NOTHING, f"missing required field {field!r}", "util")
    unknown = sorted(set(call.query) - {field, "meta", "errors", "warnings"})
    if unknown:
        raise SlurmError(Errno.DATA_PATH_NOT_FOUND, f"unknown field {unknown[0]!r}", "util")
    return call.query[field]


async def post_hostnames(call: OperationCall) -> dict[str, Any]:
    """{"hostlist": "n[1-3]"} -> {"hostnames": ["n1", "n2", "n3"]}."""
    expression = _expression(_required(call, "hostlist"), "hostlist")
    try:
        return {"hostnames": hostlist.expand(expression)}
    except hostlist.HostlistError as exc:
        raise SlurmError(Errno.DATA_CONV_FAILED, str(exc), "hostlist") from None


async def post_hostlist(call: OperationCall) -> dict[str, Any]:
    """{"hostnames": ["n1", "n2", "n3"]} -> {"hostlist": "n[1-3]"}."""
    expression = _expression(_required(call, "hostnames"), "hostnames")
    try:
        return {"hostlist": hostlist.compress(hostlist.expand(expression))}
    except hostlist.HostlistError as exc:
        raise SlurmError(Errno.DATA_CONV_FAILED, str(exc), "hostlist") from None
