"""RestApp end to end without sockets: HttpRequest + PeerInfo in, HttpResponse out."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import pwd
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from slurmrestd.api import openapi, plugins
from slurmrestd.api.app import (
    TEXT_BAD_METHOD,
    TEXT_BAD_QUERY,
    TEXT_BODY_AND_QUERY,
    TEXT_BODY_NOT_POST,
    TEXT_NOT_FOUND,
    RestApp,
)
from slurmrestd.api.operations import OPERATIONS
from slurmrestd.auth.base import AuthContext
from slurmrestd.auth.local import LocalAuth
from slurmrestd.cluster.embedded import EmbeddedCluster
from slurmrestd.cluster.errors import Errno
from slurmrestd.http.message import (
    Headers,
    HttpRequest,
    HttpResponse,
    PeerCredentials,
    PeerInfo,
    TransportKind,
)

DAEMON_USER = pwd.getpwuid(os.getuid()).pw_name
UNIX_PEER = PeerInfo(
    TransportKind.UNIX, "[unix]:7", PeerCredentials(os.getpid(), os.getuid(), os.getgid())
)
TCP_PEER = PeerInfo(TransportKind.TCP, "192.0.2.1:4242")
JSON_BODY = [("Content-Type", "application/json")]
YAML_ACCEPT = [("Accept", "application/x-yaml")]
PING38 = "/slurm/v0.0.38/ping"
PING46 = "/slurm/v0.0.46/ping"
OPENAPI = ["/openapi/v3", "/openapi", "/openapi.json", "/openapi.yaml"]
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[RestApp]:
    context = AuthContext(os.getuid(), os.getgid(), DAEMON_USER)
    cluster = EmbeddedCluster(state_dir=tmp_path_factory.mktemp("state"))
    yield RestApp(
        units=plugins.resolve(None, None),
        auth_plugins=[LocalAuth(context)],
        cluster=cluster,
    )
    cluster.close()


def call(
    app: RestApp,
    method: str,
    path: str,
    *,
    query: str = "",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    peer: PeerInfo = UNIX_PEER,
) -> HttpResponse:
    request = HttpRequest(method, path, query, "1.1", Headers(headers or []), body)
    return asyncio.run(app(request, peer))


def text_error(response: HttpResponse, status: int, text: str | None = None) -> None:
    assert response.status == status
    assert response.content_type == "text/plain"
    assert response.close
    if text is not None:
        assert response.body.decode() == text


def as_json(response: HttpResponse) -> Any:
    assert response.content_type == "application/json"
    return json.loads(response.body)


# --- health -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/livez", "/healthz", "/livez/", "//healthz"])
def test_health_without_auth(app, path):
    response = call(app, "GET", path, peer=TCP_PEER)
    assert (response.status, response.body) == (204, b"")


def test_readyz_follows_state(app):
    try:
        assert call(app, "GET", "/readyz", peer=TCP_PEER).status == 503
        app.health.ready = True
        assert call(app, "GET", "/readyz", peer=TCP_PEER).status == 204
        app.health.stopping = True
        response = call(app, "GET", "/readyz", peer=TCP_PEER)
        assert response.status == 503
        assert response.close
    finally:
        app.health.ready = app.health.stopping = False


def test_health_only_for_get(app):
    # Any other method is an ordinary request: authenticated, then not found.
    text_error(call(app, "POST", "/livez", peer=TCP_PEER), 401)
    text_error(call(app, "POST", "/livez"), 404, TEXT_NOT_FOUND)


# --- authentication -----------------------------------------------------------------------


@pytest.mark.parametrize("path", [PING38, "/openapi/v3", "/nosuch", "/"])
def test_no_auth_is_401_everywhere(app, path):
    # 22.05 authenticates every path, /openapi* included, before routing.
    response = call(app, "GET", path, peer=TCP_PEER)
    text_error(response, 401)
    assert response.body.decode().startswith("Authentication failure")


def test_rejected_peer_is_401(app):
    stranger = PeerInfo(TransportKind.UNIX, "x", PeerCredentials(1, os.getuid() + 1, 0))
    response = call(app, "GET", PING38, peer=stranger)
    text_error(response, 401)
    assert response.body.decode().startswith("Authentication failure")


def test_401_text_starts_like_capture(app, shared_reference: Path):
    capture = (
        shared_reference / "slurm-22.05" / "responses" / "GET_slurm_v0.0.38_ping__err_no_auth.txt"
    )
    body = call(app, "GET", PING38, peer=TCP_PEER).body
    assert body.startswith(capture.read_bytes())


# --- the OpenAPI document -----------------------------------------------------------------


def test_openapi_paths_serve_one_json_document(app):
    bodies = set()
    for path in [*OPENAPI, "/openapi/v3/", "//openapi//v3", "/openapi.json/"]:
        response = call(app, "GET", path)
        assert response.status == 200, path
        assert response.content_type == "application/json", path
        bodies.add(response.body)
    assert len(bodies) == 1
    document = json.loads(bodies.pop())
    assert document["openapi"].startswith("3.")
    assert PING38 in document["paths"] or f"{PING38}/" in document["paths"]


def test_openapi_document_is_kept_at_its_size(tmp_path):
    # The served document is kept for the process's life; orjson's own buffer for
    # it was up to twice its size (a fresh app: the module's one has it already).
    context = AuthContext(os.getuid(), os.getgid(), DAEMON_USER)
    fresh = RestApp(
        units=plugins.resolve(None, None),
        auth_plugins=[LocalAuth(context)],
        cluster=EmbeddedCluster(state_dir=tmp_path),
    )
    call(fresh, "GET", "/nosuch")  # any warm-up outside the measured part
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        body = call(fresh, "GET", "/openapi/v3").body
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 1.1 * len(body), (kept, len(body))


def test_openapi_yaml_only_by_accept(app):
    # The suffix does not choose (/openapi.yaml is JSON above); Accept does.
    bodies = set()
    for path in OPENAPI:
        response = call(app, "GET", path, headers=YAML_ACCEPT)
        assert response.status == 200, path
        assert response.content_type == "application/x-yaml", path
        bodies.add(response.body)
    assert len(bodies) == 1
    as_json_doc = json.loads(call(app, "GET", "/openapi/v3").body)
    assert yaml.load(bodies.pop(), Loader=YAML_LOADER) == as_json_doc


def test_openapi_document_is_the_units_document(app):
    body = json.loads(call(app, "GET", "/openapi/v3").body)
    expected = openapi.document(plugins.resolve(None, None), info_version="ignored")
    body["info"].pop("version")
    expected["info"].pop("version")
    assert body == expected


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
@pytest.mark.parametrize("path", OPENAPI)
def test_openapi_other_methods_405(app, method, path):
    response = call(app, method, path)
    text_error(response, 405, TEXT_BAD_METHOD)
    assert response.headers == [("Allow", "GET")]


# --- routing errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/nosuch", "/", "/slurm/v0.0.38/nosuch", "/slurm/v0.0.99/ping", "/slurm"]
)
def test_unknown_path_404(app, path):
    text_error(call(app, "GET", path), 404, TEXT_NOT_FOUND)


def test_404_text_is_the_captured_one(app, shared_reference: Path):
    responses = shared_reference / "slurm-22.05" / "responses"
    for capture, path in [
        ("GET_nosuch__err_unknown_path.txt", "/nosuch"),
        ("GET_slurm_v0.0.38_nosuch__err_unknown_path.txt", "/slurm/v0.0.38/nosuch"),
    ]:
        assert call(app, "GET", path).body == (responses / capture).read_bytes()


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", PING38, {"GET"}),
        ("PUT", PING38, {"GET"}),
        ("GET", "/slurm/v0.0.38/job/submit", {"POST"}),
        ("PUT", "/slurm/v0.0.38/job/12", {"GET", "POST", "DELETE"}),
        ("PATCH", PING46, {"GET"}),
    ],
)
def test_wrong_method_405_with_allow(app, method, path, allowed):
    response = call(app, method, path)
    text_error(response, 405, TEXT_BAD_METHOD)
    (name, value), *rest = response.headers
    assert name == "Allow" and not rest
    assert set(value.split(", ")) == allowed


def test_405_text_is_the_captured_one(app, shared_reference: Path):
    responses = shared_reference / "slurm-22.05" / "responses"
    for capture, method, path in [
        ("DELETE_slurm_v0.0.38_ping__err_wrong_method.txt", "DELETE", PING38),
        ("GET_slurm_v0.0.38_job_submit__err_wrong_method.txt", "GET", "/slurm/v0.0.38/job/submit"),
    ]:
        assert call(app, method, path).body == (responses / capture).read_bytes()


# --- content negotiation ------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "application/json;q=0"])
@pytest.mark.parametrize("path", [PING38, "/openapi/v3"])
def test_unknown_accept_415(app, accept, path):
    response = call(app, "GET", path, headers=[("Accept", accept)])
    text_error(response, 415, "Accept content type is unknown")


def test_path_is_resolved_before_accept(app):
    # Upstream: authenticate, find the path (404/405), only then negotiate (415).
    bad = [("Accept", "text/html")]
    text_error(call(app, "GET", "/nosuch", headers=bad), 404, TEXT_NOT_FOUND)
    text_error(call(app, "DELETE", PING38, headers=bad), 405, TEXT_BAD_METHOD)
    text_error(call(app, "POST", "/openapi/v3", headers=bad), 405, TEXT_BAD_METHOD)


@pytest.mark.parametrize("accept", ["*/*", "application/json", "", "text/html, */*;q=0.1"])
def test_json_accepts(app, accept):
    response = call(app, "GET", PING38, headers=[("Accept", accept)])
    assert response.status == 200
    assert response.content_type == "application/json"


@pytest.mark.parametrize("path", [PING38, PING46])
@pytest.mark.parametrize("mime", ["application/x-yaml", "text/yaml", "application/yaml"])
def test_yaml_answer_is_the_json_answer(app, path, mime):
    def without_latency(document: dict[str, Any]) -> dict[str, Any]:
        for ping in document["pings"]:
            ping.pop("latency", None)
        return document

    as_yaml = call(app, "GET", path, headers=[("Accept", mime)])
    assert as_yaml.status == 200
    assert as_yaml.content_type == mime
    from_json = without_latency(json.loads(call(app, "GET", path).body))
    assert without_latency(yaml.safe_load(as_yaml.body)) == from_json


# --- ping per version ---------------------------------------------------------------------


@pytest.mark.parametrize("path", [PING38, f"{PING38}/", f"/{PING38}", PING38.replace("/", "//")])
def test_ping_v0038(app, path):
    response = call(app, "GET", path, query="foo=bar")
    assert response.status == 200
    assert not response.close
    document = as_json(response)
    assert list(document) == ["meta", "errors", "pings"]
    meta = document["meta"]
    assert meta["plugin"] == {"type": "openapi/v0.0.38", "name": "Slurm OpenAPI v0.0.38"}
    assert list(meta["Slurm"]) == ["version", "release"]
    assert all(type(v) is int for v in meta["Slurm"]["version"].values())
    assert document["errors"] == []
    assert document["pings"]
    for ping in document["pings"]:
        assert list(ping) == ["hostname", "ping", "status", "mode"]
        assert ping["ping"] == "UP"


def test_ping_v0046(app):
    document = as_json(call(app, "GET", PING46))
    assert list(document) == ["meta", "errors", "warnings", "pings"]
    meta = document["meta"]
    assert list(meta) == ["plugin", "client", "command", "slurm"]
    assert meta["plugin"]["type"] == "openapi/slurmctld"
    assert meta["plugin"]["data_parser"] == "data_parser/v0.0.46"
    assert meta["client"]["source"] == UNIX_PEER.address
    assert meta["client"]["user"] == DAEMON_USER
    assert meta["command"] == []
    assert all(type(v) is str for v in meta["slurm"]["version"].values())
    assert (document["errors"], document["warnings"]) == ([], [])
    units = [u for u in plugins.resolve(None, None) if u.version == "v0.0.46"]
    schemas = openapi.document(units)["components"]["schemas"]
    keys = set(schemas["v0.0.46_controller_ping"]["properties"])
    for ping in document["pings"]:
        assert set(ping) == keys


# --- operations not implemented yet -------------------------------------------------------


@pytest.mark.parametrize(("path", "warnings"), [("/slurm/v0.0.38/ping", False), (PING46, True)])
@pytest.mark.parametrize("accept", [None, "application/x-yaml"])
def test_unimplemented_operation_is_an_envelope_error(monkeypatch, path, warnings, accept):
    # An operation of the document without a handler (here: ping, taken away).
    monkeypatch.delitem(OPERATIONS, ("GET", "/slurm/*/ping"))
    context = AuthContext(os.getuid(), os.getgid(), DAEMON_USER)
    bare = RestApp(
        units=plugins.resolve(None, None),
        auth_plugins=[LocalAuth(context)],
        cluster=EmbeddedCluster(state_dir=Path("/nonexistent")),
    )
    headers = [("Accept", accept)] if accept else []
    response = call(bare, "GET", path, headers=headers)
    assert response.status == 501
    assert response.close
    load = json.loads if accept is None else yaml.safe_load
    document = load(response.body)
    assert ("warnings" in document) is warnings
    (error,) = document["errors"]
    assert error["error_number"] == Errno.NOT_IMPLEMENTED == 9300
    assert error["error"] == "Operation not implemented by this daemon"
    assert path.rstrip("/") in error["description"]
    assert error["source"]


# --- request bodies and queries -----------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("GET", PING38), ("DELETE", "/slurm/v0.0.38/job/1")])
def test_body_on_non_post_2205(app, method, path):
    response = call(app, method, path, headers=JSON_BODY, body=b"{}")
    text_error(response, 400, TEXT_BODY_NOT_POST)


def test_body_and_query_v0046(app):
    response = call(app, "GET", PING46, query="a=1", headers=JSON_BODY, body=b"{}")
    text_error(response, 400, TEXT_BODY_AND_QUERY)


def test_body_on_get_v0046_is_the_query(app):
    response = call(app, "GET", PING46, headers=JSON_BODY, body=b'{"a": 1}')
    assert response.status == 200


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"{bad"),
        ("application/json", b'{"a": 1,}'),
        ("application/x-yaml", b"a: [1"),
        (None, b"a=%ff"),
    ],
)
def test_unparsable_body_400(app, content_type, body):
    headers = [("Content-Type", content_type)] if content_type else []
    response = call(app, "POST", "/slurm/v0.0.38/job/submit", headers=headers, body=body)
    text_error(response, 400, TEXT_BAD_QUERY)


def test_400_text_is_the_captured_one(app, shared_reference: Path):
    capture = "POST_slurm_v0.0.38_job_submit__err_bad_json.txt"
    expected = (shared_reference / "slurm-22.05" / "responses" / capture).read_bytes()
    response = call(app, "POST", "/slurm/v0.0.38/job/submit", headers=JSON_BODY, body=b"{x")
    assert response.body == expected


def test_unparsable_url_query_400(app):
    text_error(call(app, "GET", PING38, query="a=%ff"), 400, TEXT_BAD_QUERY)


@pytest.mark.parametrize("body", [b"42", b"true", b"1.5", b"null"])
def test_scalar_body_400_in_2205_versions(app, body):
    # 22.05 could not parse a bare scalar: exactly its text, no detail.
    response = call(app, "POST", "/slurm/v0.0.38/job/submit", headers=JSON_BODY, body=body)
    text_error(response, 400, TEXT_BAD_QUERY)


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"'])
def test_list_or_string_body_reaches_the_2205_submit(app, body):
    # 22.05 took these as a job without a script: 500 with its own error entry.
    response = call(app, "POST", "/slurm/v0.0.38/job/submit", headers=JSON_BODY, body=body)
    assert (response.status, response.content_type) == (500, "application/json")
    assert json.loads(response.body)["errors"] == [
        {"error_code": 2009, "error": "Job script not specified"}
    ]


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"42"])
def test_non_object_body_400_in_newer_versions(app, body):
    response = call(app, "POST", "/slurm/v0.0.46/job/submit", headers=JSON_BODY, body=body)
    text_error(response, 400)
    assert response.body.decode().startswith(TEXT_BAD_QUERY)


@pytest.mark.parametrize("content_type", ["text/html", "application/xml"])
def test_unknown_content_type_415(app, content_type):
    headers = [("Content-Type", content_type)]
    response = call(app, "POST", "/slurm/v0.0.46/job/submit", headers=headers, body=b"x")
    text_error(response, 415)
    assert content_type in response.body.decode()
    # 22.05 did not negotiate: what it cannot read is a query it cannot parse.
    response = call(app, "POST", "/slurm/v0.0.38/job/submit", headers=headers, body=b"x")
    text_error(response, 400, TEXT_BAD_QUERY)


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ([], b"a=1&b"),  # no Content-Type: url-encoded, as upstream
        (JSON_BODY, b""),  # empty body: nothing to parse
        ([("Content-Type", "application/x-yaml")], b"a: 1"),
    ],
)
def test_parsable_bodies_reach_the_operation(app, headers, body):
    # Reaching job/submit means its own answer in the envelope, not a transport 4xx text.
    response = call(app, "POST", "/slurm/v0.0.38/job/submit", headers=headers, body=body)
    assert response.content_type == "application/json"
    assert json.loads(response.body)["errors"]


def test_unencoded_comma_or_colon_is_refused_by_2205_versions_only(app):
    # As GET_slurmdb_v0.0.38_jobs__err_unparsable_query.txt; newer versions accept it.
    for query in ("state=COMPLETED,FAILED", "start_time=2020-01-01T00:00:00"):
        response = call(app, "GET", "/slurmdb/v0.0.38/jobs", query=query)
        text_error(response, 400, "Unable to parse query.")
    response = call(app, "GET", "/slurmdb/v0.0.38/jobs", query="state=COMPLETED%2CFAILED")
    assert response.status != 400
    response = call(app, "GET", "/slurmdb/v0.0.46/jobs", query="state=COMPLETED,FAILED")
    assert response.content_type == "application/json" and response.status == 200
