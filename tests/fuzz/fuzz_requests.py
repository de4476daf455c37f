"""Hypothesis strategies for requests to any operation of any served API version.

Everything is derived from the operation's OpenAPI description (path template,
declared query parameters, request body schema): valid-looking values, values
of the wrong type, unknown keys, deep nesting, huge strings and garbage bytes.

Job descriptions are made harmless before they are sent: this suite may run as
root, so every generated job is held and works in a scratch directory (see
`defuse_jobs`); a fuzzer must never start arbitrary scripts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import yaml
from hypothesis import strategies as st

from slurmrestd.api.openapi import OperationSpec

Json = Any
MAX_DEPTH = 4  # schema levels generated before only leaves are drawn
MAX_PROPERTIES = 6  # declared properties drawn per object (job_desc_msg has ~150)

# Path segment values: names that exist in the test cluster are added by the caller.
HOSTILE_SEGMENTS = (
    "",
    "x" * 5000,
    "ünïcødé-名前",
    "../",
    "..",
    "%00",
    "\x00",
    "0",
    "-1",
    "12_3",
    "1+0",
    "1_[2-3]",
    "4294967294",
    "99999999999999999999999",
    "¹",  # a digit to str.isdigit(), not to int()
    "١٢",  # Arabic-Indic digits: int() reads them as 12
    "a b",
    "a,b",
    "*",
    "${IFS}",
    "'; DROP TABLE jobs; --",
)
INTERESTING_STRINGS = (
    "",
    "debug",
    "now+1hour",
    "1-00:00:00",
    "INFINITE",
    "unlimited",
    "2G",
    "node[1-3]",
    "-1",
    "0",
    "1e3",
    "true",
    "null",
    "root",
    "nobody",
    "normal",
    "a,b",
    "cpu=1,mem=1G",
    "x" * 2000,
    "¹",
    "١٢",
)
# Bodies no generator would write: broken JSON, stray bytes, YAML's own types and tricks.
RAW_BODIES = (
    b"{",
    b"\xff\xfe",
    b"[1,2",
    b"null",
    b"1",
    b'"x"',
    b"[]",
    b"{}" * 2,
    b"script: 2020-01-01\njob: {begin_time: 2020-01-01 10:00:00}\n",
    b"job: !!binary aGVsbG8=\n",
    b"? [a, b]\n: 1\n",
    b"a: &x [1, 2]\nb: *x\n",
    b"job: {hold: .inf, priority: .nan, nice: 1e400}\n",
    b"--- 1\n--- 2\n",
    b"%YAML 9.9\n---\nx\n",
)
# What a careful client sends: names that exist, times, sizes, node lists.
PLAUSIBLE_STRINGS = (
    "",
    "debug",
    "root",
    "normal",
    "fuzz",
    "localhost",
    "now+1hour",
    "1-00:00:00",
    "60",
    "2G",
    "cpu=1",
    "node[1-3]",
    "INFINITE",
)
ENVELOPE_KEYS = frozenset({"meta", "errors", "warnings"})  # echoed back by careless clients
INTERESTING_INTEGERS = (0, 1, -1, 2**31, 2**32 - 2, 2**32 - 1, 2**63 - 1, -(2**63), 2**64)
CONTENT_TYPES = (
    "application/json",
    "application/json",
    "application/x-yaml",
    "application/json; charset=utf-8",
    None,
    "text/plain",
    "foo/bar",
)
ACCEPTS = (None, None, "application/json", "*/*", "application/x-yaml", "text/html", ";;;")
USERS = (None, None, None, "nobody", "no-such-user-xyz")

SAFE_SCRIPTS = (
    "#!/bin/sh\ntrue\n",
    "#!/bin/sh\n#SBATCH --hold\ntrue\n",
    "true\n",  # no shebang: refused by a controller
    "",
)
# Request schemas that carry job descriptions (see defuse_jobs).
_JOB_UPDATES = ("_job_properties", "_job_desc_msg")
_JOB_SUBMISSIONS = ("_job_submission", "_job_submit_req", "_job_alloc_req")
_JOB_FIELDS_FORCED = ("hold",)
_JOB_PATH_FIELDS = (
    "current_working_directory",
    "standard_output",
    "standard_error",
    "standard_input",
)


@dataclass(frozen=True)
class FuzzRequest:
    """One generated request, ready for HttpRequest."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


