"""A RestApp over a fresh embedded cluster, and one call helper, for v0.0.46 tests."""

from __future__ import annotations

import asyncio
import json
import os
import pwd
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from slurmrestd.api import plugins
from slurmrestd.api.app import RestApp
from slurmrestd.auth.base import AuthContext
from slurmrestd.auth.local import LocalAuth
from slurmrestd.cluster.embedded import EmbeddedCluster
from slurmrestd.http.message import Headers, HttpRequest, PeerCredentials, PeerInfo, TransportKind

PEER = PeerInfo(TransportKind.UNIX, "[unix]:7", PeerCredentials(os.getpid(), os.getuid(), 0))
Call = Callable[..., tuple[int, Any]]


@pytest.fixture
def api(tmp_path) -> Iterator[Call]:
    """call(method, path, body=None) -> (status, decoded body) as the daemon's own user."""
    user = pwd.getpwuid(os.getuid()).pw_name
    cluster = EmbeddedCluster(state_dir=tmp_path / "state")
    app = RestApp(
        units=plugins.resolve(None, None),
        auth_plugins=[LocalAuth(AuthContext(os.getuid(), os.getgid(), user))],
        cluster=cluster,
    )

    def call(method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else b""
        headers = Headers([("Content-Type", "application/json")] if data else [])
        request = HttpRequest(method, path, "", "1.1", headers, data)
        response = asyncio.run(app(request, PEER))
        return response.status, json.loads(response.body)

    yield call
    cluster.close()
