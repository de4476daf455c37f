"""Tests for the rest_auth/jwt plugin: headers, proxying, users, reload."""

from __future__ import annotations

import os
import pwd
import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from slurmrestd.auth.base import AuthContext, AuthPlugin, AuthRejected, Identity
from slurmrestd.auth.jwt import JwtAuth
from slurmrestd.auth.tokens import KeyConfigError, TokenValidator
from slurmrestd.http.message import Headers, HttpRequest, PeerInfo, TransportKind

NOW = 1_700_000_000
PEER = PeerInfo(kind=TransportKind.TCP, address="192.0.2.1:4242")
UNKNOWN = "no-such-user-x9"


def _other_users() -> list[pwd.struct_passwd]:
    users = [u for u in pwd.getpwall() if u.pw_uid != 0]
    users.sort(key=lambda u: (u.pw_name not in ("nobody", "daemon"), u.pw_uid))
    return users


USER, SLURM_USER = _other_users()[:2]  # e.g. nobody and daemon
assert UNKNOWN not in {u.pw_name for u in pwd.getpwall()}


def request(*headers: tuple[str, str]) -> HttpRequest:
    return HttpRequest(
        method="GET", path="/slurm/v0.0.38/ping", query="", http_version="1.1",
        headers=Headers(headers),
    )  # fmt: skip


def write_key(path: Path, secret: bytes) -> str:
    path.write_bytes(secret)
    os.chmod(path, 0o600)
    return str(path)


@pytest.fixture
def secret() -> bytes:
    return os.urandom(32)


@pytest.fixture
def key_path(tmp_path: Path, secret: bytes) -> str:
    return write_key(tmp_path / "jwt_hs256.key", secret)


@pytest.fixture
def context(key_path: str) -> AuthContext:
    return AuthContext(
        daemon_uid=os.getuid(),
        daemon_gid=os.getgid(),
        daemon_user="slurmrestd",
        slurm_user=SLURM_USER.pw_name,
        auth_alt_parameters=f"jwt_key={key_path},disable_token_creation",
    )


@pytest.fixture
def plugin(context: AuthContext, key_path: str) -> JwtAuth:
    validator = TokenValidator(hs256_key_path=key_path, clock=lambda: NOW)
    return JwtAuth(context, validator)


@pytest.fixture
def token_for(secret: bytes) -> Any:
    def make(user: str, exp: int = NOW + 600, key: bytes | None = None) -> str:
        return jwt.encode({"sun": user, "iat": NOW, "exp": exp}, key or secret)

    return make


def rejected(plugin: JwtAuth, *headers: tuple[str, str]) -> str:
    with pytest.raises(AuthRejected) as err:
        plugin.authenticate(request(*headers), PEER)
    return err.value.reason


def identity_of(user: pwd.struct_passwd, token: str) -> Identity:
    return Identity(user.pw_name, user.pw_uid, user.pw_gid, "rest_auth/jwt", token)


def test_is_an_auth_plugin(plugin: JwtAuth) -> None:
    assert isinstance(plugin, AuthPlugin)
    assert plugin.name == "rest_auth/jwt"


@pytest.mark.parametrize(
    "headers",
    [
        (),
        (("X-SLURM-USER-NAME", "root"),),
        (("Authorization", "Basic cm9vdDpyb290"),),
        (("Authorization", "Basic cm9vdDpyb290"), ("X-SLURM-USER-NAME", "root")),
    ],
)
def test_skip_without_a_token(plugin: JwtAuth, headers: tuple) -> None:
    assert plugin.authenticate(request(*headers), PEER) is None


def test_token_header(plugin: JwtAuth, token_for: Any) -> None:
    token = token_for(USER.pw_name)
    got = plugin.authenticate(request(("X-SLURM-USER-TOKEN", token)), PEER)
    assert got == identity_of(USER, token)


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_bearer(plugin: JwtAuth, token_for: Any, scheme: str) -> None:
    token = token_for(USER.pw_name)
    got = plugin.authenticate(request(("Authorization", f"{scheme} {token}")), PEER)
    assert got == identity_of(USER, token)


