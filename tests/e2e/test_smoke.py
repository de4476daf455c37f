"""The daemon starts on TCP, answers an authenticated ping, and stops on SIGTERM."""

from __future__ import annotations

import http.client

from e2e import harness


def test_tcp_jwt_ping_and_clean_stop(cluster, daemon_user):
    args = [*harness.privilege_args(daemon_user), "-f", str(cluster.conf), "127.0.0.1:0"]
    daemon = harness.start_daemon(args)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", daemon.tcp_port(), timeout=10)
        token = cluster.token("root")
        status, _, body = harness.request(
            conn, "GET", "/slurm/v0.0.38/ping", headers={"X-SLURM-USER-TOKEN": token}
        )
        assert status == 200, body
        assert b'"pings"' in body
    finally:
        assert daemon.stop() == 0, daemon.stderr
