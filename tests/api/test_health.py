"""Health probes: /healthz reflects the backend; /readyz?verbose is for operators only."""

from __future__ import annotations

import asyncio
import os
import pwd

from slurmrestd.api import plugins
from slurmrestd.api.app import RestApp
from slurmrestd.auth.base import AuthContext
from slurmrestd.auth.local import LocalAuth
from slurmrestd.cluster.embedded import EmbeddedCluster
from slurmrestd.http.message import Headers, HttpRequest, PeerCredentials, PeerInfo, TransportKind

ME = pwd.getpwuid(os.getuid()).pw_name
UNIX_PEER = PeerInfo(TransportKind.UNIX, "u", PeerCredentials(os.getpid(), os.getuid(), 0))
TCP_PEER = PeerInfo(TransportKind.TCP, "192.0.2.1:1")


class SickCluster(EmbeddedCluster):
    def healthy(self) -> bool:
        return False


def make_app(cluster: EmbeddedCluster, operators: frozenset[str]) -> RestApp:
    # The daemon's uid is made different from the peer's unless the test says otherwise.
    context = AuthContext(os.getuid(), os.getgid(), ME)
    app = RestApp(
        units=plugins.resolve(["v0.0.38"], None),
        auth_plugins=[LocalAuth(context)],
        cluster=cluster,
        operators=operators,
    )
    app.health.ready = True
    return app


def get(app: RestApp, path: str, query: str = "", peer: PeerInfo = UNIX_PEER):
    request = HttpRequest("GET", path, query, "1.1", Headers([]), b"")
    return asyncio.run(app(request, peer))


def test_healthz_is_500_when_the_backend_is_unusable():
    app = make_app(SickCluster(), frozenset({"root"}))
    assert get(app, "/healthz", peer=TCP_PEER).status == 500
    assert get(app, "/livez", peer=TCP_PEER).status == 204
    assert get(app, "/readyz", peer=TCP_PEER).status == 503


def test_readyz_verbose_needs_authentication():
    app = make_app(EmbeddedCluster(), frozenset({ME}))
    response = get(app, "/readyz", "verbose", peer=TCP_PEER)
    assert response.status == 401


def test_readyz_verbose_refuses_non_operators():
    # A daemon running as an ordinary account (uid 54321), asked by that account.
    context = AuthContext(54321, 54321, "someone")
    app = RestApp(
        units=plugins.resolve(["v0.0.38"], None),
        auth_plugins=[LocalAuth(context)],
        cluster=EmbeddedCluster(),
        operators=frozenset({"root", "slurm"}),
    )
    app.health.ready = True
    peer = PeerInfo(TransportKind.UNIX, "u", PeerCredentials(1, 54321, 54321))
    response = get(app, "/readyz", "verbose", peer=peer)
    assert response.status == 403
    assert get(app, "/readyz", peer=peer).status == 204


def test_readyz_verbose_describes_for_operators():
    app = make_app(EmbeddedCluster(), frozenset({ME}))
    response = get(app, "/readyz", "verbose")
    assert response.status == 200
    lines = dict(line.split(": ", 1) for line in response.body.decode().splitlines())
    assert lines["ready"] == "yes" and lines["backend"] == "healthy"
    app.health.stopping = True
    response = get(app, "/readyz", "verbose")
    assert response.status == 503
    assert "stopping: yes" in response.body.decode()


def test_readyz_verbose_names_a_sick_backend():
    app = make_app(SickCluster(), frozenset({ME}))
    response = get(app, "/readyz", "verbose")
    assert response.status == 503
    assert "backend: unavailable" in response.body.decode()


def test_plain_readyz_stays_unauthenticated_with_other_queries():
    app = make_app(EmbeddedCluster(), frozenset({ME}))
    assert get(app, "/readyz", "foo=1", peer=TCP_PEER).status == 204