def test_token_header_with_another_authorization_scheme(plugin: JwtAuth, token_for: Any) -> None:
    token = token_for(USER.pw_name)
    headers = (("Authorization", "Basic cm9vdDpyb290"), ("X-SLURM-USER-TOKEN", token))
    assert plugin.authenticate(request(*headers), PEER) == identity_of(USER, token)


def test_token_header_and_bearer_are_exclusive(plugin: JwtAuth, token_for: Any) -> None:
    token = token_for(USER.pw_name)
    reason = rejected(plugin, ("X-SLURM-USER-TOKEN", token), ("Authorization", f"Bearer {token}"))
    assert reason == "X-SLURM-USER-TOKEN and Authorization: Bearer are mutually exclusive"


def test_more_than_one_token(plugin: JwtAuth, token_for: Any) -> None:
    token = token_for(USER.pw_name)
    headers = (("X-SLURM-USER-TOKEN", token), ("X-SLURM-USER-TOKEN", token_for("root")))
    assert rejected(plugin, *headers) == "more than one token given"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ((("X-SLURM-USER-TOKEN", ""),), "malformed token"),
        ((("Authorization", "Bearer"),), "malformed token"),
        ((("X-SLURM-USER-TOKEN", "not-a-token"),), "malformed token"),
    ],
)
def test_empty_or_garbage_token_rejected(plugin: JwtAuth, headers: tuple, reason: str) -> None:
    # A client that tried token auth gets 401, never a fall-through to rest_auth/local.
    assert rejected(plugin, *headers) == reason


def test_invalid_tokens_rejected_with_reason(plugin: JwtAuth, token_for: Any) -> None:
    expired = token_for(USER.pw_name, exp=NOW - 1)
    assert rejected(plugin, ("X-SLURM-USER-TOKEN", expired)) == "token expired"
    forged = token_for("root", key=os.urandom(32))
    assert rejected(plugin, ("Authorization", f"Bearer {forged}")) == "invalid token signature"


def test_name_header_equal_to_token_user(plugin: JwtAuth, token_for: Any) -> None:
    token = token_for(USER.pw_name)
    headers = (("X-SLURM-USER-NAME", USER.pw_name), ("X-SLURM-USER-TOKEN", token))
    assert plugin.authenticate(request(*headers), PEER) == identity_of(USER, token)


def test_name_header_different_rejected_for_normal_user(plugin: JwtAuth, token_for: Any) -> None:
    token = token_for(USER.pw_name)
    reason = rejected(plugin, ("X-SLURM-USER-NAME", "root"), ("X-SLURM-USER-TOKEN", token))
    assert reason == f"token for user {USER.pw_name} cannot act as user root"


@pytest.mark.parametrize("proxy", ["root", SLURM_USER.pw_name])
def test_root_and_slurm_user_may_proxy(plugin: JwtAuth, token_for: Any, proxy: str) -> None:
    token = token_for(proxy)
    headers = (("X-SLURM-USER-NAME", USER.pw_name), ("Authorization", f"Bearer {token}"))
    assert plugin.authenticate(request(*headers), PEER) == identity_of(USER, token)


def test_no_proxying_without_slurm_user(key_path: str, token_for: Any) -> None:
    context = AuthContext(0, 0, "root", slurm_user=None)
    plugin = JwtAuth(context, TokenValidator(hs256_key_path=key_path, clock=lambda: NOW))
    token = token_for(SLURM_USER.pw_name)
    reason = rejected(plugin, ("X-SLURM-USER-NAME", USER.pw_name), ("X-SLURM-USER-TOKEN", token))
    assert reason == f"token for user {SLURM_USER.pw_name} cannot act as user {USER.pw_name}"


def test_unknown_users_rejected(plugin: JwtAuth, token_for: Any) -> None:
    reason = rejected(plugin, ("X-SLURM-USER-TOKEN", token_for(UNKNOWN)))
    assert reason == f"unknown user name {UNKNOWN}"
    headers = (("X-SLURM-USER-NAME", UNKNOWN), ("X-SLURM-USER-TOKEN", token_for("root")))
    assert rejected(plugin, *headers) == f"unknown user name {UNKNOWN}"
    headers = (("X-SLURM-USER-NAME", "a\x00b\x1b"), ("X-SLURM-USER-TOKEN", token_for("root")))
    assert rejected(plugin, *headers) == "unknown user name a?b?"


