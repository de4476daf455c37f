"""A small JSON client for end-to-end tests of the embedded backend, and its daemon fixture."""

from __future__ import annotations

import contextlib
import fnmatch
import http.client
import json
import pwd
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from e2e import harness
from schema_check import schema_errors


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


# --------------------------------------------------------------------------
# Which operations of a served OpenAPI document a test exercised (appended for
# tests/e2e/test_every_operation_*.py).

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class DocumentOperation:
    """One (method, path template) of a served document and its 200 JSON body schema."""

    method: str
    template: str
    schema: str | None  # components.schemas name; None when the 200 answer declares no body
    operation_id: str  # its operationId; "GET /openapi" style for the document's own paths

    @property
    def segments(self) -> tuple[str | None, ...]:
        """Literal segments, None for a `{param}`; empty segments dropped as the router does."""
        parts = [s for s in self.template.split("/") if s]
        return tuple(None if s.startswith("{") else s for s in parts)


def document_operations(document: dict[str, Any]) -> list[DocumentOperation]:
    """Every operation of an OpenAPI document (keys that are not HTTP methods are skipped)."""
    found = []
    for template, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue  # 22.05's document keeps a stray schema among the methods
            content = operation["responses"].get("200", {}).get("content", {})
            ref = content.get("application/json", {}).get("schema", {}).get("$ref")
            schema = ref.rsplit("/", 1)[1] if ref else None
            name = operation.get("operationId") or f"{method.upper()} {template}"
            found.append(DocumentOperation(method.upper(), template, schema, name))
    return found


def schema_version(schema: str) -> str:
    """The document a components name comes from: "v0.0.46_job_info" -> "v0.0.46"."""
    return schema.split("_", 1)[0]


