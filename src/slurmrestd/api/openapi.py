"""OpenAPI documents and the operation table of the loaded API units.

Owns: reading the spec files shipped as package data (slurmrestd/api/specs/, built by
tools/build_specs.py), cutting one unit's part out of its parser's document, merging parts into
the document served at /openapi/v3 and printed by --generate-openapi-spec, and listing the
operations the router binds. Knows nothing of HTTP, handlers or backends.

The files are upstream's documents after upstream's own comparison rule (no descriptions,
tags, info.version, info.x-slurm), except that schema fields named `description` are kept
(see tools/build_specs.py). So `normalise(document(units)) == normalise(reference)` under
upstream's rule, and the document carries no upstream prose.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from importlib import resources
from types import MappingProxyType
from typing import Any

import orjson

from slurmrestd.api.plugins import GENERATION_22_05, ApiUnit

# Spec endpoints. Every 22.05 plugin document lists them (so they appear in 22.05-era
# documents); 23.11+ hides them from the document but still serves them. They belong to no
# unit: operations() leaves them out and the router binds them to the spec handler itself.
SPEC_PATHS: tuple[str, ...] = ("/openapi", "/openapi.json", "/openapi.yaml", "/openapi/v3")

_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SCHEMA_REF = "#/components/schemas/"
_SPECS_PACKAGE = "slurmrestd.api"

Json = Any


class SpecConflictError(ValueError):
    """Two loaded units define the same path or schema name differently."""


@dataclass(frozen=True, slots=True)
class OperationSpec:
    """One (method, path template) of a unit, with the parameter types used to match it."""

    method: str  # upper case: "GET"
    path: str  # template as in the document: "/slurm/v0.0.38/job/{job_id}"
    operation_id: str
    unit: ApiUnit
    path_params: Mapping[str, str] = field(hash=False)  # name -> OpenAPI type
    query_params: Mapping[str, str] = field(hash=False)  # name -> OpenAPI type
    request_body_ref: str | None  # "#/components/schemas/v0.0.46_job_submit_req"
    deprecated: bool


@functools.cache
def _spec_file(name: str) -> Json:
    # Loaded on first use, never at import: `-s list` or `-h` must not parse 1.2 MB of JSON.
    return orjson.loads((resources.files(_SPECS_PACKAGE) / "specs" / name).read_bytes())


def _iter_refs(node: Json) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _iter_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _iter_refs(item)


def _reachable(roots: Iterable[Json], schemas: Mapping[str, Json]) -> set[str]:
    pending = [ref for root in roots for ref in _iter_refs(root)]
    seen: set[str] = set()
    while pending:
        name = pending.pop().removeprefix(_SCHEMA_REF)
        if name not in seen:
            seen.add(name)
            pending.extend(_iter_refs(schemas[name]))
    return seen


@functools.cache
def _unit_part(unit: ApiUnit) -> Json:
    """The document a unit contributes: its paths plus the schemas they reach.

    22.05-era files already are one unit each. A 23.11+ parser file holds slurmctld, slurmdbd
    and util together (they share the meta/error schemas, so one file avoids copies); the
    unit's part is cut out here, the way upstream's generator only emits referenced schemas.
    """
    document = _spec_file(unit.spec)
    if unit.generation == GENERATION_22_05:
        return document
    paths = {p: item for p, item in document["paths"].items() if p.startswith(unit.path_prefix)}
    schemas = document["components"]["schemas"]
    names = _reachable(paths.values(), schemas)
    part = {key: value for key, value in document.items() if key not in ("paths", "components")}
    part["components"] = {
        **document["components"],
        "schemas": {name: schemas[name] for name in sorted(names)},
    }
    part["paths"] = paths
    return part


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in version.removeprefix("db").removeprefix("v").split("."))


def _frame_rank(unit: ApiUnit) -> tuple[bool, tuple[int, ...], bool]:
    # The frame (openapi, info, servers, security, securitySchemes) comes from the newest
    # unit. Between the 22.05 pair v0.0.38 wins: 22.05 takes the frame from the first plugin
    # loaded, and the `-s v0.0.38,dbv0.0.38` capture carries v0.0.38's.
    modern = unit.generation != GENERATION_22_05
    return (modern, _version_key(unit.version), unit.plugin == "openapi/v0.0.38")


def _union(target: dict[str, Json], source: Mapping[str, Json], kind: str) -> None:
    # Names are version-prefixed (v0.0.44_job_info, /slurm/v0.0.44/...), so units never
    # collide; the only overlaps are identical copies (/openapi*, v0.0.38_meta in both 22.05
    # parts). Anything else means broken spec data, and guessing a winner would hide it.
    for name, value in source.items():
        if name in target and target[name] != value:
            raise SpecConflictError(f"conflicting definitions of {kind} {name!r}")
        target[name] = value


@functools.cache
def _merged(units: tuple[ApiUnit, ...]) -> Json:
    frame = _unit_part(max(units, key=_frame_rank))
    paths: dict[str, Json] = {}
    schemas: dict[str, Json] = {}
    for unit in units:
        part = _unit_part(unit)
        _union(paths, part["paths"], "path")
        _union(schemas, part["components"]["schemas"], "schema")
    document = {key: value for key, value in frame.items() if key not in ("paths", "components")}
    document["components"] = {**frame["components"], "schemas": dict(sorted(schemas.items()))}
    document["paths"] = dict(sorted(paths.items()))
    return document


def _unique(units: Sequence[ApiUnit]) -> tuple[ApiUnit, ...]:
    result = tuple(dict.fromkeys(units))
    if not result:
        raise ValueError("no API units given")
    return result


def _fill_required_fields(document: Json, info_version: str) -> None:
    # OpenAPI 3.0 requires info.version and a description on every Response Object; strict
    # consumers (openapi-generator validates by default) reject a document without them.
    # The texts are ours: the given version and the HTTP reason phrase.
    document["info"]["version"] = info_version
    for item in document["paths"].values():
        for method in _HTTP_METHODS:
            for code, response in item.get(method, {}).get("responses", {}).items():
                response.setdefault("description", _reason(code))


def _reason(code: str) -> str:
    try:
        return HTTPStatus(int(code)).phrase
    except ValueError:
        return f"{code} response"


def document(units: Sequence[ApiUnit], *, info_version: str | None = None) -> Json:
    """The merged OpenAPI document of the loaded units; the caller owns the returned dict.

    With `info_version`, also fill the fields OpenAPI requires that upstream's normalisation
    drops (info.version, response descriptions), for serving to strict clients.

    Raises:
        SpecConflictError: two units define one path or schema differently.
    """
    result = orjson.loads(orjson.dumps(_merged(_unique(units))))
    if info_version is not None:
        _fill_required_fields(result, info_version)
    return result


def _param_type(schema: Json, schemas: Mapping[str, Json]) -> str:
    # 22.05 types one query parameter by $ref (v0.0.38_signal, an enum of strings).
    while "$ref" in schema:
        schema = schemas[schema["$ref"].removeprefix(_SCHEMA_REF)]
    return schema.get("type", "string")


def _params(
    shared: list[Json], own: list[Json], location: str, schemas: Mapping[str, Json]
) -> Mapping[str, str]:
    # Operation-level parameters override path-item ones with the same name and location.
    found = {p["name"]: p for p in (*shared, *own) if p["in"] == location}
    return MappingProxyType(
        {name: _param_type(p.get("schema", {}), schemas) for name, p in found.items()}
    )


def _request_body_ref(operation: Json) -> str | None:
    content = operation.get("requestBody", {}).get("content", {})
    media = content.get("application/json") or next(iter(content.values()), {})
    return media.get("schema", {}).get("$ref")


def _route_order(op: OperationSpec) -> tuple[tuple[tuple[int, str], ...], int]:
    # For a first-match router: at each segment a literal sorts before a {param}, so
    # POST /job/submit is tried before POST /job/{job_id} (a string job_id matches "submit").
    segments = (s for s in op.path.split("/") if s)
    shape = tuple((1, "") if s.startswith("{") else (0, s) for s in segments)
    return shape, _HTTP_METHODS.index(op.method.lower())


def operations(units: Sequence[ApiUnit]) -> list[OperationSpec]:
    """Every operation of the loaded units, in route-matching order (see _route_order)."""
    result = []
    for unit in _unique(units):
        part = _unit_part(unit)
        schemas = part["components"]["schemas"]
        for path, item in part["paths"].items():
            if not path.startswith(unit.path_prefix):
                continue  # SPEC_PATHS in 22.05 documents: not a unit operation
            shared = item.get("parameters", [])
            for method in _HTTP_METHODS:
                if (op := item.get(method)) is None:
                    continue
                own = op.get("parameters", [])
                result.append(
                    OperationSpec(
                        method=method.upper(),
                        path=path,
                        operation_id=op["operationId"],
                        unit=unit,
                        path_params=_params(shared, own, "path", schemas),
                        query_params=_params(shared, own, "query", schemas),
                        request_body_ref=_request_body_ref(op),
                        deprecated=bool(op.get("deprecated", False)),
                    )
                )
    result.sort(key=_route_order)
    return result