# --- configuration ------------------------------------------------------------------


@pytest.mark.parametrize("params", [None, "", "disable_token_creation", "jwt_key=,jwks="])
def test_no_key_configured_fails_at_start(params: str | None) -> None:
    context = AuthContext(0, 0, "root", auth_alt_parameters=params)
    with pytest.raises(KeyConfigError) as err:
        JwtAuth(context)
    assert str(err.value) == (
        "rest_auth/jwt needs AuthAltParameters=jwt_key= or jwks= in slurm.conf"
    )


def test_builds_validator_from_auth_alt_parameters(tmp_path: Path, secret: bytes) -> None:
    path = write_key(tmp_path / "k", secret)
    context = AuthContext(
        0, 0, "root", auth_alt_parameters=f" JWT_KEY={path} , UserClaimField=email "
    )
    plugin = JwtAuth(context)
    token = jwt.encode({"email": "root", "exp": int(time.time()) + 600}, secret)
    got = plugin.authenticate(request(("Authorization", f"Bearer {token}")), PEER)
    assert got is not None and (got.user_name, got.uid) == ("root", 0)


def test_insecure_key_fails_at_start(tmp_path: Path, secret: bytes) -> None:
    path = write_key(tmp_path / "k", secret)
    os.chmod(path, 0o666)
    with pytest.raises(KeyConfigError, match="insecure"):
        JwtAuth(AuthContext(0, 0, "root", auth_alt_parameters=f"jwt_key={path}"))


def test_reload_rotated_key(
    plugin: JwtAuth, context: AuthContext, key_path: str, tmp_path: Path, token_for: Any
) -> None:
    old = token_for(USER.pw_name)
    new_secret = os.urandom(32)
    os.replace(write_key(tmp_path / "new", new_secret), key_path)
    plugin.reload(context)
    new = token_for(USER.pw_name, key=new_secret)
    assert plugin.authenticate(request(("X-SLURM-USER-TOKEN", new)), PEER) is not None
    assert rejected(plugin, ("X-SLURM-USER-TOKEN", old)) == "invalid token signature"


def test_failed_reload_keeps_old_keys(
    plugin: JwtAuth, context: AuthContext, key_path: str, tmp_path: Path, token_for: Any
) -> None:
    token = token_for(USER.pw_name)
    os.chmod(key_path, 0o644)
    with pytest.raises(KeyConfigError, match="insecure"):
        plugin.reload(context)
    broken = AuthContext(0, 0, "root", auth_alt_parameters=f"jwt_key={tmp_path}/missing")
    with pytest.raises(KeyConfigError, match="cannot open"):
        plugin.reload(broken)
    with pytest.raises(KeyConfigError, match="needs AuthAltParameters"):
        plugin.reload(AuthContext(0, 0, "root"))
    assert plugin.authenticate(request(("X-SLURM-USER-TOKEN", token)), PEER) is not None


def test_reload_with_new_parameters(plugin: JwtAuth, tmp_path: Path, token_for: Any) -> None:
    new_secret = os.urandom(32)
    path = write_key(tmp_path / "other.key", new_secret)
    plugin.reload(AuthContext(0, 0, "root", auth_alt_parameters=f"jwt_key={path}"))
    token = jwt.encode({"sun": USER.pw_name, "exp": int(time.time()) + 600}, new_secret)
    assert plugin.authenticate(request(("X-SLURM-USER-TOKEN", token)), PEER) is not None
    # SlurmUser came from the old context and is gone with the new one.
    slurm_token = jwt.encode({"sun": SLURM_USER.pw_name, "exp": int(time.time()) + 600}, new_secret)
    headers = (("X-SLURM-USER-NAME", USER.pw_name), ("X-SLURM-USER-TOKEN", slurm_token))
    assert rejected(plugin, *headers).startswith("token for user")
