"""Content negotiation, routing and request-body parsing against the real daemon."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import yaml

from e2e import harness

PING = "/slurm/v0.0.38/ping"
# No POST operation is implemented yet: a parsable body reaches the operation and
# comes back as the version's envelope; an unparsable one stops at 400 text/plain.
SUBMIT46 = "/slurm/v0.0.46/job/submit"
SUBMIT = "/slurm/v0.0.38/job/submit"
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


@dataclass
class Served:
    daemon: harness.Daemon
    cluster: harness.Cluster
    port: int

    def call(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> Answer:
        all_headers = dict(headers or {})
        if auth:
            all_headers["X-SLURM-USER-TOKEN"] = self.cluster.token("root")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            status, got, data = harness.request(conn, method, path, body=body, headers=all_headers)
        finally:
            conn.close()
        return Answer(status, got, data)


@pytest.fixture(scope="module")
def served(daemon_user) -> Iterator[Served]:
    rundir = harness.make_rundir(daemon_user)
    try:
        cluster = harness.write_cluster(rundir, daemon_user)
        args = [*harness.privilege_args(daemon_user), "-f", str(cluster.conf), "127.0.0.1:0"]
        with harness.daemon_running(args) as daemon:
            yield Served(daemon, cluster, daemon.tcp_port())
        assert daemon.proc.returncode == 0, daemon.stderr
    finally:
        harness.remove_tree(rundir)


# ---------------------------------------------------------------- negotiation


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/html, */*"])
def test_json_by_default(served, accept):
    answer = served.call("GET", PING, headers={"Accept": accept} if accept else None)
    assert answer.status == 200, answer.body
    assert answer.content_type == "application/json"
    document = json.loads(answer.body)
    assert document["pings"] and document["errors"] == []


@pytest.mark.parametrize("accept", ["application/x-yaml", "application/yaml", "text/yaml"])
def test_yaml_when_asked(served, accept):
    as_json = json.loads(served.call("GET", PING).body)
    answer = served.call("GET", PING, headers={"Accept": accept})
    assert answer.status == 200, answer.body
    assert answer.content_type == accept
    assert yaml.safe_load(answer.body) == as_json


def test_first_servable_accept_entry_wins(served):
    answer = served.call("GET", PING, headers={"Accept": "text/html, application/x-yaml;q=0.5"})
    assert answer.status == 200
    assert answer.content_type == "application/x-yaml"
    assert "pings" in yaml.safe_load(answer.body)


@pytest.mark.parametrize(
    "accept", ["text/html", "application/xml", "image/*", "application/json;q=0"]
)
def test_unknown_accept_is_415(served, accept):
    answer = served.call("GET", PING, headers={"Accept": accept})
    assert answer.status == 415, answer.body
    assert answer.content_type == "text/plain"
    assert answer.body


def test_openapi_paths_give_the_same_document(served):
    answers = {
        path: served.call("GET", path)
        for path in ("/openapi", "/openapi.json", "/openapi.yaml", "/openapi/v3")
    }
    for path, answer in answers.items():
        assert answer.status == 200, (path, answer.body[:200])
        # The suffix does not choose the format (as upstream): JSON unless Accept says so.
        assert answer.content_type == "application/json", path
    bodies = {answer.body for answer in answers.values()}
    assert len(bodies) == 1
    document = json.loads(bodies.pop())
    assert document["openapi"].startswith("3.")
    assert any(p.rstrip("/") == PING for p in document["paths"])


def test_openapi_document_as_yaml(served):
    as_json = json.loads(served.call("GET", "/openapi/v3").body)
    answer = served.call("GET", "/openapi/v3", headers={"Accept": "application/x-yaml"})
    assert answer.status == 200
    assert answer.content_type == "application/x-yaml"
    assert yaml.load(answer.body, Loader=YAML_LOADER) == as_json


# -------------------------------------------------------------------- routing


@pytest.mark.parametrize(
    "path",
    [
        PING,
        PING + "/",
        "//slurm//v0.0.38/ping",
        "//slurm//v0.0.38//ping//",
        PING + "?foo=bar",
        PING + "/?foo=bar&baz",
        "/slurm/v0.0.38/%70ing",
        "/slurm/v0.0.46/ping",
    ],
)
def test_ping_path_variants(served, path):
    answer = served.call("GET", path)
    assert answer.status == 200, (path, answer.body[:200])
    assert "pings" in json.loads(answer.body)


@pytest.mark.parametrize(
    "path", ["/", "/nope", "/slurm/v0.0.38", "/slurm/v9.9.9/ping", "/slurm/v0.0.38/ping/extra"]
)
def test_unknown_path_is_404_text(served, path):
    answer = served.call("GET", path)
    assert answer.status == 404, answer.body
    assert answer.content_type == "text/plain"
    assert b"/openapi/v3" in answer.body  # points the client at the reference
    assert answer.headers.get("connection", "").lower() == "close"


@pytest.mark.parametrize("method", ["DELETE", "POST", "PUT"])
def test_wrong_method_is_405_text(served, method):
    body = b"{}" if method in ("POST", "PUT") else None
    headers = {"Content-Type": "application/json"} if body else None
    answer = served.call(method, PING, body=body, headers=headers)
    assert answer.status == 405, answer.body
    assert answer.content_type == "text/plain"
    assert b"/openapi/v3" in answer.body
    assert "GET" in answer.headers.get("allow", "")


@pytest.mark.parametrize("path", ["/healthz", "/livez", "/readyz", "/healthz/"])
def test_health_probes_need_no_auth(served, path):
    answer = served.call("GET", path, auth=False)
    assert answer.status == 204, answer.body
    assert answer.body == b""


def test_api_paths_need_auth(served):
    for path in (PING, "/openapi/v3"):
        answer = served.call("GET", path, auth=False)
        assert answer.status == 401, (path, answer.body)
        assert answer.body.startswith(b"Authentication failure")


# --------------------------------------------------------------- request bodies


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"script": "#!/bin/sh\\ntrue", "job": {"name": "x"}}'),
        ("application/jsonrequest", b'{"a": 1}'),
        ("application/x-yaml", b"script: |\n  #!/bin/sh\njob:\n  name: x\n"),
        ("application/yaml", b"a: 1\n"),
        ("text/yaml", b"a: [1, 2]\n"),
        ("application/x-www-form-urlencoded", b"a=1&b=two&c"),
        (None, b"a=1&b=2"),  # no Content-Type: url-encoded, as upstream
        ("application/json; charset=utf-8", b'{"a": "\xc3\xa9"}'),
    ],
)
def test_parsable_body_reaches_the_operation(served, content_type, body):
    headers = {"Content-Type": content_type} if content_type else {}
    answer = served.call("POST", SUBMIT, body=body, headers=headers)
    assert answer.content_type == "application/json", (answer.status, answer.body[:200])
    envelope = json.loads(answer.body)
    assert envelope["meta"]["plugin"]["type"] == "openapi/v0.0.38"
    assert "errors" in envelope


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"{x"),
        ("application/json", b'{"a": 1'),
        ("application/x-yaml", b"a: ["),
        ("text/yaml", b"a: b: c"),
        ("application/x-www-form-urlencoded", b"\xff=1"),
    ],
)
def test_unparsable_body_is_400(served, content_type, body):
    answer = served.call("POST", SUBMIT, body=body, headers={"Content-Type": content_type})
    assert answer.status == 400, answer.body
    assert answer.content_type == "text/plain"
    assert answer.body.startswith(b"Unable to parse query.")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"[1, 2]"),
        ("application/x-yaml", b"- 1\n- 2\n"),
        ("application/json", b'"text"'),
    ],
)
def test_list_or_string_body(served, content_type, body):
    headers = {"Content-Type": content_type}
    # 22.05 read these as a job without a script; newer versions want an object.
    answer = served.call("POST", SUBMIT, body=body, headers=headers)
    assert (answer.status, answer.content_type) == (500, "application/json"), answer.body
    assert json.loads(answer.body)["errors"][0]["error_code"] == 2009
    answer = served.call("POST", SUBMIT46, body=body, headers=headers)
    assert (answer.status, answer.content_type) == (400, "text/plain"), answer.body
    assert answer.body.startswith(b"Unable to parse query.")


def test_body_of_unknown_type_is_415(served):
    headers = {"Content-Type": "application/xml"}
    answer = served.call("POST", SUBMIT46, body=b"<job/>", headers=headers)
    assert answer.status == 415, answer.body
    assert answer.content_type == "text/plain"
    # 22.05 did not negotiate the body's type: it could not parse it.
    answer = served.call("POST", SUBMIT, body=b"<job/>", headers=headers)
    assert (answer.status, answer.body) == (400, b"Unable to parse query.")


def test_body_and_query_together_is_400(served):
    answer = served.call(
        "POST", SUBMIT + "?a=1", body=b'{"a": 1}', headers={"Content-Type": "application/json"}
    )
    assert answer.status == 400, answer.body
    assert answer.content_type == "text/plain"


def test_body_on_get_is_400_for_v0038(served):
    answer = served.call(
        "GET", PING, body=b'{"a": 1}', headers={"Content-Type": "application/json"}
    )
    assert answer.status == 400, answer.body
    assert b"non-POST" in answer.body


def test_envelope_follows_accept_for_post(served):
    answer = served.call(
        "POST",
        SUBMIT,
        body=b'{"a": 1}',
        headers={"Content-Type": "application/json", "Accept": "text/yaml"},
    )
    assert answer.content_type == "text/yaml"
    assert yaml.safe_load(answer.body)["meta"]["plugin"]["type"] == "openapi/v0.0.38"