@dataclass(frozen=True)
class OperationShape:
    """What the generators need to know of one operation."""

    spec: OperationSpec
    parameters: tuple[tuple[str, str, Json], ...]  # (name, location, schema)
    schemas: Mapping[str, Json]  # components.schemas of the operation's document
    body_schema: str | None  # components.schemas name of the request body

    @property
    def version(self) -> str:
        return self.spec.unit.version

    def __repr__(self) -> str:  # hypothesis prints it with every failure
        return f"OperationShape({self.spec.method} {self.spec.path})"


def shape_of(spec: OperationSpec, document: Json) -> OperationShape:
    """The operation's parameters and body schema as its served document says."""
    item = document["paths"][spec.path]
    operation = item[spec.method.lower()]
    found: dict[tuple[str, str], Json] = {}
    for param in (*item.get("parameters", []), *operation.get("parameters", [])):
        found[(param["name"], param["in"])] = param.get("schema", {})
    parameters = tuple((name, where, schema) for (name, where), schema in found.items())
    body = spec.request_body_ref.rsplit("/", 1)[-1] if spec.request_body_ref else None
    return OperationShape(spec, parameters, document["components"]["schemas"], body)


# --- values from schemas -----------------------------------------------------


def _resolve(schemas: Mapping[str, Json], schema: Json) -> Json:
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        seen += 1
    return schema


