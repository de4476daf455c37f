"""Requests the fuzzer once answered wrongly, pinned after the fix (one test per finding)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fuzz_oracle import problems, response_schemas
from fuzz_requests import FuzzRequest

from slurmrestd.api import schema


def _send(target: Any, method: str, path: str, body: Any = None) -> tuple[int, Any, list[str]]:
    """Status, parsed body and what fuzz_oracle finds wrong with the answer."""
    data = orjson.dumps(body) if body is not None else b""
    headers = [("Content-Type", "application/json")] if data else []
    response = target.send(FuzzRequest(method, path, "", headers, data))
    spec = target.operation_for(method, path)
    ok_schema, error_schema = response_schemas(target.document, spec.method, spec.path)
    found = problems(response, spec.unit.version, ok_schema, error_schema)
    return response.status, orjson.loads(response.body) if response.body else None, found


# --- 23.11+ error answers carry their schema's required fields ------------------------


@pytest.mark.parametrize(
    ("method", "path", "required"),
    [
        ("GET", "/slurm/v0.0.46/job/999999", ("jobs", "last_backfill", "last_update")),
        ("GET", "/slurm/v0.0.41/node/nosuch", ("nodes", "last_update")),
        ("POST", "/util/v0.0.46/hostnames", ("hostnames",)),
        ("POST", "/slurmdb/v0.0.44/accounts_association/", ("added_accounts",)),
    ],
)
def test_error_answer_has_the_required_fields(fuzz_target, method, path, required):
    # Before: only meta/errors/warnings, which the `default` response schema refuses.
    status, doc, found = _send(fuzz_target, method, path, {} if method == "POST" else None)
    assert status >= 400 and doc["errors"]
    assert set(required) <= set(doc)
    assert found == []


def test_minimal_value_is_the_zeroed_struct():
    minimal = schema.minimal_value("v0.0.46", "v0.0.46_openapi_job_info_resp")
    assert minimal == {
        "jobs": [],
        "last_backfill": {"set": False, "infinite": False, "number": 0},
        "last_update": {"set": False, "infinite": False, "number": 0},
    }
    stats = schema.minimal_value("v0.0.46", "v0.0.46_openapi_slurmdbd_stats_resp")
    assert stats == {"statistics": {}}  # v0.0.46_stats_rec requires nothing
    with pytest.raises(schema.UnknownSchema):
        schema.minimal_value("v0.0.46", "v0.0.46_nosuch")


def test_22_05_error_answers_stay_as_captured(fuzz_target):
    # GET_slurm_v0.0.38_job_{job_id}__err_not_found: 22.05 wrote only jobs, nothing else.
    status, doc, found = _send(fuzz_target, "GET", "/slurm/v0.0.38/job/999999")
    assert (status, sorted(doc)) == (500, ["errors", "jobs", "meta"])
    assert found == []


# --- slurmdb bodies: nothing invalid reaches the store -----------------------------------


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        # 22.05 answered 200 with its own entry; newer versions refuse.
        ("/slurmdb/v0.0.38/clusters", 200, "each cluster entry must be a dictionary"),
        ("/slurmdb/v0.0.40/clusters/", 400, "clusters"),
    ],
)
def test_null_record_is_refused(fresh_target, path, status, text):
    got, doc, found = _send(fresh_target, "POST", path, {"clusters": [None]})
    assert got == status and text in doc["errors"][0]["description"], doc
    assert found == []


@pytest.mark.parametrize(
    "path",
    ["/slurmdb/v0.0.38/clusters", "/slurmdb/v0.0.41/clusters/", "/slurmdb/v0.0.46/clusters/"],
)
def test_unknown_cluster_flag_is_refused(fresh_target, path):
    body = {"clusters": [{"name": "c1", "flags": ["node[1-3]"]}]}
    status, doc, _ = _send(fresh_target, "POST", path, body)
    assert status == 400 and "flags" in doc["errors"][0]["description"]
    status, doc, found = _send(fresh_target, "GET", "/slurmdb/v0.0.46/clusters/")
    assert "c1" not in [c["name"] for c in doc["clusters"]] and found == []


def test_flag_case_is_read_as_the_schema_spells_it(fresh_target):
    body = {"clusters": [{"name": "c2", "flags": ["multiple_slurmd"]}]}
    status, doc, _ = _send(fresh_target, "POST", "/slurmdb/v0.0.46/clusters/", body)
    assert status == 200 and doc["warnings"]
    _, doc, found = _send(fresh_target, "GET", "/slurmdb/v0.0.46/cluster/c2")
    assert doc["clusters"][0]["flags"] == ["MULTIPLE_SLURMD"] and found == []


def test_item_enum_reads_array_and_plain_enums():
    assert "MULTIPLE_SLURMD" in schema.item_enum("v0.0.46", "v0.0.46_cluster_rec", "flags")
    assert schema.item_enum("v0.0.46", "v0.0.46_cluster_rec", "name") == ()


# --- job ids that are no job ids ---------------------------------------------------------


@pytest.mark.parametrize("job_id", ["99999999999999999999999", "²", "١٢"])
def test_delete_of_a_non_job_id_is_a_404(fuzz_target, job_id):
    status, doc, found = _send(fuzz_target, "DELETE", f"/slurm/v0.0.46/job/{job_id}")
    assert status == 404 and doc["status"][0]["job_id"]["number"] == 0
    assert found == []


def test_22_05_takes_only_ascii_digits_as_job_ids(fuzz_target):
    # GET_slurm_v0.0.38_job_{job_id}__err_non_numeric: 400 for anything but digits.
    status, doc, found = _send(fuzz_target, "GET", "/slurm/v0.0.38/job/²")
    assert status == 400 and doc["errors"][0]["error_number"] == 9002
    assert found == []


# --- digits that int() refuses ("¹".isdigit() is True) ------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "query", "status"),
    [
        ("GET", "/slurmdb/v0.0.40/wckeys/", "id=%C2%B9", 422),
        ("DELETE", "/slurm/v0.0.46/job/1", "signal=%C2%B9", 422),
        ("GET", "/slurmdb/v0.0.46/wckey/¹", "", 200),  # a name, not an id: nothing found
    ],
)
def test_superscript_digits_are_not_numbers(fuzz_target, method, path, query, status):
    request = FuzzRequest(method, path, query, [], b"")
    response = fuzz_target.send(request)
    spec = fuzz_target.operation_for(method, path)
    assert response.status == status
    assert problems(response, spec.unit.version, *response_schemas(
        fuzz_target.document, spec.method, spec.path)) == []  # fmt: skip


# --- job bodies the controller would refuse with EINVAL (a 500) --------------------------


@pytest.mark.parametrize("version", ["v0.0.41", "v0.0.46"])
def test_unknown_kill_warning_signal_names_the_field(fuzz_target, version):
    job = {"hold": True, "current_working_directory": str(fuzz_target.scratch),
           "environment": ["A=1"], "kill_warning_signal": "root"}  # fmt: skip
    body = {"script": "#!/bin/sh\ntrue\n", "job": job}
    status, doc, found = _send(fuzz_target, "POST", f"/slurm/{version}/job/submit", body)
    assert status == 400 and doc["errors"][0]["description"].startswith("job/kill_warning_signal")
    assert found == []


# --- the six open issues of the first fuzz runs, as the fuzzer found them ---------------

MEMORY = {"set": True, "number": 10}
FORMER_OPEN_ISSUES = [
    # (method, path, body, status): errno 22 became a 500 on v0.0.40+
    ("POST", "/slurmdb/v0.0.46/associations/",
     {"associations": [{"account": "root", "cluster": "nosuch", "user": "root"}]}, 422),
    ("POST", "/slurm/v0.0.46/job/submit",
     {"script": "#!/bin/sh\ntrue\n", "job": {"hold": True, "environment": ["A=1"],
      "memory_per_cpu": MEMORY, "memory_per_node": MEMORY}}, 400),
    # an infinite reservation start reached int() in the engine
    ("POST", "/slurm/v0.0.46/reservation",
     {"start_time": {"infinite": True, "set": True, "number": 1}}, 400),
    # a coordinator named twice broke a UNIQUE constraint
    ("POST", "/slurmdb/v0.0.46/users/",
     {"users": [{"name": "fuzz", "coordinators": [{"name": "root"}, {"name": "root"}]}]}, 200),
    # ids read with isdigit() and int()
    ("GET", "/slurm/v0.0.46/job/99999999999999999999999/requeue", None, 404),
    ("GET", "/slurm/v0.0.46/job/¹/requeue", None, 404),
    ("DELETE", "/slurm/v0.0.46/jobs/", {"signal": "¹", "jobs": ["1"]}, 400),
    # an infinite node weight reached int() in the engine
    ("POST", "/slurm/v0.0.46/node/{node}", {"weight": {"infinite": True}}, 400),
    # an account naming one coordinator twice broke a UNIQUE constraint
    ("POST", "/slurmdb/v0.0.46/accounts/",
     {"accounts": [{"name": "lab", "description": "d", "organization": "o",
                    "coordinators": [{"name": "root"}, {"name": "root"}]}]}, 200),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "status"), FORMER_OPEN_ISSUES)
def test_former_open_issues(fresh_target, method, path, body, status):
    path = path.format(node=fresh_target.known["node_name"][0])
    answered, _, found = _send(fresh_target, method, path, body)
    assert (answered, found) == (status, [])


@pytest.mark.parametrize(
    ("write", "read"),
    [
        # stored job changes came back with tres_allocated as dicts
        (("/slurmdb/v0.0.46/job/1", {"tres": {"allocated": [{"type": "cpu", "count": 1}]}}),
         "/slurmdb/v0.0.46/jobs/"),
        # a stored text "INFINITE" came back as float inf (null)
        (("/slurmdb/v0.0.46/qos/", {"qos": [{"name": "q1", "description": "INFINITE"}]}),
         "/slurmdb/v0.0.46/qos/q1"),
    ],
)  # fmt: skip
def test_stored_records_read_back(fresh_target, write, read):
    status, _, found = _send(fresh_target, "POST", *write)
    assert (status, found) == (200, [])
    status, _, found = _send(fresh_target, "GET", read)
    assert (status, found) == (200, [])
