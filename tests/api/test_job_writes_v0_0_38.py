"""v0.0.38 job update and signal answers through the whole app, as the real 22.05 gave them.

Compared with the C slurmrestd on the testbed (tests/slurm/test_differential_v0_0_38.py):
update errors name the client by host name, an update body that does not parse is
still a 200, and an unknown signal is "invalid signal: <n>". Newer versions keep
their own answers.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from slurmrestd.api import plugins
from slurmrestd.api.app import RestApp
from slurmrestd.api.operations import jobs
from slurmrestd.api.peer_name import PeerNames
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.http.message import Headers, HttpRequest, PeerInfo
from slurmrestd.http.message import TransportKind as Kind
from slurmrestd.model.controller import SlurmVersion

TCP_PEER = PeerInfo(Kind.TCP, "127.0.0.1:46574")


class AnyUser:
    """Test boundary: every request is alice's."""

    name = "test/any"

    def authenticate(self, request: HttpRequest, peer: PeerInfo) -> Identity:
        return Identity("alice", 1000, 1000, self.name)

    def reload(self, context: object) -> None:
        return None


class Controller:
    """Test boundary: records job writes, refuses them with `refusal` if set."""

    name = "testbed"
    version = SlurmVersion(22, 5, 8)

    def __init__(self, refusal: SlurmError | None = None) -> None:
        self.refusal = refusal
        self.seen: list[tuple[str, Any]] = []

    def _write(self, what: str, detail: Any) -> None:
        self.seen.append((what, detail))
        if self.refusal is not None:
            raise self.refusal

    def update_job(self, identity: Identity, job_id: str, changes: Any) -> None:
        self._write("update", job_id)

    def signal_job(self, identity: Identity, job_id: str, signal: int, flags: Any) -> None:
        self._write("signal", signal)


class NameService:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, host: str) -> str:
        self.asked.append(host)
        return {"127.0.0.1": "client.example"}.get(host, host)


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> NameService:
    service = NameService()
    monkeypatch.setattr(jobs, "PEER_NAMES", PeerNames(service))
    return service


UNITS = [u for u in plugins.resolve(None, None) if u.version in ("v0.0.38", "v0.0.46")]


def ask(
    controller: Controller, method: str, path: str, query: str = "", body: Any = None
) -> tuple[int, dict[str, Any]]:
    app = RestApp(units=UNITS, auth_plugins=[AnyUser()], cluster=controller)  # type: ignore[arg-type]
    data = b"" if body is None else json.dumps(body).encode()
    headers = Headers([("Content-Type", "application/json")] if data else [])
    request = HttpRequest(method, path, query, "1.1", headers, data)
    response = asyncio.run(app(request, TCP_PEER))
    return response.status, json.loads(response.body)


def test_a_refused_update_names_the_client_by_host_name(names):
    controller = Controller(SlurmError(Errno.USER_ID_MISSING, "", "job_update"))
    status, body = ask(controller, "POST", "/slurm/v0.0.38/job/25", body={"comment": "x"})
    assert status == 500
    assert body["errors"] == [
        {
            "description": "job update from [client.example]:46574 failed",
            "error_number": 2010,
            "error": "Invalid user id",
            "source": "_parse_job_list",
        }
    ]
    assert controller.seen == [("update", "25")]


def test_the_client_name_is_looked_up_once(names):
    controller = Controller(SlurmError(Errno.INVALID_JOB_ID, "", "job_update"))
    for _ in range(3):
        ask(controller, "POST", "/slurm/v0.0.38/job/999", body={"comment": "x"})
    assert names.asked == ["127.0.0.1"]


@pytest.mark.parametrize(
    ("update", "own_entries"),
    [({"time_limit": "soon"}, 2), ({"no_such_field": 1}, 1), ({"begin_time": 1900000000}, 2)],
)
def test_an_unparsable_update_is_a_200_naming_the_client(names, update, own_entries):
    controller = Controller()
    status, body = ask(controller, "POST", "/slurm/v0.0.38/job/25", body=update)
    assert status == 200
    assert len(body["errors"]) == own_entries + 1
    assert body["errors"][-1] == {
        "description": "job parsing failed for [client.example]:46574",
        "error_number": 9001,
        "error": "Failure during parsing",
        "source": "_parse_job_list",
    }
    assert controller.seen == []  # nothing was sent to the controller


def test_newer_versions_still_refuse_an_unparsable_update(names):
    status, _ = ask(Controller(), "POST", "/slurm/v0.0.46/job/25", body={"time_limit": "soon"})
    assert status >= 400
    assert names.asked == []


def test_an_update_that_went_through_is_an_empty_200(names):
    controller = Controller()
    status, body = ask(controller, "POST", "/slurm/v0.0.38/job/25", body={"comment": "x"})
    assert (status, body["errors"], controller.seen) == (200, [], [("update", "25")])
    assert set(body) == {"meta", "errors"}


@pytest.mark.parametrize(("query", "number"), [("signal=SIGFOO", 0), ("signal=64", 64)])
def test_an_unknown_signal_is_refused_with_22_05_words(query, number):
    controller = Controller()
    status, body = ask(controller, "DELETE", "/slurm/v0.0.38/job/25", query)
    assert status == 400
    assert body["errors"] == [
        {
            "description": f"invalid signal: {number}",
            "error_number": 9000,
            "error": "Query empty or not RFC7320 compliant",
            "source": "HTTP request: signal",
        }
    ]
    assert controller.seen == []


def test_a_22_05_signal_name_is_sent():
    controller = Controller()
    status, _ = ask(controller, "DELETE", "/slurm/v0.0.38/job/25", "signal=usr1")
    assert (status, controller.seen) == (200, [("signal", 10)])


def test_newer_versions_keep_their_signal_words():
    status, body = ask(Controller(), "DELETE", "/slurm/v0.0.46/job/25", "signal=SIGFOO")
    assert status >= 400
    error = body["errors"][0]
    assert (error["description"], error["source"]) == ("signal: unknown signal 'SIGFOO'", "signal")
