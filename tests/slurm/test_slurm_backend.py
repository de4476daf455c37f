"""Our daemon with --backend slurm against the testbed, compared with the real C daemon."""

from __future__ import annotations

import http.client
import pwd
import re
from pathlib import Path
from typing import Any

import pytest

from e2e import harness
from schema_check import schema_errors
from slurm.rest import c_port, get
from slurm.testbed import Testbed
from slurm.testbed.layout import free_port

pytestmark = pytest.mark.slurm


def test_ping_v0_0_38_matches_the_c_daemon(
    ours: harness.Daemon, slurm_testbed: Testbed, alice_token: str
) -> None:
    status, body = get(ours.tcp_port(), "/slurm/v0.0.38/ping", alice_token)
    c_status, c_body = get(c_port(slurm_testbed), "/slurm/v0.0.38/ping", alice_token)
    assert (status, c_status) == (200, 200), body
    assert body["pings"] == c_body["pings"]
    assert body["pings"][0] == {
        "hostname": slurm_testbed.host,
        "ping": "UP",
        "status": 0,
        "mode": "primary",
    }
    # The release in meta is the controller's, as the C daemon reports it.
    assert body["meta"]["Slurm"] == c_body["meta"]["Slurm"]
    assert body["errors"] == []


def test_ping_v0_0_46_comes_from_the_controller(
    ours: harness.Daemon, slurm_testbed: Testbed, alice_token: str
) -> None:
    status, body = get(ours.tcp_port(), "/slurm/v0.0.46/ping", alice_token)
    assert status == 200, body
    [ping] = body["pings"]
    assert ping["hostname"] == slurm_testbed.host
    assert (ping["responding"], ping["primary"], ping["status"]) == (True, True, "UP")
    assert ping["latency"] > 0  # measured around the real `scontrol ping`
    assert schema_errors("v0.0.46", "v0.0.46_openapi_ping_array_resp", body) == []


def by_name(licenses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(licenses, key=lambda row: row["LicenseName"])


def test_licenses_v0_0_38_match_the_c_daemon(
    ours: harness.Daemon, slurm_testbed: Testbed, alice_token: str
) -> None:
    status, body = get(ours.tcp_port(), "/slurm/v0.0.38/licenses", alice_token)
    c_status, c_body = get(c_port(slurm_testbed), "/slurm/v0.0.38/licenses", alice_token)
    assert (status, c_status) == (200, 200), body
    # The token's read goes over the native protocol: the controller's order, as the C daemon's.
    assert body["licenses"] == c_body["licenses"]
    assert [(row["LicenseName"], row["Total"]) for row in by_name(body["licenses"])] == [
        ("fluent", 30),
        ("matlab", 2),
    ]
    assert schema_errors("v0.0.38", "v0.0.38_licenses", body, allow_null=True) == []


def test_licenses_v0_0_46_come_from_the_controller(ours: harness.Daemon, alice_token: str) -> None:
    status, body = get(ours.tcp_port(), "/slurm/v0.0.46/licenses", alice_token)
    assert status == 200, body
    names = {row["LicenseName"]: (row["Total"], row["Free"]) for row in body["licenses"]}
    assert names == {"fluent": (30, 30), "matlab": (2, 2)}
    assert schema_errors("v0.0.46", "v0.0.46_openapi_licenses_resp", body) == []


def test_healthz_reports_a_reachable_controller(ours: harness.Daemon) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", ours.tcp_port(), timeout=10)
    try:
        status, _, _ = harness.request(conn, "GET", "/healthz")
    finally:
        conn.close()
    assert status == 204


def unreachable_conf(bed: Testbed, rundir: Path) -> Path:
    """The testbed's slurm.conf with the controller moved to a port nobody listens on."""
    text = re.sub(
        r"^SlurmctldPort=\d+$",
        f"SlurmctldPort={free_port()}",
        bed.conf.read_text(),
        flags=re.M,
    )
    conf = rundir / "slurm.conf"
    conf.write_text(text)
    conf.chmod(0o644)
    return conf


@pytest.mark.parametrize("how", ["option", "environment"])
def test_unreachable_controller_is_fatal_at_start(
    slurm_testbed: Testbed, daemon_user: pwd.struct_passwd, rundir: Path, how: str
) -> None:
    conf = unreachable_conf(slurm_testbed, rundir)
    backend = ["--backend", "slurm"] if how == "option" else []
    env = harness.base_env(**({"SLURMRESTD_BACKEND": "slurm"} if how == "environment" else {}))
    args = [*backend, "-f", str(conf), "-a", "rest_auth/jwt"]
    args += [*harness.privilege_args(daemon_user), "127.0.0.1:0"]
    result = harness.run_daemon(args, env=env, timeout=60)
    stderr = result.stderr.decode()
    assert result.returncode == 1, stderr
    assert "fatal: slurm backend: unable to contact slurmctld" in stderr
    assert "listening on" not in stderr


def test_slurmdb_is_served_from_the_clusters_slurmdbd(
    ours: harness.Daemon, slurm_testbed: Testbed, alice_token: str
) -> None:
    """slurm.conf stores accounting in slurmdbd: /slurmdb answers from it (sacct/sacctmgr)."""
    status, body = get(ours.tcp_port(), "/slurmdb/v0.0.38/qos", alice_token)
    c_status, c_body = get(c_port(slurm_testbed), "/slurmdb/v0.0.38/qos", alice_token)
    assert (status, c_status) == (200, 200), body
    assert body["QOS"] == c_body["QOS"]
    status, body = get(ours.tcp_port(), "/slurmdb/v0.0.46/accounts", alice_token)
    assert status == 200, body
    assert {"research", "ops"} <= {account["name"] for account in body["accounts"]}
    assert schema_errors("v0.0.46", "v0.0.46_openapi_accounts_resp", body) == []
