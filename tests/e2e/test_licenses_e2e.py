"""Licenses= of slurm.conf reach GET /licenses of the running daemon; SIGHUP re-reads them."""

from __future__ import annotations

import json
import signal
import time

from e2e import harness


def licenses(sock: str, version: str = "v0.0.46") -> list[dict]:
    status, _, body = harness.request(
        harness.UnixHTTPConnection(sock), "GET", f"/slurm/{version}/licenses"
    )
    assert status == 200, body
    return json.loads(body)["licenses"]


def test_licenses_from_conf_and_sighup(rundir, daemon_user):
    conf = rundir / "slurm.conf"
    conf.write_text("ClusterName=lic\nLicenses=fluent:30,matlab\n")
    sock = str(rundir / "lic.sock")
    args = [*harness.privilege_args(daemon_user), "-a", "rest_auth/local", "-f", str(conf)]
    with harness.daemon_running([*args, f"unix:{sock}"]) as daemon:
        assert [(x["LicenseName"], x["Total"]) for x in licenses(sock)] == [
            ("fluent", 30),
            ("matlab", 1),
        ]
        assert licenses(sock, "v0.0.38")[0]["Free"] == 30
        conf.write_text("ClusterName=lic\nLicenses=abaqus:5\n")
        daemon.signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while [x["LicenseName"] for x in licenses(sock)] != ["abaqus"]:
            assert time.monotonic() < deadline, "SIGHUP did not reload Licenses="
            time.sleep(0.05)  # the reload happens in the daemon; poll with a deadline
        # An invalid table on reload is refused and the old one kept.
        conf.write_text("ClusterName=lic\nLicenses=abaqus:0\n")
        daemon.signal(signal.SIGHUP)
        harness.wait_for_stderr(daemon, "reload failed", timeout=10)
        assert [x["LicenseName"] for x in licenses(sock)] == ["abaqus"]


def test_invalid_licenses_are_fatal_at_start(rundir, daemon_user):
    conf = rundir / "slurm.conf"
    conf.write_text("Licenses=x:0\n")
    result = harness.run_daemon(
        [*harness.privilege_args(daemon_user), "-f", str(conf), f"unix:{rundir}/x.sock"]
    )
    assert result.returncode == 1
    assert b"invalid license specification" in result.stderr
