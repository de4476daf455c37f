"""POST /util/{v}/hostnames and /hostlist through RestApp (no sockets, no backend)."""

from __future__ import annotations

import asyncio
import os

import orjson
import pytest

from slurmrestd.api import plugins
from slurmrestd.api.app import RestApp
from slurmrestd.auth.base import AuthContext
from slurmrestd.auth.local import LocalAuth
from slurmrestd.cluster.embedded import EmbeddedCluster
from slurmrestd.http.message import Headers, HttpRequest, PeerCredentials, PeerInfo, TransportKind

PEER = PeerInfo(TransportKind.UNIX, "test", PeerCredentials(os.getpid(), os.getuid(), os.getgid()))


@pytest.fixture(scope="module")
def app() -> RestApp:
    context = AuthContext(os.getuid(), os.getgid(), "me")
    return RestApp(
        units=plugins.resolve(None, None),
        auth_plugins=[LocalAuth(context)],
        cluster=EmbeddedCluster(),
    )


def post(app: RestApp, path: str, body: object) -> tuple[int, dict]:
    data = orjson.dumps(body)
    request = HttpRequest(
        "POST",
        path,
        "",
        "1.1",
        Headers([("Content-Type", "application/json"), ("Content-Length", str(len(data)))]),
        data,
    )
    response = asyncio.run(app(request, PEER))
    return response.status, orjson.loads(response.body)


@pytest.mark.parametrize("version", ["v0.0.44", "v0.0.45", "v0.0.46"])
def test_hostnames_expands(app, version):
    status, doc = post(app, f"/util/{version}/hostnames", {"hostlist": "n[1-3],m7"})
    assert status == 200, doc
    assert doc["hostnames"] == ["n1", "n2", "n3", "m7"]
    assert doc["errors"] == [] and doc["meta"]["plugin"]["type"] == "openapi/util"


def test_hostnames_accepts_an_array(app):
    status, doc = post(app, "/util/v0.0.46/hostnames", {"hostlist": ["a[1-2]", "b"]})
    assert status == 200 and doc["hostnames"] == ["a1", "a2", "b"]


def test_hostlist_compresses(app):
    status, doc = post(app, "/util/v0.0.46/hostlist", {"hostnames": ["a3", "a1", "a2", "b01"]})
    assert status == 200, doc
    assert doc["hostlist"] == "a[1-3],b01"


def test_hostlist_accepts_a_string(app):
    status, doc = post(app, "/util/v0.0.46/hostlist", {"hostnames": "x1,x2"})
    assert status == 200 and doc["hostlist"] == "x[1-2]"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/util/v0.0.46/hostnames", {"hostlist": "n[3-1]"}, 400),
        ("/util/v0.0.46/hostnames", {"hostlist": 5}, 400),
        ("/util/v0.0.46/hostnames", {}, 400),
        ("/util/v0.0.46/hostnames", {"hostlist": "a", "extra": 1}, 400),
        ("/util/v0.0.46/hostlist", {"hostnames": [1, 2]}, 400),
        ("/util/v0.0.46/hostlist", {"hostnames": "bad[name"}, 400),
    ],
)
def test_bad_input_is_a_400_envelope(app, path, body, status):
    got, doc = post(app, path, body)
    assert got == status, doc
    assert doc["errors"] and doc["errors"][0]["description"]
    # Failed answers still carry the schema's required fields, empty (as upstream's do).
    key = path.rsplit("/", 1)[1]
    assert doc[key] in ([], "")
