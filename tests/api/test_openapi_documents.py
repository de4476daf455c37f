"""The served OpenAPI documents equal upstream's references under upstream's comparison rule.

The rule (testsuite/python/lib/atf.py, assert_openapi_spec_eq) ignores every `description`,
every `tags`, `info.version` and `info.x-slurm`. The normaliser below is written from that rule
alone, independently of tools/build_specs.py, and applied to both sides.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from slurmrestd.api import openapi
from slurmrestd.api.openapi import SPEC_PATHS, document, operations
from slurmrestd.api.plugins import DATA_PARSERS, resolve

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / ".." / "shared" / "reference" / "openapi"
SPECS = REPO / "src" / "slurmrestd" / "api" / "specs"
RUNTIME_2205 = "v0.0.38+dbv0.0.38.runtime-22.05.8.json"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

needs_reference = pytest.mark.skipif(
    not REFERENCE.is_dir(), reason=f"reference OpenAPI documents not found at {REFERENCE}"
)

# (-s, -d, reference file): the selection each reference was generated with (README there).
REFERENCE_CASES = [
    (["v0.0.38", "dbv0.0.38"], None, RUNTIME_2205),
    *((["slurmctld", "slurmdbd"], [f"v0.0.4{m}"], f"v0.0.4{m}.json") for m in range(4)),
    *((["slurmctld", "slurmdbd", "util"], [f"v0.0.4{m}"], f"v0.0.4{m}.json") for m in (4, 5, 6)),
]

# Operations per URL root and version, from upstream notes Q2 (excluding /openapi*).
EXPECTED_OPERATIONS = {
    "v0.0.38": {"slurm": 14},
    "dbv0.0.38": {"slurmdb": 32},
    "v0.0.40": {"slurm": 22, "slurmdb": 36},
    "v0.0.41": {"slurm": 23, "slurmdb": 36},
    "v0.0.42": {"slurm": 23, "slurmdb": 37},
    "v0.0.43": {"slurm": 25, "slurmdb": 37},
    "v0.0.44": {"slurm": 27, "slurmdb": 39, "util": 2},
    "v0.0.45": {"slurm": 32, "slurmdb": 40, "util": 2},
    "v0.0.46": {"slurm": 32, "slurmdb": 40, "util": 2},
}
SHIPPED = {"v0.0.38.json", "dbv0.0.38.json", *(f"v0.0.4{m}.json" for m in range(7))}

Json = Any


def upstream_normalise(node: Json, top: bool = True) -> Json:
    if isinstance(node, list):
        return [upstream_normalise(item, False) for item in node]
    if not isinstance(node, dict):
        return node
    result = {
        key: upstream_normalise(value, False)
        for key, value in node.items()
        if key not in ("description", "tags")
    }
    if top and "info" in result:
        result["info"] = {
            k: v for k, v in result["info"].items() if k not in ("version", "x-slurm")
        }
    return result


def load_reference(name: str) -> Json:
    return orjson.loads((REFERENCE / name).read_bytes())


def refs(node: Json) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def assert_refs_resolve(doc: Json) -> None:
    schemas = doc["components"]["schemas"]
    dangling = {r for r in refs(doc) if r.removeprefix("#/components/schemas/") not in schemas}
    assert not dangling


def count_operations(doc: Json, prefix: str) -> int:
    return sum(
        1
        for path, item in doc["paths"].items()
        if path.startswith(prefix)
        for method in item
        if method in HTTP_METHODS
    )


# -- equality with the references -------------------------------------------------------------


@needs_reference
@pytest.mark.parametrize(("plugins", "parsers", "reference"), REFERENCE_CASES)
def test_document_equals_reference(plugins, parsers, reference):
    served = document(resolve(plugins, parsers))
    assert upstream_normalise(served) == upstream_normalise(load_reference(reference))


def test_fields_named_description_are_kept():
    # Upstream's rule would also drop these schema fields; they are data (account.description
    # is even `required`), so we keep them, stripped of their own prose.
    schemas = document(resolve(["v0.0.38", "dbv0.0.38"], None))["components"]["schemas"]
    kept = {n for n, s in schemas.items() if "description" in s.get("properties", {})}
    assert kept == {"dbv0.0.38_account", "dbv0.0.38_qos", "dbv0.0.38_error"}
    assert schemas["dbv0.0.38_account"]["properties"]["description"] == {"type": "string"}
    account = document(resolve(["slurmdbd"], ["v0.0.46"]))["components"]["schemas"][
        "v0.0.46_account"
    ]
    assert "description" in account["required"] and "description" in account["properties"]


@needs_reference
@pytest.mark.parametrize("minor", range(4))
def test_util_adds_nothing_before_v0_0_44(minor):
    # The v0.0.40..43 references were generated without openapi/util; the default -s has it.
    served = document(resolve(None, [f"v0.0.4{minor}"]))
    reference = load_reference(f"v0.0.4{minor}.json")
    assert upstream_normalise(served) == upstream_normalise(reference)


@needs_reference
@pytest.mark.parametrize("parser", DATA_PARSERS)
def test_util_unit_exists_exactly_when_the_document_has_util_paths(parser):
    version = parser.removeprefix("data_parser/")
    has_util = any(p.startswith("/util/") for p in load_reference(f"{version}.json")["paths"])
    plugins = {unit.plugin for unit in resolve(None, [version])}
    assert ("openapi/util" in plugins) == has_util


@needs_reference
@pytest.mark.parametrize(("plugins", "parsers", "reference"), REFERENCE_CASES)
def test_operation_counts_match_reference(plugins, parsers, reference):
    ref = load_reference(reference)
    for unit in resolve(plugins, parsers):
        assert len(operations([unit])) == count_operations(ref, unit.path_prefix), unit
        expected = EXPECTED_OPERATIONS[unit.version][unit.path_prefix.split("/")[1]]
        assert len(operations([unit])) == expected


# -- the default merged document ----------------------------------------------------------------


def test_default_document_refs_resolve_and_counts():
    units = resolve(None, None)
    merged = document(units)
    assert_refs_resolve(merged)
    counts: dict[str, Counter[str]] = {}
    for op in operations(units):
        counts.setdefault(op.unit.version, Counter())[op.path.split("/")[1]] += 1
    assert {v: dict(c) for v, c in counts.items()} == EXPECTED_OPERATIONS
    assert sum(sum(c.values()) for c in EXPECTED_OPERATIONS.values()) == len(operations(units))


def test_default_document_is_the_union_of_its_units():
    units = resolve(None, None)
    merged = document(units)
    paths: set[str] = set()
    schemas: set[str] = set()
    for unit in units:
        part = document([unit])
        paths |= set(part["paths"])
        schemas |= set(part["components"]["schemas"])
        # Schema names carry their version, so no two units can claim the same one.
        prefix = unit.version + "_"
        foreign = {s for s in part["components"]["schemas"] if not s.startswith(prefix)}
        assert foreign <= ({"v0.0.38_meta"} if unit.version == "dbv0.0.38" else set())
    assert set(merged["paths"]) == paths
    assert set(merged["components"]["schemas"]) == schemas


def test_default_document_frame_is_the_newest():
    newest = document(resolve(None, ["latest"]))
    merged = document(resolve(None, None))
    for key in ("openapi", "info", "servers", "security"):
        assert merged[key] == newest[key]
    assert merged["components"]["securitySchemes"] == newest["components"]["securitySchemes"]


def test_operation_ids_are_unique():
    ids = Counter(op.operation_id for op in operations(resolve(None, None)))
    assert [i for i, n in ids.items() if n > 1] == []


# -- subsets ------------------------------------------------------------------------------------


def test_v0_0_38_alone():
    doc = document(resolve(["v0.0.38"], None))
    versioned = [p for p in doc["paths"] if p not in SPEC_PATHS]
    assert versioned and all(p.startswith("/slurm/v0.0.38/") for p in versioned)
    # Every 22.05 plugin document lists the spec endpoints.
    assert set(doc["paths"]) - set(versioned) == set(SPEC_PATHS)
    assert all(not s.startswith("dbv") for s in doc["components"]["schemas"])
    assert_refs_resolve(doc)
    assert {op.path.split("/")[1] for op in operations(resolve(["v0.0.38"], None))} == {"slurm"}


def test_dbv0_0_38_alone_carries_the_shared_meta_schema():
    doc = document(resolve(["dbv0.0.38"], None))
    assert all(p.startswith("/slurmdb/v0.0.38/") or p in SPEC_PATHS for p in doc["paths"])
    assert "v0.0.38_meta" in doc["components"]["schemas"]
    assert_refs_resolve(doc)


@pytest.mark.parametrize("plugin", ["slurmctld", "slurmdbd", "util"])
def test_single_content_plugin(plugin):
    root = {"slurmctld": "slurm", "slurmdbd": "slurmdb", "util": "util"}[plugin]
    doc = document(resolve([plugin], ["v0.0.46"]))
    assert doc["paths"]
    assert all(p.startswith(f"/{root}/v0.0.46/") for p in doc["paths"])
    assert_refs_resolve(doc)


def test_content_plugin_parts_merge_to_the_whole():
    whole = document(resolve(None, ["v0.0.46"]))
    parts = [document(resolve([p], ["v0.0.46"])) for p in ("slurmctld", "slurmdbd", "util")]
    assert {p for part in parts for p in part["paths"]} == set(whole["paths"])
    schemas = {s for part in parts for s in part["components"]["schemas"]}
    assert schemas == set(whole["components"]["schemas"])


# -- operations ---------------------------------------------------------------------------------


def test_operation_details_v0_0_38():
    ops = {(op.method, op.path): op for op in operations(resolve(["v0.0.38"], None))}
    get_job = ops["GET", "/slurm/v0.0.38/job/{job_id}"]
    assert get_job.path_params == {"job_id": "string"}
    assert get_job.unit.version == "v0.0.38" and not get_job.deprecated
    # The signal parameter is typed through a $ref to an enum schema.
    assert ops["DELETE", "/slurm/v0.0.38/job/{job_id}"].query_params == {"signal": "string"}
    assert ops["GET", "/slurm/v0.0.38/jobs"].query_params == {"update_time": "integer"}
    submit = ops["POST", "/slurm/v0.0.38/job/submit"]
    assert submit.request_body_ref == "#/components/schemas/v0.0.38_job_submission"
    assert all(op.method in {"GET", "POST", "DELETE"} for op in ops.values())


def test_operation_details_v0_0_46():
    ops = {(op.method, op.path): op for op in operations(resolve(None, ["v0.0.46"]))}
    get_job = ops["GET", "/slurm/v0.0.46/job/{job_id}"]
    assert get_job.operation_id == "slurm_v0046_get_job"
    assert get_job.query_params == {"update_time": "string", "flags": "string"}
    assert get_job.unit.plugin == "openapi/slurmctld"
    assert ops["POST", "/util/v0.0.46/hostnames"].unit.plugin == "openapi/util"
    assert not any(op.deprecated for op in ops.values())


def test_deprecated_flags_follow_the_document():
    assert all(op.deprecated for op in operations(resolve(None, ["v0.0.40"])))


def test_literal_segments_route_before_parameters():
    order = [(op.method, op.path) for op in operations(resolve(["v0.0.38"], None))]
    submit = order.index(("POST", "/slurm/v0.0.38/job/submit"))
    assert submit < order.index(("POST", "/slurm/v0.0.38/job/{job_id}"))
    order = [(op.method, op.path) for op in operations(resolve(None, ["v0.0.46"]))]
    allocate = order.index(("POST", "/slurm/v0.0.46/job/allocate"))
    assert allocate < order.index(("POST", "/slurm/v0.0.46/job/{job_id}"))


def test_operation_spec_is_hashable_and_immutable():
    op = operations(resolve(["v0.0.38"], None))[0]
    assert hash(op) == hash(op)
    with pytest.raises(TypeError):
        op.path_params["x"] = "string"  # type: ignore[index]


# -- document() behaviour -----------------------------------------------------------------------


def test_document_returns_a_private_copy():
    units = resolve(["v0.0.38"], None)
    first = document(units)
    first["paths"].clear()
    assert document(units)["paths"]


def test_document_rejects_no_units():
    with pytest.raises(ValueError):
        document([])


@needs_reference
def test_info_version_fills_required_fields_only():
    units = resolve(None, ["v0.0.46"])
    doc = document(units, info_version="slurmrestd-py 0.1.0")
    assert doc["info"]["version"] == "slurmrestd-py 0.1.0"
    responses = [
        r
        for item in doc["paths"].values()
        for m in HTTP_METHODS
        for r in item.get(m, {}).get("responses", {}).values()
    ]
    assert responses and all(isinstance(r["description"], str) for r in responses)
    reference = load_reference("v0.0.46.json")
    assert upstream_normalise(doc) == upstream_normalise(reference)


def _clear_caches() -> None:
    openapi._unit_part.cache_clear()
    openapi._merged.cache_clear()


def test_conflicting_definitions_are_refused(monkeypatch):
    # Swap the package data (the module's input boundary) for a dbv0.0.38 document whose copy
    # of the shared v0.0.38_meta schema differs from v0.0.38's.
    real = openapi._spec_file

    def spec_file(name: str) -> Json:
        doc = real(name)
        if name != "dbv0.0.38.json":
            return doc
        schemas = {**doc["components"]["schemas"], "v0.0.38_meta": {"type": "string"}}
        return {**doc, "components": {**doc["components"], "schemas": schemas}}

    monkeypatch.setattr(openapi, "_spec_file", spec_file)
    _clear_caches()
    try:
        with pytest.raises(openapi.SpecConflictError, match=r"v0\.0\.38_meta"):
            document(resolve(["v0.0.38", "dbv0.0.38"], None))
    finally:
        _clear_caches()


# -- the shipped files ------------------------------------------------------------------------


def test_shipped_files_are_exactly_the_served_versions():
    assert {p.name for p in SPECS.glob("*.json")} == SHIPPED


def _prose(node: Json, where: str, parent: str | None = None) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _prose(item, where)
    elif isinstance(node, dict):
        for key, value in node.items():
            # A key under `properties` is a field name (account.description), not prose.
            if parent != "properties" and key in ("description", "tags", "x-slurm"):
                yield f"{where}: {key}"
            yield from _prose(value, where, key)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_files_carry_no_upstream_prose(name):
    raw = (SPECS / name).read_bytes()
    doc = orjson.loads(raw)
    assert list(_prose(doc, name)) == []
    assert "version" not in doc["info"]
    # Field schemas named description keep only their type.
    for schema in doc["components"]["schemas"].values():
        field = schema.get("properties", {}).get("description")
        if field is not None:
            assert not any(isinstance(v, str) and " " in v for v in field.values())
    # Compact, sorted keys.
    assert raw == orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)


@needs_reference
def test_shipped_files_are_up_to_date():
    spec = importlib.util.spec_from_file_location("build_specs", REPO / "tools" / "build_specs.py")
    assert spec and spec.loader
    build_specs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_specs)
    built = build_specs.build(REFERENCE)
    assert set(built) == SHIPPED
    stale = [name for name, data in built.items() if (SPECS / name).read_bytes() != data]
    assert stale == [], "run tools/build_specs.py"
