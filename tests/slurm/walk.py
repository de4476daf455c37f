"""Shared pieces of the walks over every operation on the slurm backend.

test_walk_slurm_backend.py and test_walk_slurmdb_backend.py run our daemon
(`--backend slurm`, v0.0.38 + dbv0.0.38 + v0.0.46) in front of the real 22.05
testbed. Clients of several users share one OperationLog (from the embedded walk),
so the last test of each file can tell whether every operation of its share was
reached. An operation 22.05 cannot perform counts as reached only by the exact
error the walk expects (`WalkClient.unsupported`).
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import subprocess
import sys
import time
from collections.abc import Callable, Collection, Iterator
from typing import Any

from e2e import harness
from e2e.embedded_client import (
    REAL_22_05_DEVIATIONS,
    THREE_VERSIONS,
    DocumentOperation,
    OperationLog,
    RecordingClient,
)
from slurm.testbed import Testbed

# Every object the walks create is named after this run, so that sessions sharing
# the testbed never touch each other's records.
TAG = f"h30-{os.getpid()}"
JOB_DIR = "/tmp"  # a working directory every Unix user of the testbed may use
POLL_S = 0.1


@contextlib.contextmanager
def slurm_daemon(
    bed: Testbed, user: pwd.struct_passwd, auth: str, listen: str
) -> Iterator[harness.Daemon]:
    """Our daemon in front of the testbed, started as `user`, every read fresh."""
    args = ["--backend", "slurm", "-f", str(bed.conf), "-a", auth, "--read-freshness", "0"]
    args += [*THREE_VERSIONS, *harness.privilege_args(user), listen]
    with harness.daemon_running(args, env=harness.base_env()) as daemon:
        yield daemon


class WalkLog(OperationLog):
    """An OperationLog that can also count an expected refusal as reaching an operation."""

    def reached(self, method: str, path: str) -> DocumentOperation:
        operation = self.find(method, path)
        assert operation is not None, (method, path)
        self.exercised.add(operation.operation_id)
        self._current.add(operation.operation_id)
        return operation


def error_numbers(doc: dict[str, Any]) -> list[int]:
    return [error["error_number"] for error in doc.get("errors", [])]


# Listings longer than this are schema-checked on a sample: jsonschema takes ~2.5 ms
# per job record, and other sessions may leave thousands of jobs in the shared table.
LONG_LIST = 100
SAMPLE = 20


class WalkClient(RecordingClient):
    """A RecordingClient speaking for one JWT user (X-SLURM-USER-NAME as 22.05 wants).

    `mine` holds the ids of the walk's own jobs: in a long listing, those records and
    the first SAMPLE ones are checked against the schema.
    """

    def __init__(
        self, daemon: harness.Daemon, token: str, user: str, log: WalkLog, mine: Collection[int]
    ) -> None:
        super().__init__(daemon, token, log, REAL_22_05_DEVIATIONS)
        self.user = user
        self.headers["X-SLURM-USER-NAME"] = user
        self.walk_log = log
        self.mine = mine

    def schema_problems(self, schema: str, doc: Any) -> list[str]:
        return super().schema_problems(schema, self.sample(doc))

    def sample(self, doc: Any) -> Any:
        """`doc` with each long list cut to its first records and the walk's own jobs."""
        if not isinstance(doc, dict):
            return doc
        cut = dict(doc)
        for key, value in doc.items():
            if isinstance(value, list) and len(value) > LONG_LIST:
                rest = [r for r in value[SAMPLE:] if isinstance(r, dict) and self.owned(r)]
                cut[key] = value[:SAMPLE] + rest
        return cut

    def owned(self, record: dict[str, Any]) -> bool:
        job_id = record.get("job_id")
        return isinstance(job_id, int) and job_id in self.mine

    def refused(self, method: str, path: str, body: Any = None) -> tuple[int, list[int], dict]:
        """A call that must fail: its status, error numbers and body."""
        status, doc = self.call(method, path, body)
        assert status >= 400 and doc.get("errors"), (method, path, status, doc)
        return status, error_numbers(doc), doc

    def unsupported(
        self, method: str, path: str, body: Any, status: int, errno: int, text: str
    ) -> dict:
        """What 22.05 cannot do: the exact answer, which then counts as reaching it."""
        got, numbers, doc = self.refused(method, path, body)
        assert (got, numbers) == (status, [errno]), doc
        assert text in doc["errors"][0]["description"], doc
        self.walk_log.reached(method, path)
        return doc