def _hostile(draw: st.DrawFn) -> Json:
    """A value no schema asks for: wrong types, extremes, deep or huge structures."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return None
    if kind == 1:
        return draw(st.booleans())
    if kind == 2:
        return draw(st.sampled_from(INTERESTING_INTEGERS))
    if kind == 3:
        return draw(st.sampled_from((float("nan"), float("inf"), -0.0, 1.5, 1e308)))
    if kind == 4:
        return draw(st.text(max_size=30))
    if kind == 5:
        return "y" * draw(st.sampled_from((10_000, 200_000)))
    if kind == 6:
        return [draw(st.integers(-5, 5))] * draw(st.sampled_from((0, 300)))
    if kind == 7:
        nested: Json = "deep"
        for _ in range(draw(st.sampled_from((50, 400)))):
            nested = [nested] if draw(st.booleans()) else {"a": nested}
        return nested
    if kind == 8:
        return {draw(st.text(max_size=8)): draw(st.integers())}
    return []


def _string(draw: st.DrawFn, hostile: bool) -> Json:
    if not hostile:
        return draw(st.sampled_from(PLAUSIBLE_STRINGS))
    if draw(st.booleans()):
        return draw(st.sampled_from(INTERESTING_STRINGS))
    return draw(st.text(max_size=20))


def _integer(draw: st.DrawFn, hostile: bool) -> Json:
    if not hostile:
        return draw(st.integers(0, 1000))
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return draw(st.sampled_from(INTERESTING_INTEGERS))
    if choice == 1:
        return str(draw(st.integers(-10, 100)))  # convertible: upstream warns and accepts
    return draw(st.integers(-10, 10_000))


def _enum(draw: st.DrawFn, values: list[Json], hostile: bool) -> Json:
    value = draw(st.sampled_from(values))
    if hostile and isinstance(value, str) and draw(st.integers(0, 3)) == 0:
        return value.lower()
    return value


def _object(
    draw: st.DrawFn, schemas: Mapping[str, Json], schema: Json, depth: int, hostile: bool
) -> Json:
    properties: dict[str, Json] = schema.get("properties", {})
    names = sorted(n for n in properties if n not in ENVELOPE_KEYS or hostile)
    chosen = set(schema.get("required", [])) & set(properties)
    if names and depth < MAX_DEPTH:
        picked = draw(st.lists(st.sampled_from(names), max_size=MAX_PROPERTIES, unique=True))
        chosen |= set(picked)
    value = {
        name: schema_value(draw, schemas, properties[name], depth + 1, hostile=hostile)
        for name in sorted(chosen)
    }
    if hostile and draw(st.integers(0, 9)) == 0:
        value[draw(st.sampled_from(("no_such_field", "", "JOB", "ünknown")))] = 1
    return value


def schema_value(
    draw: st.DrawFn,
    schemas: Mapping[str, Json],
    schema: Json,
    depth: int = 0,
    *,
    hostile: bool = True,
) -> Json:
    """A value for an OpenAPI schema: well-typed, or (hostile) now and then anything at all."""
    if hostile and draw(st.integers(0, 11)) == 0:
        return _hostile(draw)
    schema = _resolve(schemas, schema)
    if not isinstance(schema, dict):
        return None
    if "enum" in schema:
        return _enum(draw, schema["enum"], hostile)
    kind = schema.get("type")
    if "properties" in schema:
        return _object(draw, schemas, schema, depth, hostile)
    if kind == "array":
        if depth >= MAX_DEPTH:
            return []
        items = schema.get("items", {})
        size = draw(st.integers(0, 3 if hostile else 2))
        return [schema_value(draw, schemas, items, depth + 1, hostile=hostile) for _ in range(size)]
    if kind == "object":
        return draw(st.dictionaries(st.sampled_from(("A", "B", "PATH")), st.just("1"), max_size=2))
    if kind == "integer":
        return _integer(draw, hostile)
    if kind == "number":
        return draw(st.integers(0, 5)) if not hostile else draw(st.floats(allow_nan=False))
    if kind == "boolean":
        if not hostile:
            return draw(st.booleans())
        return draw(st.one_of(st.booleans(), st.sampled_from(("true", "no", 1, 0))))
    if kind == "string":
        return _string(draw, hostile)
    return _hostile(draw) if hostile else None


# --- keeping generated jobs harmless ------------------------------------------


def _defuse_job(job: Json, scratch: str) -> None:
    if not isinstance(job, dict):
        return
    for name in _JOB_FIELDS_FORCED:
        job[name] = True
    for name in _JOB_PATH_FIELDS:
        job[name] = scratch if name == "current_working_directory" else f"{scratch}/out-%j"
    if "script" in job:
        job["script"] = SAFE_SCRIPTS[0]


def defuse_jobs(body_schema: str | None, body: Json, scratch: str) -> Json:
    """Hold every job the body would create or change, and keep it inside `scratch`."""
    if body_schema is None or not isinstance(body, dict):
        return body
    if body_schema.endswith(_JOB_UPDATES):
        _defuse_job(body, scratch)  # an update: the body is the job
    elif body_schema.endswith(_JOB_SUBMISSIONS):
        for key in ("job", "jobs", "hetjob"):
            value = body.get(key)
            for job in value if isinstance(value, list) else [value]:
                _defuse_job(job, scratch)
        if "script" in body and body["script"] not in SAFE_SCRIPTS:
            body["script"] = SAFE_SCRIPTS[0]
    return body


# --- whole requests -----------------------------------------------------------


def _query_value(draw: st.DrawFn, shape: OperationShape, schema: Json, hostile: bool) -> str | None:
    value = schema_value(draw, shape.schemas, schema, MAX_DEPTH, hostile=hostile)
    if value is None or isinstance(value, (list, dict)):
        return None if draw(st.booleans()) else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _query(draw: st.DrawFn, shape: OperationShape, hostile: bool) -> dict[str, str | None]:
    declared = [(n, s) for n, where, s in shape.parameters if where == "query"]
    query: dict[str, str | None] = {}
    if declared:
        picked = draw(st.lists(st.sampled_from(declared), max_size=4, unique_by=lambda p: p[0]))
        for name, schema in picked:
            query[name] = _query_value(draw, shape, schema, hostile)
    if hostile and draw(st.integers(0, 4)) == 0:
        query[draw(st.sampled_from(("bogus", "", "update_time ", "ΩΩ")))] = draw(
            st.sampled_from(("1", "", "x" * 3000, None))
        )
    return query


def _encode_query(draw: st.DrawFn, query: dict[str, str | None], hostile: bool) -> str:
    if hostile and draw(st.integers(0, 5)) == 0:
        # Unencoded, as careless clients send it: `,` `:` `%` `&` `=` as they are.
        pieces = [k if v is None else f"{k}={v}" for k, v in query.items()]
        pieces.append(draw(st.sampled_from(("", "%zz", "a=%ff", "=x", "&&", "a=b=c", "x:y,z"))))
        return "&".join(pieces)
    return "&".join(
        quote(k, safe="") if v is None else f"{quote(k, safe='')}={quote(v, safe='')}"
        for k, v in query.items()
    )


def _path(
    draw: st.DrawFn, shape: OperationShape, known: Mapping[str, tuple[str, ...]], hostile: bool
) -> str:
    path = shape.spec.path
    for name, where, _ in shape.parameters:
        if where != "path":
            continue
        candidates = known.get(name, ("nosuch",))
        if hostile:
            value = draw(st.one_of(st.sampled_from(candidates + HOSTILE_SEGMENTS), st.text()))
        else:
            value = draw(st.sampled_from(candidates))
        path = path.replace("{" + name + "}", value)
    return path


def _serialize(draw: st.DrawFn, body: Json, content_type: str | None, hostile: bool) -> bytes:
    if hostile and draw(st.integers(0, 12)) == 0:
        return draw(st.sampled_from(RAW_BODIES))
    try:
        if content_type == "application/x-yaml":
            return yaml.safe_dump(body, allow_unicode=True).encode()
        return json.dumps(body, ensure_ascii=draw(st.booleans())).encode()
    except (ValueError, RecursionError):
        return b"{}"


def _headers(draw: st.DrawFn, hostile: bool) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    user = draw(st.sampled_from(USERS if hostile else (None, None, None, "nobody")))
    if user is not None:
        headers.append(("X-SLURM-USER-NAME", user))
    accept = draw(st.sampled_from(ACCEPTS if hostile else (None, "application/json", "*/*")))
    if accept is not None:
        headers.append(("Accept", accept))
    return headers


@st.composite
def requests_for(
    draw: st.DrawFn,
    shape: OperationShape,
    known: Mapping[str, tuple[str, ...]],
    scratch: str,
) -> FuzzRequest:
    """A request to `shape`'s operation: well-formed, or hostile in any part (half of them)."""
    hostile = draw(st.booleans())
    headers = _headers(draw, hostile)
    path = _path(draw, shape, known, hostile)
    query = _query(draw, shape, hostile)
    body = b""
    wants_body = shape.body_schema is not None and (not hostile or draw(st.integers(0, 5)) > 0)
    if wants_body or (hostile and draw(st.integers(0, 12)) == 0):
        if shape.body_schema is not None:
            value = schema_value(draw, shape.schemas, {"$ref": shape.body_schema}, hostile=hostile)
            value = defuse_jobs(shape.body_schema, value, scratch)
        else:
            value = dict(query)  # upstream reads the query from a body as well
        types = CONTENT_TYPES if hostile else ("application/json", "application/x-yaml")
        content_type = draw(st.sampled_from(types))
        if content_type is not None:
            headers.append(("Content-Type", content_type))
        body = _serialize(draw, value, content_type, hostile)
        if not hostile or draw(st.integers(0, 5)) > 0:
            query = {}  # a body and a query together are refused; mostly send one
    encoded = _encode_query(draw, query, hostile)
    return FuzzRequest(shape.spec.method, path, encoded, headers, body)
