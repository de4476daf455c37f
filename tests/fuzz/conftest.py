"""One in-process daemon (RestApp over an embedded cluster) shared by the fuzz tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from fuzz_requests import FuzzRequest

from slurmrestd.api import openapi, plugins
from slurmrestd.api.app import RestApp
from slurmrestd.api.routes import Match, RouteTable, compile_route
from slurmrestd.auth.base import AuthContext
from slurmrestd.auth.local import LocalAuth
from slurmrestd.cluster.embedded import EmbeddedCluster
from slurmrestd.http.message import (
    Headers,
    HttpRequest,
    HttpResponse,
    PeerCredentials,
    PeerInfo,
    TransportKind,
)

DAEMON_USER = pwd.getpwuid(os.getuid()).pw_name
PEER = PeerInfo(
    TransportKind.UNIX, "[unix]:9", PeerCredentials(os.getpid(), os.getuid(), os.getgid())
)


@dataclass(repr=False)  # hypothesis prints arguments; the document is 1 MB
class FuzzTarget:
    """The daemon under test, its served document and names that exist in its cluster."""

    app: RestApp
    document: Any
    runner: asyncio.Runner
    scratch: Path
    known: dict[str, tuple[str, ...]]
    routes: RouteTable[openapi.OperationSpec]

    def operation_for(self, method: str, path: str) -> openapi.OperationSpec | None:
        """The operation a request reaches: a hostile parameter may lead to another one
        (`/job//requeue` is GET /job/{job_id} of job "requeue")."""
        match = self.routes.lookup(method, path)
        return match.route.target if match.kind is Match.FULL and match.route else None

    def send(self, request: FuzzRequest) -> HttpResponse:
        # As the HTTP layer hands it over: the raw query's UTF-8 bytes read as latin-1.
        query = request.query.encode("utf-8").decode("latin-1")
        http = HttpRequest(
            request.method, request.path, query, "1.1", Headers(request.headers), request.body
        )
        return self.runner.run(self.app(http, PEER))

    def post_json(self, path: str, body: Any) -> Any:
        headers = [("Content-Type", "application/json")]
        response = self.send(FuzzRequest("POST", path, "", headers, orjson.dumps(body)))
        return orjson.loads(response.body)


def _seed(target: FuzzTarget) -> None:
    """A held job, so that valid-looking names reach the handlers."""
    job = {
        "current_working_directory": str(target.scratch),
        "environment": ["PATH=/bin"],
        "hold": True,
        "name": "fuzz-seed",
    }
    answer = target.post_json(
        "/slurm/v0.0.46/job/submit", {"script": "#!/bin/sh\ntrue\n", "job": job}
    )
    job_id = str(answer.get("job_id", 1))
    host = socket.gethostname().split(".")[0]
    users = (DAEMON_USER, "nobody", "nosuch")
    target.known.update(
        job_id=(job_id, f"{job_id}_0", f"{job_id}+0", "999999"),
        node_name=(host, "nosuch"),
        partition_name=("debug", "nosuch"),
        reservation_name=("maint", "nosuch"),
        account_name=("root", "nosuch"),
        user_name=users,
        name=users,
        cluster_name=(target.app.cluster.name, "nosuch"),
        qos_name=("normal", "nosuch"),
        qos=("normal", "nosuch"),
        wckey=("nosuch",),
        id=("1", "0", "nosuch"),
    )


@contextlib.contextmanager
def running_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    """A daemon over a new embedded cluster in fresh directories, closed afterwards."""
    scratch = tmp_path_factory.mktemp("fuzz-jobs")
    scratch.chmod(0o777)  # jobs submitted as `nobody` write here too (never: they are held)
    cluster = EmbeddedCluster(state_dir=tmp_path_factory.mktemp("fuzz-state"))
    units = plugins.resolve(None, None)
    app = RestApp(
        units=units,
        auth_plugins=[LocalAuth(AuthContext(os.getuid(), os.getgid(), DAEMON_USER))],
        cluster=cluster,
    )
    routes: RouteTable[openapi.OperationSpec] = RouteTable()
    for spec in openapi.operations(units):
        routes.add(compile_route(spec.method, spec.path, spec, spec.path_params))
    try:
        with asyncio.Runner() as runner:
            target = FuzzTarget(app, openapi.document(units), runner, scratch, {}, routes)
            _seed(target)
            yield target
    finally:
        cluster.close()


@pytest.fixture(scope="session")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    """One daemon for the whole fuzz run: state piles up as it would in production."""
    with running_target(tmp_path_factory) as target:
        yield target


@pytest.fixture
def fresh_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    """A daemon of its own, for a test whose requests must not meet earlier state."""
    with running_target(tmp_path_factory) as target:
        yield target
