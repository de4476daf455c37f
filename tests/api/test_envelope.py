"""The response envelope (slurmrestd.api.envelope): meta per generation, errors, status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from slurmrestd.api.envelope import ClientInfo, Envelope, SlurmRelease
from slurmrestd.api.mime import Format
from slurmrestd.api.plugins import ApiUnit, resolve
from slurmrestd.api.serialize import dump, load
from slurmrestd.cluster.errors import Errno, SlurmError

UNITS = {(u.plugin, u.version): u for u in resolve(None, None)}
V38 = UNITS["openapi/v0.0.38", "v0.0.38"]
DBV38 = UNITS["openapi/dbv0.0.38", "dbv0.0.38"]
V46 = UNITS["openapi/slurmctld", "v0.0.46"]
DBV46 = UNITS["openapi/slurmdbd", "v0.0.46"]
V40 = UNITS["openapi/slurmctld", "v0.0.40"]

RELEASE_2205 = SlurmRelease(22, 5, 8, "testbed")
CLIENT = ClientInfo("[unix]:1234", "alice", "users")


def envelope(unit: ApiUnit, release: SlurmRelease = RELEASE_2205, **kw: Any) -> Envelope:
    return Envelope(unit=unit, release=release, client=CLIENT, **kw)


def test_release_string():
    assert SlurmRelease(22, 5, 8).release == "22.05.8"
    assert SlurmRelease(24, 11, 0).release == "24.11.0"


# --- 22.05 meta ---------------------------------------------------------------------------

META_V38 = {
    "plugin": {"type": "openapi/v0.0.38", "name": "Slurm OpenAPI v0.0.38"},
    "Slurm": {"version": {"major": 22, "micro": 8, "minor": 5}, "release": "22.05.8"},
}
META_DBV38 = {
    "plugin": {"type": "openapi/dbv0.0.38", "name": "Slurm OpenAPI DB v0.0.38"},
    "Slurm": {"version": {"major": 22, "micro": 8, "minor": 5}, "release": "22.05.8"},
}


@pytest.mark.parametrize(("unit", "expected"), [(V38, META_V38), (DBV38, META_DBV38)])
def test_meta_2205_exact(unit, expected):
    meta = envelope(unit).meta()
    assert meta == expected
    # Key order as served (plugin before Slurm; type before name; major, micro, minor).
    assert json.dumps(meta) == json.dumps(expected)
    assert all(type(v) is int for v in meta["Slurm"]["version"].values())


@pytest.mark.parametrize(
    ("capture", "unit"),
    [("GET_slurm_v0.0.38_ping.json", V38), ("GET_slurmdb_v0.0.38_diag.json", DBV38)],
)
def test_meta_2205_matches_capture(shared_reference: Path, capture: str, unit: ApiUnit):
    served = json.loads((shared_reference / "slurm-22.05" / "responses" / capture).read_text())
    assert envelope(unit).meta() == served["meta"]


def test_render_2205_has_no_warnings_and_keeps_order():
    env = envelope(V38)
    env.warn("ignored in 22.05", "test")
    document = env.render({"pings": [{"hostname": "h"}]})
    assert list(document) == ["meta", "errors", "pings"]
    assert "warnings" not in document
    assert document["errors"] == []


def test_render_2205_ping_capture_shape(shared_reference: Path):
    path = shared_reference / "slurm-22.05" / "responses" / "GET_slurm_v0.0.38_ping.json"
    served = json.loads(path.read_text())
    document = envelope(V38).render({"pings": served["pings"]})
    assert document == served
    assert list(document) == list(served)


# --- 23.11+ meta --------------------------------------------------------------------------

RELEASE_NEW = SlurmRelease(25, 5, 3, "testbed")


def test_meta_new_exact():
    meta = envelope(V46, RELEASE_NEW, accounting_storage="accounting_storage/slurmdbd").meta()
    assert meta == {
        "plugin": {
            "type": "openapi/slurmctld",
            "name": "Slurm OpenAPI slurmctld",
            "data_parser": "data_parser/v0.0.46",
            "accounting_storage": "accounting_storage/slurmdbd",
        },
        "client": {"source": "[unix]:1234", "user": "alice", "group": "users"},
        "command": [],
        "slurm": {
            "version": {"major": "25", "micro": "3", "minor": "05"},
            "release": "25.05.3",
            "cluster": "testbed",
        },
    }


@pytest.mark.parametrize(
    ("unit", "plugin", "parser"),
    [
        (DBV46, "openapi/slurmdbd", "data_parser/v0.0.46"),
        (V40, "openapi/slurmctld", "data_parser/v0.0.40"),
    ],
)
def test_meta_new_names_plugin_and_parser(unit, plugin, parser):
    meta = envelope(unit, RELEASE_NEW).meta()
    assert meta["plugin"]["type"] == plugin
    assert meta["plugin"]["name"] == f"Slurm OpenAPI {plugin.removeprefix('openapi/')}"
    assert meta["plugin"]["data_parser"] == parser
    assert "Slurm" not in meta


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    return schema


_TYPES = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict}


def _conforms(value: Any, schema: dict[str, Any], schemas: dict[str, Any], where: str) -> list:
    """Problems of `value` against `schema`: wrong types and missing/extra object keys."""
    schema = _resolve(schema, schemas)
    kind = schema.get("type")
    if kind and not isinstance(value, _TYPES[kind]):
        return [f"{where}: {type(value).__name__} is not {kind}"]
    problems = []
    if kind == "object" and "properties" in schema:
        if set(value) != set(schema["properties"]):
            problems.append(f"{where}: keys {sorted(value)} != {sorted(schema['properties'])}")
        for key, sub in schema["properties"].items():
            if key in value:
                problems += _conforms(value[key], sub, schemas, f"{where}.{key}")
    if kind == "array":
        for i, item in enumerate(value):
            problems += _conforms(item, schema.get("items", {}), schemas, f"{where}[{i}]")
    return problems


def test_new_envelope_conforms_to_reference_schema(shared_reference: Path):
    spec = json.loads((shared_reference / "openapi" / "v0.0.46.json").read_text())
    schemas = spec["components"]["schemas"]
    env = envelope(V46, RELEASE_NEW)
    env.error(Errno.INVALID_JOB_ID, "Unable to find JobId=1", "slurm_load_job")
    env.warn("something odd", "test")
    document = env.render()
    schema = {"$ref": "#/components/schemas/v0.0.46_openapi_resp"}
    assert _conforms(document, schema, schemas, "resp") == []


def test_render_new_has_warnings_and_keeps_order():
    env = envelope(V46, RELEASE_NEW)
    env.warn("deprecated field", "job.x")
    env.warn("second")
    document = env.render({"pings": []})
    assert list(document) == ["meta", "errors", "warnings", "pings"]
    assert document["warnings"] == [
        {"description": "deprecated field", "source": "job.x"},
        {"description": "second", "source": ""},
    ]
    assert envelope(V46, RELEASE_NEW).render()["warnings"] == []


# --- errors and status --------------------------------------------------------------------


def test_error_item_keys():
    env = envelope(V38)
    env.error(Errno.INVALID_JOB_ID, "Unable to find JobId=999999", "slurm_load_job")
    # As in GET_slurm_v0.0.38_job_{job_id}__err_not_found.json.
    assert env.errors == [
        {
            "description": "Unable to find JobId=999999",
            "error_number": 2017,
            "error": "Invalid job id specified",
            "source": "slurm_load_job",
        }
    ]
    assert list(env.errors[0]) == ["description", "error_number", "error", "source"]
    assert type(env.errors[0]["error_number"]) is int


def test_error_defaults_and_unknown_number():
    env = envelope(V46, RELEASE_NEW)
    env.error(424242)
    assert env.errors == [
        {"description": "", "error_number": 424242, "error": "Unknown error 424242", "source": ""}
    ]


def test_add_slurm_error():
    env = envelope(V38)
    env.add_slurm_error(SlurmError(Errno.ACCESS_DENIED, "no", "slurmdb_get_stats"))
    assert env.errors[0]["error_number"] == 2002
    assert env.errors[0]["error"] == "Access/permission denied"
    assert env.errors[0]["source"] == "slurmdb_get_stats"


def test_no_error_is_200():
    env = envelope(V38)
    env.warn("only a warning")
    assert env.status == 200
    assert env.first_errno is None


@pytest.mark.parametrize(
    ("unit", "errnos", "status"),
    [
        # The first error decides, whatever follows.
        (V38, [Errno.REST_INVALID_JOBS_DESC, Errno.INVALID_JOB_ID], 400),
        (V38, [Errno.INVALID_JOB_ID, Errno.REST_INVALID_JOBS_DESC], 500),
        (V38, [Errno.NOT_IMPLEMENTED], 501),
        (DBV38, [Errno.ACCESS_DENIED], 500),
        (V46, [Errno.INVALID_JOB_ID, Errno.ACCESS_DENIED], 404),
        (V46, [Errno.ACCESS_DENIED, Errno.INVALID_JOB_ID], 403),
        (V46, [Errno.SOCKET_TIMEOUT], 504),
        (V46, [Errno.REST_INVALID_QUERY, Errno.SOCKET_TIMEOUT], 422),
        (DBV46, [Errno.DB_CONNECTION], 502),
    ],
)
def test_first_error_decides_status(unit, errnos, status):
    env = envelope(unit, RELEASE_NEW)
    for errno in errnos:
        env.error(errno)
    assert env.first_errno == errnos[0]
    assert env.status == status
    assert [e["error_number"] for e in env.errors] == [int(e) for e in errnos]


@pytest.mark.parametrize("unit", [V38, V46])
def test_rendered_errors_serialize_in_every_format(unit):
    env = envelope(unit, RELEASE_NEW)
    env.error(Errno.INVALID_JOB_ID, "Unable to find JobId=1", "slurm_load_job")
    document = env.render()
    for fmt in (Format.JSON, Format.YAML):
        assert load(dump(document, fmt), fmt) == document


def test_empty_description_omitted_in_2205_only():
    # As in GET_slurmdb_v0.0.38_diag__err_not_admin.json: no description key at all.
    env = envelope(V38)
    env.error(Errno.ACCESS_DENIED, "", "slurmdb_get_stats")
    assert env.errors == [
        {"error_number": 2002, "error": "Access/permission denied", "source": "slurmdb_get_stats"}
    ]
    newer = envelope(V46, RELEASE_NEW)
    newer.error(Errno.ACCESS_DENIED, "", "x")
    assert newer.errors[0]["description"] == ""


def test_raw_entries_keep_their_shape_and_decide_status():
    # 22.05's job submit errors: {"error_code", "error"}; an entry without errno only adds text.
    env = envelope(V38)
    env.entry({"description": 'Unknown key "x"', "source": "hsearch_r"}, None)
    assert env.status == 200
    env.entry({"error_code": 9001, "error": "Failure during parsing"}, 9001)
    assert env.errors[1] == {"error_code": 9001, "error": "Failure during parsing"}
    assert env.status == 400


def test_entries_report_one_failure():
    # As POST .../job/submit without environment: 2127 then 9001; the status is 9001's (400).
    env = envelope(V38)
    env.entries(
        [
            {"error": "environment must be set", "error_code": 2127},
            {"error_code": 9001, "error": "Failure during parsing"},
        ],
        Errno.REST_FAIL_PARSING,
    )
    assert len(env.errors) == 2
    assert env.status == 400
