"""rest_auth/local: peer credentials over UNIX sockets, file ownership over pipes."""

from __future__ import annotations

import pwd
import stat

import pytest

from slurmrestd.auth.base import AuthContext, AuthPlugin, AuthRejected, Identity
from slurmrestd.auth.local import NAME, USER_HEADER, LocalAuth
from slurmrestd.http.message import (
    FileOwnership,
    Headers,
    HttpRequest,
    PeerCredentials,
    PeerInfo,
    TransportKind,
)

# The daemon's identity is made up: no need to be root or that user to test the rules.
DAEMON_UID, DAEMON_GID, DAEMON_USER = 4242, 4343, "restd-test"
CONTEXT = AuthContext(daemon_uid=DAEMON_UID, daemon_gid=DAEMON_GID, daemon_user=DAEMON_USER)
DAEMON = Identity(DAEMON_USER, DAEMON_UID, DAEMON_GID, NAME)
OTHER = next(u for u in pwd.getpwall() if u.pw_uid not in (0, DAEMON_UID))
UNKNOWN = "no-such-user-x9"
assert UNKNOWN not in {u.pw_name for u in pwd.getpwall()}


def request(user: str | None = None) -> HttpRequest:
    headers = [(USER_HEADER, user)] if user is not None else []
    return HttpRequest("GET", "/slurm/v0.0.38/ping", "", "1.1", Headers(headers))


def unix(uid: int, gid: int = 100, pid: int = 1234) -> PeerInfo:
    return PeerInfo(TransportKind.UNIX, "[unix]", PeerCredentials(pid, uid, gid))


def pipe(*files: tuple[int, int]) -> PeerInfo:
    """A PIPE peer whose stdin/stdout are owned by (uid, mode) pairs."""
    owners = tuple(FileOwnership(uid, DAEMON_GID, stat.S_IFIFO | mode) for uid, mode in files)
    return PeerInfo(TransportKind.PIPE, "[pipe]", files=owners)


@pytest.fixture
def plugin() -> LocalAuth:
    return LocalAuth(CONTEXT)


def test_is_an_auth_plugin(plugin):
    assert isinstance(plugin, AuthPlugin)
    assert plugin.name == "rest_auth/local"


@pytest.mark.parametrize("user", [None, DAEMON_USER, "root"])
def test_tcp_is_not_applicable(plugin, user):
    assert plugin.authenticate(request(user), PeerInfo(TransportKind.TCP, "1.2.3.4:5")) is None


# --- UNIX sockets -------------------------------------------------------------------------


def test_same_uid_is_the_daemon(plugin):
    assert plugin.authenticate(request(), unix(DAEMON_UID, DAEMON_GID)) == DAEMON


def test_same_uid_naming_itself(plugin):
    assert plugin.authenticate(request(DAEMON_USER), unix(DAEMON_UID)) == DAEMON


def test_same_uid_naming_another_user_is_rejected(plugin):
    with pytest.raises(AuthRejected):
        plugin.authenticate(request(OTHER.pw_name), unix(DAEMON_UID))


def test_root_without_header_is_the_daemon(plugin):
    assert plugin.authenticate(request(), unix(0, 0)) == DAEMON
    assert plugin.authenticate(request(""), unix(0, 0)) == DAEMON


def test_root_naming_a_user_becomes_that_user(plugin):
    identity = plugin.authenticate(request(OTHER.pw_name), unix(0, 0))
    assert identity == Identity(OTHER.pw_name, OTHER.pw_uid, OTHER.pw_gid, NAME)
    assert identity.token is None


def test_root_naming_the_daemon_user(plugin):
    # The daemon's user need not exist in passwd; naming it is the default identity.
    assert plugin.authenticate(request(DAEMON_USER), unix(0, 0)) == DAEMON


def test_root_naming_an_unknown_user_is_rejected(plugin):
    with pytest.raises(AuthRejected) as info:
        plugin.authenticate(request(UNKNOWN), unix(0, 0))
    assert UNKNOWN in info.value.reason


@pytest.mark.parametrize("uid", [OTHER.pw_uid, DAEMON_UID + 1, 1])
def test_other_uid_is_rejected(plugin, uid):
    with pytest.raises(AuthRejected):
        plugin.authenticate(request(), unix(uid))


@pytest.mark.parametrize(
    "peer",
    [
        unix(-1),
        unix(DAEMON_UID, gid=-1),
        unix(DAEMON_UID, pid=0),
        unix(0, pid=0),
        PeerInfo(TransportKind.UNIX, "[unix]", None),
    ],
    ids=["uid-1", "gid-1", "pid0", "root-pid0", "no-credentials"],
)
def test_bad_credentials_are_rejected(plugin, peer):
    with pytest.raises(AuthRejected):
        plugin.authenticate(request(), peer)


# --- pipes (inetd mode) -------------------------------------------------------------------


@pytest.mark.parametrize(
    "files",
    [
        [(DAEMON_UID, 0o600)],
        [(DAEMON_UID, 0o600), (DAEMON_UID, 0o660)],
        [(DAEMON_UID, 0o700), (DAEMON_UID, 0o000)],
    ],
)
def test_pipe_owned_by_daemon_is_accepted(plugin, files):
    assert plugin.authenticate(request(), pipe(*files)) == DAEMON


@pytest.mark.parametrize(
    "files",
    [
        [(DAEMON_UID, 0o604)],  # other may read
        [(DAEMON_UID, 0o602)],
        [(DAEMON_UID, 0o601)],
        [(DAEMON_UID, 0o600), (DAEMON_UID, 0o606)],  # the second file gives it away
        [(DAEMON_UID, stat.S_ISUID | 0o600)],
        [(DAEMON_UID, stat.S_ISGID | 0o600)],
        [(OTHER.pw_uid, 0o600)],
        [(0, 0o600)],
        [(DAEMON_UID, 0o600), (OTHER.pw_uid, 0o600)],
        [],  # nothing to judge by
    ],
)
def test_pipe_rejections(plugin, files):
    with pytest.raises(AuthRejected):
        plugin.authenticate(request(), pipe(*files))


def test_pipe_ignores_the_user_header(plugin):
    # Only the ownership decides; a header cannot switch users over a pipe.
    assert plugin.authenticate(request(OTHER.pw_name), pipe((DAEMON_UID, 0o600))) == DAEMON


def test_reload_replaces_the_context(plugin):
    plugin.reload(AuthContext(daemon_uid=7, daemon_gid=8, daemon_user="seven"))
    assert plugin.authenticate(request(), unix(7)) == Identity("seven", 7, 8, NAME)
    with pytest.raises(AuthRejected):
        plugin.authenticate(request(), unix(DAEMON_UID))
