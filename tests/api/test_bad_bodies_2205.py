"""Bad and odd bodies on 22.05-era POSTs through the whole app, embedded backend: as 22.05.

The cases and 22.05's answers to them are data (tests/bad_bodies_2205.py and .json,
recorded from the real daemon; tests/slurm/test_differential_bad_bodies.py keeps
them honest). Here no Slurm is needed: each case goes through RestApp over the
embedded backend and must get 22.05's answer, except the deviations named there.
The last tests pin what must not change: 23.11+ versions keep their clear 4xx
answers to the same bodies, and 22.05's url-encoded reader as measured.
"""

from __future__ import annotations

import asyncio
import os
import pwd
from collections.abc import Iterator
from typing import Any

import pytest

from bad_bodies_2205 import CASES, HELD, Case, comparable, deviations, recorded
from slurmrestd.api import plugins
from slurmrestd.api.app import RestApp
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.embedded import EmbeddedCluster
from slurmrestd.http.message import Headers, HttpRequest, PeerInfo, TransportKind
from slurmrestd.model.job_desc import JobDescription

PEER = PeerInfo(TransportKind.TCP, "127.0.0.1:46574")
ME = pwd.getpwuid(os.getuid())
ANSWERS = recorded()


class HeaderAuth:
    """Test boundary: root for X-SLURM-USER-NAME root, else the user running the tests."""

    name = "test/header"

    def authenticate(self, request: HttpRequest, peer: PeerInfo) -> Identity:
        if request.headers.get("X-SLURM-USER-NAME") == "root":
            return Identity("root", 0, 0, self.name)
        return Identity(ME.pw_name, ME.pw_uid, ME.pw_gid, self.name)

    def reload(self, context: object) -> None:
        return None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedCluster]:
    cluster = EmbeddedCluster(state_dir=tmp_path_factory.mktemp("state"))
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def app(cluster: EmbeddedCluster) -> RestApp:
    return RestApp(units=plugins.resolve(None, None), auth_plugins=[HeaderAuth()], cluster=cluster)


@pytest.fixture(scope="module")
def held(cluster: EmbeddedCluster) -> str:
    """A held job the update cases are sent to."""
    identity = Identity(ME.pw_name, ME.pw_uid, ME.pw_gid, "test")
    job = JobDescription(script="#!/bin/sh\ntrue\n", hold=True, environment={"A": "1"})
    return str(cluster.submit_job(identity, [job]).job_id)


def send(
    app: RestApp,
    method: str,
    path: str,
    body: bytes,
    content_type: str | None,
    user: str = "root",
    query: str = "",
) -> list[Any]:
    headers = [("X-SLURM-USER-NAME", user)]
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    request = HttpRequest(method, path, query, "1.1", Headers(headers), body)
    response = asyncio.run(app(request, PEER))
    return comparable(response.status, response.content_type or "", response.body)


def _param(case: Case) -> Any:
    marks = [
        pytest.mark.xfail(strict=True, raises=AssertionError, reason=r) for r in deviations(case)
    ]
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_embedded_answers_as_22_05(app: RestApp, held: str, case: Case) -> None:
    op = case.operation
    path = op.path.replace(HELD, held)
    answer = send(app, op.method, path, case.body, case.content_type, op.user)
    assert answer == ANSWERS[case.id]


def test_every_case_has_a_recorded_answer() -> None:
    assert set(ANSWERS) == {case.id for case in CASES}


# --- 23.11+ versions keep their own answers to the same bodies ------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"[]", "application/json", "Unable to parse query. Expected an object, got list"),
        (b'"x"', "application/json", "Unable to parse query. Expected an object, got str"),
        (b"42", "application/json", "Unable to parse query. Expected an object, got int"),
        (b"- 1\n", "application/x-yaml", "Unable to parse query. Expected an object, got list"),
    ],
)
def test_v0_0_46_refuses_non_objects_naming_them(app, body, content_type, expected):
    answer = send(app, "POST", "/slurmdb/v0.0.46/accounts", body, content_type)
    assert answer == [400, "text/plain", expected]


def test_v0_0_46_refuses_unknown_body_types_with_415(app):
    status, content_type, text = send(app, "POST", "/slurm/v0.0.46/job/submit", b"{}", "text/plain")
    assert (status, content_type) == (415, "text/plain")
    assert "text/plain" in text


def test_v0_0_46_reads_null_as_an_empty_object(app):
    path = "/slurm/v0.0.46/job/submit"
    answer = send(app, "POST", path, b"null", "application/json")
    assert answer == send(app, "POST", path, b"{}", "application/json")
    assert answer[1] == "application/json"  # the operation's own refusal, not the parser's


def test_v0_0_46_tres_are_still_added(app):
    body = b'{"TRES": [{"type": "gres", "name": "h33gpu"}]}'
    status, _, doc = send(app, "POST", "/slurmdb/v0.0.46/tres", body, "application/json")
    assert (status, doc["errors"]) == (200, [])


# --- 22.05's url-encoded reader (URL queries and bodies), as measured ----------------

URLENCODED_REFUSED = [
    "a=1!", "a=1*", "a=1(", "a=1$", "a=1@", "a=1/", "a=1'", "a=1=2", "a=1?", "a[b]=1", "=1",
    "a=%zz", "a=%", "a=1|", "a=1^", "a=1}", "a=1\\", "a=1<", "a=1%00", "a=b:c", "a=b,c",
]  # fmt: skip
URLENCODED_READ = [
    "a=1;", "a=1~", "a=1+", "a=%31", "a-b_c.d=1", "a=1&&b=2", "a==1", "a&", "&", "a=1%7C",
    "a=1;b=2", "a=%C3%A9",
]  # fmt: skip


@pytest.mark.parametrize("query", URLENCODED_REFUSED)
def test_2205_url_encoded_refusals(app, query):
    refused = [400, "text/plain", "Unable to parse query."]
    assert send(app, "GET", "/slurm/v0.0.38/ping", b"", None, query=query) == refused
    answer = send(app, "POST", "/slurmdb/v0.0.38/users", query.encode(), None)
    assert answer == refused


@pytest.mark.parametrize("query", URLENCODED_READ)
def test_2205_url_encoded_values_read(app, query):
    assert send(app, "GET", "/slurm/v0.0.38/ping", b"", None, query=query)[0] == 200
    status, content_type, _ = send(app, "POST", "/slurmdb/v0.0.38/users", query.encode(), None)
    assert (status, content_type) == (400, "application/json")  # no "users" list in it


@pytest.mark.parametrize("query", ["a=1!", "a=b:c", "a=1="])
def test_url_encoded_refusals_are_2205_only(app, query):
    assert send(app, "GET", "/slurm/v0.0.46/ping", b"", None, query=query)[0] == 200
