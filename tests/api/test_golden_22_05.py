"""Golden: every /slurm/v0.0.38 answer captured from the real 22.05 daemon, reproduced.

A replay cluster holds the canonical records read from a capture (or raises the
Slurm error the controller gave); the request then goes through the whole app
(routing, parsing, handler, version shapes, envelope) and the answer must equal
the capture: status, and the body field for field, `meta` included.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from slurmrestd.api import plugins
from slurmrestd.api.app import RestApp
from slurmrestd.api.versions.v0_0_38.diag import parse_diag
from slurmrestd.api.versions.v0_0_38.jobs import parse_job
from slurmrestd.api.versions.v0_0_38.nodes import parse_node
from slurmrestd.api.versions.v0_0_38.partitions import parse_partition
from slurmrestd.api.versions.v0_0_38.reservations import parse_reservation
from slurmrestd.auth.base import AuthContext, Identity
from slurmrestd.auth.local import LocalAuth
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.http.message import Headers, HttpRequest, PeerCredentials, PeerInfo, TransportKind
from slurmrestd.model.controller import ControllerPing, SlurmVersion
from slurmrestd.model.diag import ControllerDiag
from slurmrestd.model.job import Job, JobSnapshot
from slurmrestd.model.job_desc import JobDescription, SubmitResult
from slurmrestd.model.license import LicenseSnapshot
from slurmrestd.model.node import NodeSnapshot
from slurmrestd.model.partition import PartitionSnapshot
from slurmrestd.model.reservation import ReservationSnapshot

PEER = PeerInfo(TransportKind.UNIX, "test", PeerCredentials(os.getpid(), os.getuid(), os.getgid()))
UNSEEN = 1  # before any capture: update_time=UNSEEN must not be a 304


@dataclass
class ReplayCluster:
    """A controller that answers from captured records (it knows nothing else)."""

    name: str = "testbed"
    jobs_: list[Job] = field(default_factory=list)
    nodes_: list[Any] = field(default_factory=list)
    partitions_: list[Any] = field(default_factory=list)
    reservations_: list[Any] = field(default_factory=list)
    diag_: ControllerDiag | None = None
    pings: list[ControllerPing] = field(default_factory=list)
    refusal: SlurmError | None = None  # what the controller answers to writes
    submitted: SubmitResult | None = None
    last_update: int = 1_700_000_000
    seen: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def version(self) -> SlurmVersion:
        return SlurmVersion(22, 5, 8)

    def ping(self, identity: Identity) -> list[ControllerPing]:
        return self.pings

    def licenses(self, identity: Identity) -> LicenseSnapshot:
        return LicenseSnapshot((), self.last_update)

    def jobs(self, identity: Identity) -> JobSnapshot:
        return JobSnapshot(tuple(self.jobs_), self.last_update)

    def job(self, identity: Identity, job_id: str) -> JobSnapshot:
        found = [j for j in self.jobs_ if str(j.job_id) == job_id]
        if not found:
            raise SlurmError(Errno.INVALID_JOB_ID, "", "slurm_load_job")
        return JobSnapshot(tuple(found), self.last_update)

    def _write(self, what: str, detail: Any) -> None:
        self.seen.append((what, detail))
        if self.refusal is not None:
            raise self.refusal

    def submit_job(self, identity: Identity, descriptions: Sequence[JobDescription]) -> Any:
        self._write("submit", descriptions)
        return self.submitted

    def update_job(self, identity: Identity, job_id: str, changes: JobDescription) -> None:
        self._write("update", (job_id, changes))

    def signal_job(self, identity: Identity, job_id: str, signal: int, flags: Any) -> None:
        self._write("signal", (job_id, signal))

    def nodes(self, identity: Identity) -> NodeSnapshot:
        return NodeSnapshot(tuple(self.nodes_), self.last_update)

    def partitions(self, identity: Identity) -> PartitionSnapshot:
        return PartitionSnapshot(tuple(self.partitions_), self.last_update)

    def reservations(self, identity: Identity) -> ReservationSnapshot:
        return ReservationSnapshot(tuple(self.reservations_), self.last_update)

    def diag(self, identity: Identity) -> ControllerDiag:
        assert self.diag_ is not None
        return self.diag_

    def healthy(self) -> bool:
        return True

    def reload(self, conf: Any = None) -> None: ...

    def close(self) -> None: ...


def responses(reference: Path) -> Path:
    return reference / "slurm-22.05" / "responses"


def captured(reference: Path, stem: str) -> dict[str, Any]:
    return json.loads((responses(reference) / f"{stem}.json").read_text())


def status_of(reference: Path, stem: str) -> int:
    index = json.loads((reference / "slurm-22.05" / "index.json").read_text())
    (status,) = {r["status"] for r in index if (r["file"] or "").endswith(f"/{stem}.json")}
    return status


def ask(
    cluster: ReplayCluster,
    method: str,
    path: str,
    query: str = "",
    body: bytes = b"",
    peer: PeerInfo = PEER,
) -> tuple[int, dict[str, Any]]:
    context = AuthContext(os.getuid(), os.getgid(), "me")
    app = RestApp(
        units=[u for u in plugins.resolve(None, None) if u.version == "v0.0.38"],
        auth_plugins=[LocalAuth(context)],
        cluster=cluster,  # type: ignore[arg-type]
    )
    headers = Headers([("Content-Type", "application/json")] if body else [])
    response = asyncio.run(app(HttpRequest(method, path, query, "1.1", headers, body), peer))
    return response.status, json.loads(response.body) if response.body else {}


def check(reference: Path, stem: str, cluster: ReplayCluster, method: str, path: str, **kw):
    status, body = ask(cluster, method, path, **kw)
    assert status == status_of(reference, stem)
    expected = captured(reference, stem)
    assert body == expected
    assert list(body) == list(expected)


JOB_CAPTURES = {
    "running": "24",
    "held_other_user": "25",
    "array": "26",
    "completed": "22",
    "failed": "23",
    "rest_submitted": "27",
    "after_update": "27",
}


@pytest.mark.parametrize("case", sorted(JOB_CAPTURES))
def test_job(shared_reference, case):
    stem = f"GET_slurm_v0.0.38_job_{{job_id}}__{case}"
    jobs = [parse_job(r) for r in captured(shared_reference, stem)["jobs"]]
    path = f"/slurm/v0.0.38/job/{JOB_CAPTURES[case]}"
    check(shared_reference, stem, ReplayCluster(jobs_=jobs), "GET", path)


@pytest.mark.parametrize("stem", ["GET_slurm_v0.0.38_jobs", "GET_slurm_v0.0.38_jobs__as_bob"])
def test_jobs(shared_reference, stem):
    jobs = [parse_job(r) for r in captured(shared_reference, stem)["jobs"]]
    cluster = ReplayCluster(jobs_=jobs)
    check(shared_reference, stem, cluster, "GET", "/slurm/v0.0.38/jobs")
    check(
        shared_reference, stem, cluster, "GET", "/slurm/v0.0.38/jobs", query=f"update_time={UNSEEN}"
    )
    status, body = ask(cluster, "GET", "/slurm/v0.0.38/jobs", query="update_time=1795222105")
    assert (status, body) == (304, {})  # as captured (no body saved)


@pytest.mark.parametrize(
    ("stem", "path"),
    [
        ("GET_slurm_v0.0.38_job_{job_id}__err_not_found", "/slurm/v0.0.38/job/999999"),
        ("GET_slurm_v0.0.38_job_{job_id}__err_non_numeric", "/slurm/v0.0.38/job/abc"),
        ("GET_slurm_v0.0.38_job_{job_id}__array_task", "/slurm/v0.0.38/job/26_2"),
    ],
)
def test_job_lookup_errors(shared_reference, stem, path):
    jobs = [parse_job(r) for r in captured(shared_reference, "GET_slurm_v0.0.38_jobs")["jobs"]]
    check(shared_reference, stem, ReplayCluster(jobs_=jobs), "GET", path)


TABLES = [
    ("nodes", parse_node, "nodes", "node/node1", "GET_slurm_v0.0.38_node_{node_name}"),
    ("nodes", parse_node, "nodes", "node/node4", "GET_slurm_v0.0.38_node_{node_name}__drained"),
    ("partitions", parse_partition, "partitions", "partition/batch", None),
    ("reservations", parse_reservation, "reservations", "reservation/maint", None),
]


@pytest.mark.parametrize(("key", "parse", "list_path", "one_path", "one_stem"), TABLES)
def test_tables_list_one_and_unknown(shared_reference, key, parse, list_path, one_path, one_stem):
    list_stem = f"GET_slurm_v0.0.38_{list_path}"
    records = [parse(r) for r in captured(shared_reference, list_stem)[key]]
    cluster = ReplayCluster(**{f"{key}_": records})
    check(shared_reference, list_stem, cluster, "GET", f"/slurm/v0.0.38/{list_path}")
    kind = one_path.split("/")[0]
    one_stem = one_stem or f"GET_slurm_v0.0.38_{kind}_{{{kind}_name}}"
    one = [parse(r) for r in captured(shared_reference, one_stem)[key]]
    check(
        shared_reference,
        one_stem,
        ReplayCluster(**{f"{key}_": one}),
        "GET",
        f"/slurm/v0.0.38/{one_path}",
    )
    missing = f"GET_slurm_v0.0.38_{kind}_{{{kind}_name}}__err_not_found"
    check(shared_reference, missing, cluster, "GET", f"/slurm/v0.0.38/{kind}/nosuch")


def test_diag_ping_licenses(shared_reference):
    diag = parse_diag(captured(shared_reference, "GET_slurm_v0.0.38_diag")["statistics"])
    check(
        shared_reference,
        "GET_slurm_v0.0.38_diag",
        ReplayCluster(diag_=diag),
        "GET",
        "/slurm/v0.0.38/diag",
    )
    pings = [
        ControllerPing(p["hostname"], p["status"] == 0, 0, True, p["mode"])
        for p in captured(shared_reference, "GET_slurm_v0.0.38_ping")["pings"]
    ]
    cluster = ReplayCluster(pings=pings)
    check(shared_reference, "GET_slurm_v0.0.38_ping", cluster, "GET", "/slurm/v0.0.38/ping")
    check(
        shared_reference,
        "GET_slurm_v0.0.38_ping__trailing_slash",
        cluster,
        "GET",
        "/slurm/v0.0.38/ping/",
    )
    check(shared_reference, "GET_slurm_v0.0.38_licenses", cluster, "GET", "/slurm/v0.0.38/licenses")


def request_body(reference: Path, name: str) -> bytes:
    return (reference / "slurm-22.05" / "requests" / name).read_bytes()


SUBMIT_ERR = "POST_slurm_v0.0.38_job_submit__err_"


@pytest.mark.parametrize(
    ("stem", "request_file", "result", "refusal"),
    [
        ("POST_slurm_v0.0.38_job_submit", "submit_ok.json", SubmitResult(27), None),
        (
            "POST_slurm_v0.0.38_job_submit__array_held",
            "submit_hold_array.json",
            SubmitResult(28, notices=((2042, "Job is in held state, pending scheduler release"),)),
            None,
        ),
        (SUBMIT_ERR + "bad_partition", "submit_bad_partition.json", None,
         SlurmError(Errno.INVALID_PARTITION_NAME, "", "")),
        (SUBMIT_ERR + "empty_body", "submit_empty.json", None, None),
        (SUBMIT_ERR + "missing_script", "submit_no_script.json", None, None),
        (SUBMIT_ERR + "missing_job", "submit_no_job.json", None, None),
        (SUBMIT_ERR + "missing_environment", "submit_no_env.json", None, None),
        (SUBMIT_ERR + "unknown_field", "submit_unknown_field.json", None, None),
        (SUBMIT_ERR + "bad_type", "submit_bad_type.json", None, None),
    ],
)  # fmt: skip
def test_submit(shared_reference, stem, request_file, result, refusal):
    cluster = ReplayCluster(submitted=result, refusal=refusal)
    body = request_body(shared_reference, request_file)
    check(shared_reference, stem, cluster, "POST", "/slurm/v0.0.38/job/submit", body=body)
    reached = [what for what, _ in cluster.seen]
    assert reached == (["submit"] if result is not None or refusal is not None else [])


@pytest.mark.parametrize(
    ("stem", "path", "query", "refusal", "signal"),
    [
        ("DELETE_slurm_v0.0.38_job_{job_id}", "27", "", None, 9),
        ("DELETE_slurm_v0.0.38_job_{job_id}__signal_SIGUSR1", "24", "signal=SIGUSR1", None, 10),
        ("DELETE_slurm_v0.0.38_job_{job_id}__already_done", "22", "", Errno.ALREADY_DONE, 9),
        (
            "DELETE_slurm_v0.0.38_job_{job_id}__err_other_users_job",
            "25",
            "",
            Errno.ACCESS_DENIED,
            9,
        ),
        ("DELETE_slurm_v0.0.38_job_{job_id}__err_not_found", "999999", "", Errno.INVALID_JOB_ID, 9),
    ],
)
def test_delete(shared_reference, stem, path, query, refusal, signal):
    error = SlurmError(refusal, "", "") if refusal is not None else None
    cluster = ReplayCluster(refusal=error)
    check(shared_reference, stem, cluster, "DELETE", f"/slurm/v0.0.38/job/{path}", query=query)
    assert cluster.seen == [("signal", (path, signal))]


def test_update(shared_reference):
    cluster = ReplayCluster()
    body = request_body(shared_reference, "update_ok.json")
    stem = "POST_slurm_v0.0.38_job_{job_id}__update"
    check(shared_reference, stem, cluster, "POST", "/slurm/v0.0.38/job/27", body=body)
    ((what, (job_id, changes)),) = cluster.seen
    assert (what, job_id, changes.time_limit, changes.comment) == (
        "update",
        "27",
        20,
        "updated via REST",
    )


def test_update_refused(shared_reference):
    # The capture names the client's address; our peer says where the request came from.
    peer = PeerInfo(TransportKind.UNIX, "localhost:46574", PEER.credentials)
    cluster = ReplayCluster(refusal=SlurmError(Errno.USER_ID_MISSING, "", "job_update"))
    body = request_body(shared_reference, "update_ok.json")
    stem = "POST_slurm_v0.0.38_job_{job_id}__err_update_other_users_job"
    check(shared_reference, stem, cluster, "POST", "/slurm/v0.0.38/job/25", body=body, peer=peer)