class OperationLog:
    """Records which operations of a served document answered with success over HTTP."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.operations = document_operations(document)
        self.exercised: set[str] = set()  # operation ids
        self.by_test: dict[str, set[str]] = {}  # test name -> the ids it exercised
        self._current: set[str] = set()

    def start_test(self, name: str) -> None:
        """Attribute what is recorded from now on to test `name` (too)."""
        self._current = self.by_test.setdefault(name, set())

    def find(self, method: str, path: str) -> DocumentOperation | None:
        """The operation `method path` (query ignored) reaches, if any.

        A literal segment beats a `{param}` (`/job/submit` is not job "submit"), as the
        router's registration order decides.
        """
        segments = tuple(s for s in path.partition("?")[0].split("/") if s)
        best: tuple[int, DocumentOperation] | None = None
        for operation in self.operations:
            want = operation.segments
            if operation.method != method or len(want) != len(segments):
                continue
            if any(w is not None and w != got for w, got in zip(want, segments, strict=True)):
                continue
            literal = sum(w is not None for w in want)
            if best is None or literal > best[0]:
                best = (literal, operation)
        return best[1] if best else None

    def record(self, method: str, path: str, status: int) -> DocumentOperation | None:
        """Note a 2xx/304 answer as exercising its operation; return the operation."""
        operation = self.find(method, path)
        if operation is not None and (200 <= status < 300 or status == 304):
            self.mark(operation)
        return operation

    def mark(self, operation: DocumentOperation) -> None:
        """Count `operation` as exercised (by the current test too)."""
        self.exercised.add(operation.operation_id)
        self._current.add(operation.operation_id)


class RecordingClient(Client):
    """A Client whose every answer is logged and, when 200, checked against its schema.

    `deviations` maps an fnmatch pattern of schema names ("dbv0.0.38_*") to fnmatch patterns
    of problems known and accepted there ("QOS/*/id: * is not of type *"); any other
    problem fails the call.
    """

    def __init__(
        self,
        daemon: harness.Daemon,
        token: str,
        log: OperationLog,
        deviations: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        super().__init__(daemon, token)
        self.log = log
        self.deviations = deviations or {}

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, dict]:
        status, doc = super().call(method, path, body)
        operation = self.log.record(method, path, status)
        if status == 200 and operation is not None and operation.schema is not None:
            problems = self.schema_problems(operation.schema, doc)
            assert problems == [], (method, path, problems)
        return status, doc

    def schema_problems(self, schema: str, doc: Any) -> list[str]:
        """Violations of `schema` by `doc` other than the accepted deviations."""
        version = schema_version(schema)
        allow_null = version in ("v0.0.38", "dbv0.0.38")  # 22.05 writes null for unset
        accepted = [
            pattern
            for names, patterns in self.deviations.items()
            if fnmatch.fnmatchcase(schema, names)
            for pattern in patterns
        ]
        return [
            problem
            for problem in schema_errors(version, schema, doc, allow_null=allow_null)
            if not any(fnmatch.fnmatchcase(problem, pattern) for pattern in accepted)
        ]

    def ok(self, method: str, path: str, body: Any = None) -> dict:
        """A call that must answer 200 with no errors."""
        status, doc = self.call(method, path, body)
        assert status == 200 and doc.get("errors", []) == [], (method, path, status, doc)
        return doc

    def refused(self, method: str, path: str, body: Any, status: int) -> dict:
        """A call whose contract is a refusal (22.05 adds no TRES, whatever the body):
        that answer is what the operation does, so it counts as reached."""
        got, doc = self.call(method, path, body)
        assert got == status, (method, path, got, doc)
        operation = self.log.find(method, path)
        assert operation is not None, (method, path)
        self.log.mark(operation)
        return doc


# The three versions issue 4 asks to walk end to end, and only them.
THREE_VERSIONS = ["-s", "v0.0.38,dbv0.0.38,slurmctld,slurmdbd,util", "-d", "v0.0.46"]
THREE_NODES = (
    "NodeName=n[1-3] CPUs=1 RealMemory=1000\nPartitionName=debug Nodes=n[1-3] Default=YES\n"
)


@contextlib.contextmanager
def three_version_daemon(
    daemon_user: pwd.struct_passwd,
) -> Iterator[tuple[harness.Daemon, harness.Cluster]]:
    """A JWT daemon serving v0.0.38, dbv0.0.38 and v0.0.46 on three one-CPU nodes.

    Its run directory is its own (a module-scoped daemon outlives `rundir`); it is
    removed after the daemon stopped.
    """
    rundir = harness.make_rundir(daemon_user)
    try:
        cluster = harness.write_cluster(
            rundir,
            daemon_user,
            extra=f"StateSaveLocation={rundir / 'state'}\nKillWait=1\nLicenses=fluent:2\n"
            + THREE_NODES,
        )
        args = [*harness.privilege_args(daemon_user), "-a", "rest_auth/jwt", *THREE_VERSIONS]
        with harness.daemon_running([*args, "-f", str(cluster.conf), "127.0.0.1:0"]) as daemon:
            yield daemon, cluster
    finally:
        harness.remove_tree(rundir)


def operation_share(template: str) -> str:
    """Which every-operation module walks a document path: "slurmdb" or "slurm" (the rest).

    Total over all paths, so the two modules' coverage checks together cover the document.
    """
    return "slurmdb" if template.startswith("/slurmdb/") else "slurm"


# Schema problems the real 22.05 daemon's own bodies have, served the same way here. From
# reference/slurm-22.05/responses: meta's version numbers are integers where the v0.0.38 and
# dbv0.0.38 schemas say string (POST_slurm_v0.0.38_job_submit.json); QOS ids and job
# allocation_nodes are integers, a step's task an object (GET_slurmdb_v0.0.38_qos.json,
# GET_slurmdb_v0.0.38_jobs.json).
REAL_22_05_DEVIATIONS: dict[str, tuple[str, ...]] = {
    "*v0.0.38_*": (
        "meta/Slurm/version/*: * is not of type 'string', 'null'",
        # A job's CPU frequency request as Slurm holds it (2147483649 = "low"), seen
        # from the C daemon for `sbatch --cpu-freq=low`.
        "jobs/*/cpu_frequency_*: * is not of type 'string', 'null'",
    ),
    "dbv0.0.38_qos_info": ("QOS/*/id: * is not of type 'string', 'null'",),
    "dbv0.0.38_job_info": (
        "jobs/*/allocation_nodes: * is not of type 'string', 'null'",
        "jobs/*/steps/*/task: * is not of type 'string', 'null'",
    ),
}