_UNIX_CLIENT = r"""
import http.client, json, socket, sys
path, method, url, headers = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
body = sys.stdin.buffer.read() or None
class C(http.client.HTTPConnection):
    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(60)
        s.connect(path)
        self.sock = s
c = C("localhost", timeout=60)
c.request(method, url, body=body, headers=headers)
r = c.getresponse()
json.dump({"status": r.status, "body": r.read().decode("utf-8", "replace")}, sys.stdout)
"""


def unix_call(
    socket_path: str,
    user: pwd.struct_passwd,
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    """One request over a UNIX socket from a child process running as `user`.

    (harness.unix_request_as sends no body; a submission needs one.)
    """
    data = b"" if body is None else json.dumps(body).encode()
    proc = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            _UNIX_CLIENT,
            socket_path,
            method,
            url,
            json.dumps(headers or {}),
        ],
        input=data,
        capture_output=True,
        timeout=90,
        cwd="/",
        user=user.pw_uid,
        group=user.pw_gid,
        extra_groups=[],
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    answer = json.loads(proc.stdout)
    return answer["status"], answer["body"]


class UnixClient(RecordingClient):
    """As RecordingClient, over a UNIX socket as a Unix user (what rest_auth/local trusts)."""

    def __init__(self, socket_path: str, user: pwd.struct_passwd, log: OperationLog) -> None:
        # No TCP port and no token: only the parts RecordingClient's checks use.
        self.socket_path = socket_path
        self.unix_user = user
        self.log = log
        self.deviations = REAL_22_05_DEVIATIONS
        self.headers = {"Content-Type": "application/json"}

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, dict]:
        status, text = unix_call(self.socket_path, self.unix_user, method, path, body, self.headers)
        doc = json.loads(text) if text.startswith("{") else {"text": text}
        operation = self.log.record(method, path, status)
        if status == 200 and operation is not None and operation.schema is not None:
            problems = self.schema_problems(operation.schema, doc)
            assert problems == [], (method, path, problems)
        return status, doc


# ------------------------------------------------------------------ job helpers


def script(body: str) -> str:
    return "#!/bin/sh\n" + body + "\n"


def trap_script(marker: str) -> str:
    """A batch script that notes each SIGUSR1 in `marker` and otherwise waits (5 min)."""
    return script(
        f"trap 'echo usr1 >> {marker}' USR1\n"
        "i=0\nwhile [ $i -lt 3000 ]; do sleep 0.1; i=$((i+1)); done"
    )


def job_38(name: str, body: str, **fields: Any) -> dict[str, Any]:
    """A v0.0.38 submission (environment is a mapping there)."""
    job = {
        "name": name,
        "current_working_directory": JOB_DIR,
        "environment": {"PATH": "/bin:/usr/bin"},
        "standard_output": "/dev/null",
        "time_limit": 5,
        **fields,
    }
    return {"script": body, "job": job}


def job_46(name: str, body: str, **fields: Any) -> dict[str, Any]:
    """A v0.0.46 submission (environment is a list of NAME=value)."""
    job = {
        "name": name,
        "current_working_directory": JOB_DIR,
        "environment": ["PATH=/bin:/usr/bin"],
        "standard_output": "/dev/null",
        "time_limit": number(5),
        **fields,
    }
    return {"script": body, "job": job}


def number(value: int) -> dict[str, Any]:
    """A v0.0.46 number with its set/infinite flags."""
    return {"set": True, "infinite": False, "number": value}


def squeue(bed: Testbed, job_id: int | str, fmt: str = "%T") -> list[str]:
    """What squeue prints for the job (one line per array task), as root."""
    argv = ["squeue", "-h", "-t", "all", "-j", str(job_id), "-o", fmt]
    return bed.run(argv, check=False).stdout.split("\n")[:-1]


def wait_until(
    what: str | Callable[[], str], condition: Callable[[], bool], timeout: float = 60
) -> None:
    """Poll `condition` until true; fail the test with `what` (or what it returns) after
    `timeout` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"timed out waiting for {what if isinstance(what, str) else what()}"
            )
        time.sleep(POLL_S)  # the cluster changes on its own; poll with a deadline


def wait_state(bed: Testbed, job_id: int | str, *states: str, timeout: float = 60) -> str:
    """The job's squeue state once it is one of `states`."""
    seen: list[str] = []

    def arrived() -> bool:
        seen[:] = squeue(bed, job_id)
        return len(seen) == 1 and seen[0] in states

    wait_until(lambda: f"job {job_id} to be {'/'.join(states)} (is {seen})", arrived, timeout)
    return seen[0]


def marked(marker: str) -> bool:
    try:
        with open(marker) as handle:
            return "usr1" in handle.read()
    except FileNotFoundError:
        return False
