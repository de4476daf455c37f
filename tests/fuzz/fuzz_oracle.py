"""What every answer of the daemon must satisfy, whatever the request.

- the handler never raises;
- the status is one an operation may answer (22.05-era versions may answer 500 as the real
  22.05.8 daemon did, but only with the JSON envelope and a non-empty `errors`; v0.0.40+
  never answer 500);
- a JSON (or YAML) body parses, carries the envelope, and an error status explains itself;
- a 200 body validates against the operation's 200 schema (v0.0.40+ error bodies against
  the `default` schema), apart from the deviations listed below.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import yaml

from schema_check import schema_errors
from slurmrestd.http.message import HttpResponse

Json = Any
LEGACY_VERSIONS = frozenset({"v0.0.38", "dbv0.0.38"})
# 2xx, 304 and the 4xx/5xx an operation may answer (HTTP-level refusals included).
ALLOWED_STATUSES = frozenset(
    {200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 413, 415, 422, 501, 502, 503, 504}
)
TEXT_STATUSES = frozenset({400, 401, 403, 404, 405, 413, 415})
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Schema findings that are not bugs, as (versions, pattern) with the reason.
KNOWN_DEVIATIONS: tuple[tuple[frozenset[str], re.Pattern[str], str], ...] = (
    (
        frozenset({"v0.0.40", "v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45", "v0.0.46"}),
        re.compile(r"^jobs/\d+/job_resources: '\w+' is a required property$"),
        "a pending job has no resources; upstream writes job_resources as {} then",
    ),
    (
        LEGACY_VERSIONS,
        re.compile(r"^meta/Slurm/version/(major|minor|micro): \d+ is not of type 'string'"),
        "22.05 wrote its version numbers as integers against its own schema (every capture)",
    ),
    (
        LEGACY_VERSIONS,
        re.compile(r"^QOS/\d+/id: \d+ is not of type 'string', 'null'$"),
        "22.05 wrote QOS ids as integers against its own schema (GET_slurmdb_v0.0.38_qos)",
    ),
    (
        LEGACY_VERSIONS,
        re.compile(r"^jobs/\d+/allocation_nodes: \d+ is not of type 'string', 'null'$"),
        "22.05 wrote allocation_nodes as an integer (GET_slurmdb_v0.0.38_jobs)",
    ),
)


def _known(version: str, problem: str) -> bool:
    return any(version in versions and rx.match(problem) for versions, rx, _ in KNOWN_DEVIATIONS)


def response_schemas(document: Json, method: str, path: str) -> tuple[str | None, str | None]:
    """The 200 and `default` JSON schema names of an operation in its document."""
    responses = document["paths"][path][method.lower()].get("responses", {})

    def name(code: str) -> str | None:
        content = responses.get(code, {}).get("content", {})
        ref = content.get("application/json", {}).get("schema", {}).get("$ref")
        return ref.rsplit("/", 1)[-1] if ref else None

    return name("200"), name("default")


def _first_error(response: HttpResponse) -> str:
    try:
        errors = _body(response).get("errors") or [{}]
    except (orjson.JSONDecodeError, yaml.YAMLError, AttributeError):
        return repr(response.body[:200])
    first = errors[0]
    return (
        f"error {first.get('error_number')} from {first.get('source')}: {first.get('description')}"
    )


def _body(response: HttpResponse) -> Json:
    if response.content_type == "application/x-yaml":
        return yaml.load(response.body, Loader=_YAML_LOADER)
    return orjson.loads(response.body)


def problems(
    response: HttpResponse, version: str, ok_schema: str | None, error_schema: str | None
) -> list[str]:
    """Every way `response` breaks the properties above (empty: it is fine)."""
    status = response.status
    legacy = version in LEGACY_VERSIONS
    if status not in ALLOWED_STATUSES and not (legacy and status == 500):
        return [f"status {status} is not an answer an operation may give: {_first_error(response)}"]
    if status == 304:
        return [] if response.body == b"" else ["304 with a body"]
    if response.content_type == "text/plain":
        if status in TEXT_STATUSES:
            return []
        return [f"status {status} answered as text/plain: {response.body[:200]!r}"]
    try:
        document = _body(response)
    except (orjson.JSONDecodeError, yaml.YAMLError) as exc:
        return [f"{response.content_type} body does not parse: {exc}"]
    if not isinstance(document, dict) or not isinstance(document.get("errors"), list):
        return [f"no envelope: {str(document)[:300]}"]
    found: list[str] = []
    if status >= 400 and not document["errors"]:
        found.append(f"status {status} with an empty `errors`")
    schema = ok_schema if status == 200 else (None if legacy else error_schema)
    if schema is not None:
        errors = schema_errors(version, schema, document, allow_null=legacy)
        found += [f"{schema}: {e}" for e in errors if not _known(version, e)]
    return found
