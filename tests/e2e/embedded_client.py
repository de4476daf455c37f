"""A small JSON client for end-to-end tests of the embedded backend, and its daemon fixture."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from e2e import harness


@pytest.fixture
def jobs_daemon(rundir, daemon_user) -> Iterator[tuple[harness.Daemon, harness.Cluster]]:
    state = rundir / "state"
    cluster = harness.write_cluster(
        rundir,
        daemon_user,
        extra=f"StateSaveLocation={state}\nKillWait=2\nLicenses=fluent:1\n",
    )
    args = [*harness.privilege_args(daemon_user), "-a", "rest_auth/jwt", "-f", str(cluster.conf)]
    with harness.daemon_running([*args, "127.0.0.1:0"]) as daemon:
        yield daemon, cluster


class Client:
    def __init__(self, daemon: harness.Daemon, token: str) -> None:
        self.port = daemon.tcp_port()
        self.headers = {"X-SLURM-USER-TOKEN": token, "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            data = None if body is None else json.dumps(body).encode()
            status, _, raw = harness.request(conn, method, path, body=data, headers=self.headers)
        finally:
            conn.close()
        return status, (json.loads(raw) if raw else {})

    def wait_state(self, version: str, job_id: int, states: set[str], timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            status, doc = self.call("GET", f"/slurm/{version}/job/{job_id}")
            assert status == 200, doc
            job = doc["jobs"][0]
            state = job["job_state"]
            current = state if isinstance(state, str) else state[0]
            if current in states:
                return job
            assert time.monotonic() < deadline, f"job {job_id} stuck in {state}"
            time.sleep(0.1)  # the job runs in the daemon; poll with a deadline


def script(body: str) -> str:
    return "#!/bin/sh\n" + body + "\n"
