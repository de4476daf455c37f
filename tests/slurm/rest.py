"""Talking JSON to a REST daemon (ours or the testbed's C one) in the slurm tests."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from e2e import harness
from slurm.testbed import Testbed


def call(
    port: int,
    method: str,
    path: str,
    token: str | None,
    user: str = "alice",
    body: Any = None,
) -> tuple[int, Any]:
    """One request as `user` with `token`; the status and the decoded JSON body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {} if token is None else {"X-SLURM-USER-NAME": user, "X-SLURM-USER-TOKEN": token}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        status, _, raw = harness.request(conn, method, path, body=data, headers=headers)
    finally:
        conn.close()
    return status, json.loads(raw) if raw.startswith(b"{") else raw


def get(port: int, path: str, token: str | None, user: str = "alice") -> tuple[int, Any]:
    return call(port, "GET", path, token, user)


def c_port(bed: Testbed) -> int:
    """The port of the testbed's C slurmrestd."""
    port = urlsplit(bed.rest_url).port
    assert port is not None
    return port
