"""The rest_auth chain: plugin names, loading, and the order/skip/reject rules."""

from __future__ import annotations

import pytest

import slurmrestd.auth as auth
from slurmrestd.auth import (
    AUTH_PLUGINS,
    AuthContext,
    AuthRejected,
    Identity,
    UnknownAuthPlugin,
    authenticate_request,
    load_plugin,
    plugin_names,
)
from slurmrestd.auth.jwt import JwtAuth
from slurmrestd.auth.local import LocalAuth
from slurmrestd.http.message import Headers, HttpRequest, PeerInfo, TransportKind

CONTEXT = AuthContext(daemon_uid=4242, daemon_gid=4343, daemon_user="restd-test")
REQUEST = HttpRequest("GET", "/slurm/v0.0.38/ping", "", "1.1", Headers())
PEER = PeerInfo(TransportKind.TCP, "192.0.2.1:1")


def test_registry_names():
    assert list(AUTH_PLUGINS) == ["rest_auth/local", "rest_auth/jwt"]


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (["local"], ["rest_auth/local"]),
        (["rest_auth/local"], ["rest_auth/local"]),
        (["jwt", "local"], ["rest_auth/jwt", "rest_auth/local"]),
        (["local", "rest_auth/jwt"], ["rest_auth/local", "rest_auth/jwt"]),
        ([" jwt ", "local"], ["rest_auth/jwt", "rest_auth/local"]),
        # duplicates collapse, first position kept
        (["local", "rest_auth/local", "jwt", "local"], ["rest_auth/local", "rest_auth/jwt"]),
        # blank entries (as from "-a local,,jwt") are skipped
        (["local", "", " ", "jwt"], ["rest_auth/local", "rest_auth/jwt"]),
    ],
)
def test_plugin_names(requested, expected):
    assert plugin_names(requested) == expected


@pytest.mark.parametrize("name", ["munge", "rest_auth/munge", "LOCAL", "auth/jwt", "list"])
def test_unknown_plugin_is_named_with_valid_ones(name):
    with pytest.raises(UnknownAuthPlugin) as info:
        plugin_names(["local", name])
    message = str(info.value)
    assert repr(name) in message
    for valid in AUTH_PLUGINS:
        assert valid in message


@pytest.mark.parametrize("requested", [[], [""], ["  ", ""]])
def test_empty_selection_is_an_error(requested):
    with pytest.raises(UnknownAuthPlugin):
        plugin_names(requested)


def test_load_local():
    plugin = load_plugin("rest_auth/local", CONTEXT)
    assert isinstance(plugin, LocalAuth)
    assert plugin.name == "rest_auth/local"


def test_load_jwt_type():
    # Constructing JwtAuth reads keys; only the registry entry is checked here.
    module, _, attr = AUTH_PLUGINS["rest_auth/jwt"].partition(":")
    assert (module, attr) == (JwtAuth.__module__, JwtAuth.__name__)


def test_every_registered_plugin_resolves():
    for name, target in AUTH_PLUGINS.items():
        module, _, attr = target.partition(":")
        cls = getattr(__import__(module, fromlist=[attr]), attr)
        assert cls.name == name


class Incomplete:
    """A plugin without reload(): refused at load time."""

    name = "rest_auth/incomplete"

    def __init__(self, context: AuthContext) -> None:
        self.context = context

    def authenticate(self, request: HttpRequest, peer: PeerInfo) -> Identity | None:
        return None


def test_incomplete_plugin_is_refused(monkeypatch):
    monkeypatch.setitem(auth.AUTH_PLUGINS, "rest_auth/incomplete", f"{__name__}:Incomplete")
    with pytest.raises(TypeError, match="reload"):
        load_plugin("rest_auth/incomplete", CONTEXT)


def test_load_unknown_name_fails():
    with pytest.raises(KeyError):
        load_plugin("rest_auth/munge", CONTEXT)


# --- the chain ----------------------------------------------------------------------------


class Scripted:
    """A plugin that answers as told and records that it was asked."""

    def __init__(self, label: str, answer: Identity | AuthRejected | None, log: list[str]):
        self.name = f"rest_auth/{label}"
        self._answer = answer
        self._log = log

    def authenticate(self, request: HttpRequest, peer: PeerInfo) -> Identity | None:
        self._log.append(self.name)
        if isinstance(self._answer, AuthRejected):
            raise self._answer
        return self._answer

    def reload(self, context: AuthContext) -> None:
        return None


ALICE = Identity("alice", 1001, 1001, "rest_auth/a")
BOB = Identity("bob", 1002, 1002, "rest_auth/b")
SKIP = None
REJECT = AuthRejected("bad token")


@pytest.mark.parametrize(
    ("answers", "expected", "asked"),
    [
        ([ALICE], ALICE, 1),
        ([ALICE, BOB], ALICE, 1),
        ([SKIP, BOB], BOB, 2),
        ([SKIP, SKIP, ALICE], ALICE, 3),
        # a rejection stops the chain: the later plugin that would accept is never asked
        ([REJECT, ALICE], REJECT, 1),
        ([SKIP, REJECT, ALICE], REJECT, 2),
        ([ALICE, REJECT], ALICE, 1),
        # none applies
        ([SKIP], None, 1),
        ([SKIP, SKIP], None, 2),
        ([], None, 0),
    ],
)
def test_chain_order(answers, expected, asked):
    log: list[str] = []
    plugins = [Scripted(chr(ord("a") + i), a, log) for i, a in enumerate(answers)]
    if isinstance(expected, Identity):
        assert authenticate_request(plugins, REQUEST, PEER) is expected
    else:
        with pytest.raises(AuthRejected) as info:
            authenticate_request(plugins, REQUEST, PEER)
        if expected is REJECT:
            assert info.value is REJECT
        else:
            assert "no authentication plugin applies" in info.value.reason
    assert log == [p.name for p in plugins[:asked]]
