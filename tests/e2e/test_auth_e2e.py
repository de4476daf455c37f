"""rest_auth/local and rest_auth/jwt against the real daemon, over real sockets."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import jwt as pyjwt
import pytest

from e2e import harness

PING = "/slurm/v0.0.46/ping"
SECOND_USER = "srtest2"
needs_root = pytest.mark.skipif(not harness.IS_ROOT, reason="switching client users needs root")


@pytest.fixture(scope="session")
def second_user():
    if not harness.IS_ROOT:
        pytest.skip("creating a second user needs root")
    return harness.ensure_user(SECOND_USER)


@contextlib.contextmanager
def daemon(
    daemon_user, args: Sequence[str], listen: Sequence[str], env: Mapping[str, str] | None = None
) -> Iterator[harness.Daemon]:
    d = harness.start_daemon(
        [*harness.privilege_args(daemon_user), *args, *listen],
        expect_listeners=len(listen),
        env=env,
    )
    try:
        yield d
    finally:
        assert d.stop() == 0, d.stderr


def tcp_get(
    d: harness.Daemon, headers: Mapping[str, str] | None = None, url: str = PING
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", d.tcp_port(), timeout=10)
    try:
        status, _, body = harness.request(conn, "GET", url, headers=headers)
    finally:
        conn.close()
    return status, body


def client_user(body: bytes) -> str:
    return json.loads(body)["meta"]["client"]["user"]


# ================================================================= rest_auth/local


@pytest.fixture
def local_daemon(cluster, daemon_user, rundir) -> Iterator[tuple[harness.Daemon, str]]:
    path = str(rundir / "local.sock")
    with daemon(
        daemon_user, ["-a", "rest_auth/local", "-f", str(cluster.conf)], [f"unix:{path}"]
    ) as d:
        yield d, path


def test_local_client_as_daemon_user_is_accepted(local_daemon, daemon_user):
    _, path = local_daemon
    status, body = harness.unix_request_as(path, daemon_user, "GET", PING)
    assert status == 200, body
    assert client_user(body) == daemon_user.pw_name


@needs_root
def test_local_daemon_user_cannot_name_another_user(local_daemon, daemon_user):
    _, path = local_daemon
    status, body = harness.unix_request_as(
        path, daemon_user, "GET", PING, {"X-SLURM-USER-NAME": "root"}
    )
    assert status == 401, body
    assert body.startswith(b"Authentication failure")


@needs_root
def test_local_root_client_is_accepted_and_may_name_a_user(local_daemon, daemon_user, second_user):
    _, path = local_daemon
    status, body = harness.unix_request_as(path, None, "GET", PING)
    assert status == 200, body
    assert client_user(body) == daemon_user.pw_name  # root without a name acts as the daemon
    status, body = harness.unix_request_as(
        path, None, "GET", PING, {"X-SLURM-USER-NAME": second_user.pw_name}
    )
    assert status == 200, body
    assert client_user(body) == second_user.pw_name
    status, body = harness.unix_request_as(
        path, None, "GET", PING, {"X-SLURM-USER-NAME": "no_such_user_srt"}
    )
    assert status == 401, body


@needs_root
def test_local_other_unprivileged_user_is_rejected(local_daemon, second_user):
    d, path = local_daemon
    status, body = harness.unix_request_as(path, second_user, "GET", PING)
    assert status == 401, body
    assert body.startswith(b"Authentication failure")
    status, body = harness.unix_request_as(
        path, second_user, "GET", PING, {"X-SLURM-USER-NAME": second_user.pw_name}
    )
    assert status == 401, body
    status, body = harness.unix_request_as(path, second_user, "GET", "/openapi/v3")
    assert status == 401, body
    harness.wait_for_stderr(d, rf"authentication failure: peer uid {second_user.pw_uid}\b")


def test_local_only_rejects_every_tcp_request(cluster, daemon_user):
    args = ["-a", "rest_auth/local", "-f", str(cluster.conf)]
    with daemon(daemon_user, args, ["127.0.0.1:0"]) as d:
        for headers in (
            {},
            {"X-SLURM-USER-NAME": daemon_user.pw_name},
            {"X-SLURM-USER-TOKEN": cluster.token(daemon_user.pw_name)},
            {"Authorization": f"Bearer {cluster.token('root')}"},
        ):
            status, body = tcp_get(d, headers)
            assert status == 401, (headers, body)
            assert body.startswith(b"Authentication failure"), body
        status, body = tcp_get(d, url="/openapi/v3")
        assert status == 401, body


# ================================================================= rest_auth/jwt


@pytest.fixture
def jwt_daemon(cluster, daemon_user) -> Iterator[harness.Daemon]:
    with daemon(
        daemon_user, ["-a", "rest_auth/jwt", "-f", str(cluster.conf)], ["127.0.0.1:0"]
    ) as d:
        yield d


@pytest.mark.parametrize(
    "style", ["token", "token+name", "bearer", "bearer+name", "bearer-lowercase-scheme"]
)
def test_jwt_valid_token(style, jwt_daemon, cluster, daemon_user):
    user = daemon_user.pw_name
    token = cluster.token(user)
    headers = {
        "token": {"X-SLURM-USER-TOKEN": token},
        "token+name": {"X-SLURM-USER-TOKEN": token, "X-SLURM-USER-NAME": user},
        "bearer": {"Authorization": f"Bearer {token}"},
        "bearer+name": {"Authorization": f"Bearer {token}", "X-SLURM-USER-NAME": user},
        "bearer-lowercase-scheme": {"Authorization": f"bearer {token}"},
    }[style]
    status, body = tcp_get(jwt_daemon, headers)
    assert status == 200, body
    assert client_user(body) == user


def test_jwt_expired_token(jwt_daemon, cluster, daemon_user):
    token = cluster.token(daemon_user.pw_name, lifespan=-30)
    status, body = tcp_get(jwt_daemon, {"X-SLURM-USER-TOKEN": token})
    assert status == 401, body
    assert b"expired" in body


def _encode(payload: dict, key: bytes | None, algorithm: str) -> str:
    return pyjwt.encode(payload, key, algorithm=algorithm)


def _claims(user: str) -> dict:
    now = int(time.time())
    return {"iat": now, "exp": now + 600, "sun": user}


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("other-key", b"signature"),
        ("alg-none", b"none"),
        ("garbage", b"malformed"),
        ("no-exp", b"expiration"),
        ("tampered-user", b"signature"),
        ("unknown-user", b"unknown user"),
    ],
)
def test_jwt_bad_token(kind, reason, jwt_daemon, cluster, daemon_user):
    user = daemon_user.pw_name
    if kind == "other-key":
        token = _encode(_claims(user), secrets.token_bytes(32), "HS256")
    elif kind == "alg-none":
        token = _encode(_claims(user), None, "none")
    elif kind == "garbage":
        token = "this-is-not.a-jwt"
    elif kind == "no-exp":
        token = _encode({"sun": user}, cluster.key, "HS256")
    elif kind == "tampered-user":
        header, _, signature = cluster.token(user).split(".")
        forged = pyjwt.utils.base64url_encode(json.dumps(_claims("root")).encode()).decode()
        token = f"{header}.{forged}.{signature}"
    else:
        token = cluster.token("no_such_user_srt")
    for headers in ({"X-SLURM-USER-TOKEN": token}, {"Authorization": f"Bearer {token}"}):
        status, body = tcp_get(jwt_daemon, headers)
        assert status == 401, (kind, body)
        assert body.startswith(b"Authentication failure"), body
        assert reason in body, body


def test_jwt_user_cannot_act_as_another(jwt_daemon, cluster, daemon_user):
    token = cluster.token(daemon_user.pw_name)
    status, body = tcp_get(jwt_daemon, {"X-SLURM-USER-TOKEN": token, "X-SLURM-USER-NAME": "root"})
    assert status == 401, body
    assert b"cannot act as" in body


def test_jwt_root_token_may_act_as_another(jwt_daemon, cluster, daemon_user):
    token = cluster.token("root")
    status, body = tcp_get(
        jwt_daemon, {"X-SLURM-USER-TOKEN": token, "X-SLURM-USER-NAME": daemon_user.pw_name}
    )
    assert status == 200, body
    assert client_user(body) == daemon_user.pw_name
    status, body = tcp_get(jwt_daemon, {"Authorization": f"Bearer {token}"})
    assert status == 200, body
    assert client_user(body) == "root"


def test_jwt_token_and_bearer_together_rejected(jwt_daemon, cluster, daemon_user):
    token = cluster.token(daemon_user.pw_name)
    status, body = tcp_get(
        jwt_daemon, {"X-SLURM-USER-TOKEN": token, "Authorization": f"Bearer {token}"}
    )
    assert status == 401, body
    assert b"mutually exclusive" in body


def test_jwt_without_token_rejected(jwt_daemon, daemon_user):
    for headers in (
        {},
        {"X-SLURM-USER-NAME": daemon_user.pw_name},
        {"Authorization": "Basic eDp5"},
    ):
        status, body = tcp_get(jwt_daemon, headers)
        assert status == 401, (headers, body)


def test_jwt_keeps_working_across_keep_alive(jwt_daemon, cluster, daemon_user):
    """Every pipelined/keep-alive request is authenticated on its own."""
    conn = http.client.HTTPConnection("127.0.0.1", jwt_daemon.tcp_port(), timeout=10)
    try:
        token = cluster.token(daemon_user.pw_name)
        status, _, body = harness.request(conn, "GET", PING, headers={"X-SLURM-USER-TOKEN": token})
        assert status == 200, body
        status, _, body = harness.request(conn, "GET", PING)
        assert status == 401, body
    finally:
        conn.close()


# ----------------------------------------------------------------- key configuration at start


def _conf(rundir: Path, auth_alt: str | None) -> Path:
    conf = rundir / "auth.conf"
    text = "ClusterName=authtest\nSlurmUser=root\n"
    if auth_alt is not None:
        text += f"AuthAltTypes=auth/jwt\nAuthAltParameters={auth_alt}\n"
    conf.write_text(text)
    os.chmod(conf, 0o644)
    return conf


def _start_fails(daemon_user, conf: Path, rundir: Path, extra: Sequence[str] = ()) -> str:
    sock = rundir / "never.sock"
    proc = harness.run_daemon(
        [*harness.privilege_args(daemon_user), *extra, "-f", str(conf), f"unix:{sock}"]
    )
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert "fatal:" in err, err
    assert "listening" not in err
    assert not sock.exists()
    return err


def test_jwt_without_key_is_fatal(daemon_user, rundir):
    err = _start_fails(daemon_user, _conf(rundir, None), rundir, ["-a", "rest_auth/jwt"])
    assert "jwt_key" in err


def test_jwt_missing_key_file_is_fatal(daemon_user, rundir):
    conf = _conf(rundir, f"jwt_key={rundir}/absent.key")
    err = _start_fails(daemon_user, conf, rundir, ["-a", "jwt"])
    assert "absent.key" in err


def test_jwt_world_readable_key_is_fatal(cluster, daemon_user, rundir):
    key = cluster.dir / "jwt_hs256.key"
    os.chmod(key, 0o666)
    conf = _conf(rundir, f"jwt_key={key}")
    err = _start_fails(daemon_user, conf, rundir, ["-a", "rest_auth/jwt"])
    assert "insecure" in err and str(key) in err


# ----------------------------------------------------------------- default plugin set


def test_default_plugins_serve_local_and_jwt_in_one_process(cluster, daemon_user, rundir):
    path = str(rundir / "both.sock")
    with daemon(daemon_user, ["-f", str(cluster.conf)], [f"unix:{path}", "127.0.0.1:0"]) as d:
        # UNIX socket, no token: rest_auth/local
        status, body = harness.unix_request_as(path, daemon_user, "GET", PING)
        assert status == 200, body
        assert client_user(body) == daemon_user.pw_name
        # TCP with a token: rest_auth/jwt
        status, body = tcp_get(d, {"X-SLURM-USER-TOKEN": cluster.token("root")})
        assert status == 200, body
        assert client_user(body) == "root"
        # TCP without a token: nothing applies
        status, body = tcp_get(d)
        assert status == 401, body
