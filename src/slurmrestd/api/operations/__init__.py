"""Version-neutral operation handlers, keyed by method and version-free path.

A key is the template with its version segment replaced by `*` and no
trailing slash: ("GET", "/slurm/*/ping"). Each handler takes an
OperationCall and returns the payload dict (without meta/errors/warnings).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slurmrestd.api.call import OperationCall
from slurmrestd.api.operations import licenses, ping, util

OperationHandler = Callable[[OperationCall], Awaitable[dict[str, Any] | None]]

OPERATIONS: dict[tuple[str, str], OperationHandler] = {
    ("GET", "/slurm/*/ping"): ping.get_ping,
    ("GET", "/slurm/*/licenses"): licenses.get_licenses,
    ("POST", "/util/*/hostnames"): util.post_hostnames,
    ("POST", "/util/*/hostlist"): util.post_hostlist,
}


def operation_key(method: str, template: str) -> tuple[str, str]:
    """("GET", "/slurm/v0.0.46/ping/") -> ("GET", "/slurm/*/ping")."""
    segments = [s for s in template.split("/") if s]
    if len(segments) >= 2:
        segments[1] = "*"
    return method.upper(), "/" + "/".join(segments)
