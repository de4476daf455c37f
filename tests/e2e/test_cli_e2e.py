"""The command line and environment of the real daemon process (cli.USAGE is the contract)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from e2e import harness
from slurmrestd import __version__, cli

OPTIONS = (
    "-a",
    "-d",
    "-f",
    "-g",
    "-h",
    "-s",
    "-t",
    "-u",
    "-v",
    "-V",
    "--max-connections",
    "--generate-openapi-spec",
    "--backend",
    "--read-timeout",
    "--idle-timeout",
    "--read-freshness",
)
OPENAPI_PLUGINS = [
    "openapi/v0.0.38",
    "openapi/dbv0.0.38",
    "openapi/slurmctld",
    "openapi/slurmdbd",
    "openapi/util",
]
DATA_PARSERS = [f"data_parser/v0.0.4{minor}" for minor in range(7)]
# The request line app.py logs only at debug level (5+).
DEBUG_REQUEST_RE = r"DEBUG: \[[^\]]*\] GET /slurm/v0\.0\.46/ping as "


def _env(**extra: str) -> dict[str, str]:
    return harness.base_env(**extra)


@contextlib.contextmanager
def unix_daemon(
    rundir: Path,
    daemon_user,
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
) -> Iterator[tuple[harness.Daemon, str]]:
    """A daemon on a UNIX socket in rundir; yields (daemon, socket path)."""
    path = str(rundir / "cli.sock")
    daemon = harness.start_daemon(
        [*harness.privilege_args(daemon_user), *args, f"unix:{path}"],
        env=env if env is not None else _env(),
    )
    try:
        yield daemon, path
    finally:
        assert daemon.stop() == 0, daemon.stderr


def privileged(daemon_user, cluster) -> list[str]:
    """-u/-g (when root) and -f for the test cluster."""
    return [*harness.privilege_args(daemon_user), "-f", str(cluster.conf)]


def get(path: str, url: str, headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
    """GET over the UNIX socket from this (root or daemon-uid) process: local auth accepts."""
    conn = harness.UnixHTTPConnection(path)
    try:
        status, _, body = harness.request(conn, "GET", url, headers=headers)
    finally:
        conn.close()
    return status, body


def get_json(path: str, url: str) -> dict:
    status, body = get(path, url)
    assert status == 200, body
    return json.loads(body)


# ----------------------------------------------------------------- -h, -V, list


def test_help_prints_usage_with_every_option_and_variable():
    proc = harness.run_daemon(["-h"])
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert out == cli.USAGE
    assert proc.stderr == b""
    for option in OPTIONS:
        assert re.search(rf"(^|\s){re.escape(option)}(\s|$)", out, re.M), option
    for variable in cli.ENVIRONMENT_VARIABLES:
        assert re.search(rf"^\s+{variable}\s", out, re.M), variable
    # and USAGE itself names no option we do not know about
    named = set(re.findall(r"^\s+(-\w|--[\w-]+)\b", cli.USAGE, re.M))
    assert named == set(OPTIONS)


def test_version():
    proc = harness.run_daemon(["-V"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().strip() == f"slurmrestd-py {__version__}"
    assert re.search(r"\d+\.\d+\.\d+", proc.stdout.decode())


@pytest.mark.parametrize(
    ("option", "variable", "header", "expected"),
    [
        (
            "-a",
            "SLURMRESTD_AUTH_TYPES",
            "Possible REST authentication plugins:",
            ["rest_auth/local", "rest_auth/jwt"],
        ),
        ("-s", "SLURMRESTD_OPENAPI_PLUGINS", "Possible OpenAPI plugins:", OPENAPI_PLUGINS),
        ("-d", "SLURMRESTD_DATA_PARSER_PLUGINS", "Possible data_parser plugins:", DATA_PARSERS),
    ],
)
def test_list_plugins(option, variable, header, expected):
    for args, env in (([option, "list"], _env()), ([], _env(**{variable: "list"}))):
        proc = harness.run_daemon(args, env=env)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.decode().splitlines() == expected, (args, env.get(variable))
        assert header in proc.stderr.decode()
        assert "listening" not in proc.stderr.decode()


@pytest.mark.parametrize(
    ("option", "variable"),
    [
        ("-a", "SLURMRESTD_AUTH_TYPES"),
        ("-s", "SLURMRESTD_OPENAPI_PLUGINS"),
        ("-d", "SLURMRESTD_DATA_PARSER_PLUGINS"),
    ],
)
def test_unknown_plugin_name_is_fatal(option, variable, cluster, daemon_user):
    base = [*harness.privilege_args(daemon_user), "-f", str(cluster.conf), "127.0.0.1:0"]
    for args, env in (
        ([option, "bogus_plugin_x"], _env()),
        ([], _env(**{variable: "bogus_plugin_x"})),
    ):
        proc = harness.run_daemon([*args, *base], env=env)
        err = proc.stderr.decode()
        assert proc.returncode != 0, (args, err)
        assert "bogus_plugin_x" in err, err
        assert "listening" not in err


# ----------------------------------------------------------------- -t, --max-connections


@pytest.mark.parametrize("threads", ["1", "1025", "abc", "0", "-3"])
def test_bad_thread_count_exits_1(threads, cluster, daemon_user):
    proc = harness.run_daemon(
        [
            "-t",
            threads,
            *harness.privilege_args(daemon_user),
            "-f",
            str(cluster.conf),
            "127.0.0.1:0",
        ]
    )
    assert proc.returncode == 1, proc.stderr
    assert threads in proc.stderr.decode()
    assert "listening" not in proc.stderr.decode()


@pytest.mark.parametrize("threads", ["2", "1024"])
def test_thread_count_bounds_run(threads, cluster, daemon_user, rundir):
    with unix_daemon(rundir, daemon_user, ["-t", threads, "-f", str(cluster.conf)]) as (_, path):
        doc = get_json(path, "/slurm/v0.0.46/ping")
        assert doc["pings"][0]["responding"] is True


def test_max_connections_zero_exits_1(cluster, daemon_user):
    for args, env in (
        (["--max-connections", "0"], _env()),
        ([], _env(SLURMRESTD_MAX_CONNECTIONS="0")),
    ):
        proc = harness.run_daemon(
            [*args, *harness.privilege_args(daemon_user), "-f", str(cluster.conf), "127.0.0.1:0"],
            env=env,
        )
        assert proc.returncode == 1, (args, proc.stderr)
        assert "max connections" in proc.stderr.decode()


def test_max_connections_from_environment(cluster, daemon_user, rundir):
    env = _env(SLURMRESTD_MAX_CONNECTIONS="4")
    with unix_daemon(rundir, daemon_user, ["-f", str(cluster.conf)], env=env) as (_, path):
        # Four connections at once are within the limit; each is answered.
        conns = [harness.UnixHTTPConnection(path) for _ in range(4)]
        try:
            for conn in conns:
                status, _, body = harness.request(conn, "GET", "/slurm/v0.0.46/ping")
                assert status == 200, body
        finally:
            for conn in conns:
                conn.close()


# ----------------------------------------------------------------- logging


@pytest.mark.parametrize(
    ("args", "env", "debug_expected"),
    [
        ([], {}, False),
        (["-vv"], {}, True),
        (["-v", "-v"], {}, True),
        ([], {"SLURMRESTD_DEBUG": "5"}, True),
        ([], {"SLURMRESTD_DEBUG": "4"}, False),  # 4 is "verbose", not debug (Slurm's scale)
        (["-v"], {"SLURMRESTD_DEBUG": "4"}, True),  # -v adds one level to the environment's
    ],
)
def test_verbosity_logs_requests_at_debug(args, env, debug_expected, cluster, daemon_user, rundir):
    with unix_daemon(rundir, daemon_user, [*args, "-f", str(cluster.conf)], env=_env(**env)) as (
        daemon,
        path,
    ):
        get_json(path, "/slurm/v0.0.46/ping")
        if debug_expected:
            harness.wait_for_stderr(daemon, DEBUG_REQUEST_RE, timeout=10)
    if not debug_expected:
        assert not re.search(DEBUG_REQUEST_RE, daemon.stderr), daemon.stderr
        assert "DEBUG:" not in daemon.stderr


@pytest.mark.parametrize("level", ["11", "0", "loud"])
def test_bad_debug_level_exits_1(level, cluster, daemon_user):
    proc = harness.run_daemon(
        [*harness.privilege_args(daemon_user), "-f", str(cluster.conf), "127.0.0.1:0"],
        env=_env(SLURMRESTD_DEBUG=level),
    )
    assert proc.returncode == 1, proc.stderr
    assert "SLURMRESTD_DEBUG" in proc.stderr.decode()


# ----------------------------------------------------------------- -f / SLURM_CONF


def _conf(rundir: Path, name: str, cluster_name: str, key_path: Path) -> Path:
    path = rundir / name
    path.write_text(
        f"ClusterName={cluster_name}\nSlurmUser=root\n"
        f"AuthAltTypes=auth/jwt\nAuthAltParameters=jwt_key={key_path}\n"
    )
    os.chmod(path, 0o644)
    return path


def test_conf_file_from_environment_and_option(cluster, daemon_user, rundir):
    key = cluster.dir / "jwt_hs256.key"
    xyz = _conf(rundir, "xyz.conf", "xyz", key)
    other = _conf(rundir, "other.conf", "otherclust", key)

    # SLURM_CONF alone
    with unix_daemon(rundir, daemon_user, [], env=_env(SLURM_CONF=str(xyz))) as (_, path):
        assert get_json(path, "/slurm/v0.0.46/ping")["meta"]["slurm"]["cluster"] == "xyz"
    # -f alone
    with unix_daemon(rundir, daemon_user, ["-f", str(xyz)]) as (_, path):
        assert get_json(path, "/slurm/v0.0.46/ping")["meta"]["slurm"]["cluster"] == "xyz"
    # -f wins over SLURM_CONF
    with unix_daemon(rundir, daemon_user, ["-f", str(xyz)], env=_env(SLURM_CONF=str(other))) as (
        _,
        path,
    ):
        assert get_json(path, "/slurm/v0.0.46/ping")["meta"]["slurm"]["cluster"] == "xyz"


def test_missing_conf_file_is_fatal(rundir, daemon_user):
    missing = rundir / "does-not-exist.conf"
    for args, env in (
        (["-f", str(missing)], _env()),
        ([], _env(SLURM_CONF=str(missing))),
    ):
        proc = harness.run_daemon(
            [*args, *harness.privilege_args(daemon_user), f"unix:{rundir}/never.sock"], env=env
        )
        err = proc.stderr.decode()
        assert proc.returncode == 1, err
        assert "fatal" in err and str(missing) in err, err
        assert not (rundir / "never.sock").exists()


# ----------------------------------------------------------------- OpenAPI selection


def _spec(args: Sequence[str]) -> dict:
    # No listen address, no -u, no slurm.conf: none of them is needed to print the spec.
    proc = harness.run_daemon(["--generate-openapi-spec", *args])
    assert proc.returncode == 0, proc.stderr
    assert "listening" not in proc.stderr.decode()
    assert "fatal" not in proc.stderr.decode()
    return json.loads(proc.stdout)


def test_generate_openapi_spec_default():
    doc = _spec([])
    assert doc["openapi"].startswith("3.")
    prefixes = {"/".join(p.split("/")[:3]) for p in doc["paths"] if p.count("/") >= 3}
    assert "/slurm/v0.0.38" in prefixes and "/slurm/v0.0.46" in prefixes
    assert "/slurmdb/v0.0.46" in prefixes and "/util/v0.0.46" in prefixes


def test_generate_openapi_spec_legacy_only(shared_reference):
    doc = _spec(["-s", "v0.0.38,dbv0.0.38"])
    reference = json.loads(
        (
            shared_reference / "slurm-22.05/openapi/openapi_v3__only_v0.0.38_and_dbv0.0.38.json"
        ).read_text()
    )
    assert set(doc["paths"]) == set(reference["paths"])
    versioned = [p for p in doc["paths"] if not p.startswith("/openapi")]
    assert versioned and all(
        p.startswith(("/slurm/v0.0.38/", "/slurmdb/v0.0.38/")) for p in versioned
    )


def test_generate_openapi_spec_one_parser():
    doc = _spec(["-s", "slurmctld,slurmdbd,util", "-d", "v0.0.44"])
    versioned = [p for p in doc["paths"] if not p.startswith("/openapi")]
    assert versioned
    assert all(p.split("/")[2] == "v0.0.44" for p in versioned), versioned
    assert {p.split("/")[1] for p in versioned} == {"slurm", "slurmdb", "util"}


@pytest.mark.parametrize(
    "args",
    [["-s", "v0.0.38,dbv0.0.38"], ["-s", "slurmctld,slurmdbd,util", "-d", "v0.0.44"]],
    ids=["legacy", "v0.0.44"],
)
def test_generated_spec_equals_served_spec(args, cluster, daemon_user, rundir):
    generated = _spec(args)
    with unix_daemon(rundir, daemon_user, [*args, "-f", str(cluster.conf)]) as (_, path):
        served = get_json(path, "/openapi/v3")
    assert served["paths"] == generated["paths"]
    assert served["components"]["schemas"] == generated["components"]["schemas"]


def test_openapi_plugin_selection_serves_only_legacy(cluster, daemon_user, rundir):
    with unix_daemon(rundir, daemon_user, ["-s", "v0.0.38", "-f", str(cluster.conf)]) as (
        _,
        path,
    ):
        status, body = get(path, "/slurm/v0.0.46/ping")
        assert status == 404, body
        doc = get_json(path, "/slurm/v0.0.38/ping")
        assert doc["pings"][0]["ping"] == "UP"
        assert doc["meta"]["plugin"]["type"] == "openapi/v0.0.38"
        status, body = get(path, "/slurmdb/v0.0.38/diag")
        assert status == 404, body


def test_data_parser_selection_serves_only_that_version(cluster, daemon_user, rundir):
    with unix_daemon(rundir, daemon_user, ["-d", "v0.0.44", "-f", str(cluster.conf)]) as (
        _,
        path,
    ):
        doc = get_json(path, "/slurm/v0.0.44/ping")
        assert doc["meta"]["plugin"]["data_parser"] == "data_parser/v0.0.44"
        for other in ("/slurm/v0.0.46/ping", "/slurm/v0.0.43/ping", "/slurm/v0.0.38/ping"):
            status, body = get(path, other)
            assert status == 404, (other, body)
        served = get_json(path, "/openapi/v3")
        versioned = [p for p in served["paths"] if not p.startswith("/openapi")]
        assert versioned and all(p.split("/")[2] == "v0.0.44" for p in versioned)


# ----------------------------------------------------------------- --backend, SLURM_JWT


def test_backend_slurm_without_a_controller_fails_clearly(cluster, daemon_user, rundir):
    for args, env in (
        (["--backend", "slurm"], _env()),
        ([], _env(SLURMRESTD_BACKEND="slurm")),
    ):
        proc = harness.run_daemon(
            [*args, *privileged(daemon_user, cluster), f"unix:{rundir}/never.sock"],
            env=env,
        )
        err = proc.stderr.decode()
        assert proc.returncode == 1, err
        assert re.search(r"fatal: .*slurm backend", err), err
        assert "listening" not in err


def test_failed_start_leaves_no_socket_file(cluster, daemon_user, rundir):
    """A start-up that ends in fatal must not leave its UNIX socket file behind."""
    sock = rundir / "never.sock"
    proc = harness.run_daemon(
        ["--backend", "slurm", *privileged(daemon_user, cluster), f"unix:{sock}"]
    )
    assert proc.returncode == 1, proc.stderr
    assert not sock.exists(), "stale socket file left by a fatal start"


def test_backend_bogus_exits_1(cluster, daemon_user):
    proc = harness.run_daemon(
        ["--backend", "bogus", *privileged(daemon_user, cluster), "127.0.0.1:0"]
    )
    assert proc.returncode == 1, proc.stderr
    assert "bogus" in proc.stderr.decode()


def test_backend_embedded_runs(cluster, daemon_user, rundir):
    with unix_daemon(rundir, daemon_user, ["--backend", "embedded", "-f", str(cluster.conf)]) as (
        _,
        path,
    ):
        assert get_json(path, "/slurm/v0.0.46/ping")["pings"]


def test_slurm_jwt_daemon_is_accepted(cluster, daemon_user):
    args = [*harness.privilege_args(daemon_user), "-f", str(cluster.conf), "127.0.0.1:0"]
    with harness.daemon_running(args, env=_env(SLURM_JWT="daemon")) as daemon:
        conn = http.client.HTTPConnection("127.0.0.1", daemon.tcp_port(), timeout=10)
        status, _, body = harness.request(
            conn,
            "GET",
            "/slurm/v0.0.46/ping",
            headers={"X-SLURM-USER-TOKEN": cluster.token(daemon_user.pw_name)},
        )
        conn.close()
        assert status == 200, body
        assert json.loads(body)["meta"]["client"]["user"] == daemon_user.pw_name
