"""Issue 5's bad and odd request bodies for every 22.05-era POST, and 22.05's answers.

Each case is one body (and Content-Type) sent to one operation of v0.0.38 or
dbv0.0.38. What the real 22.05.8 slurmrestd answered to each is recorded in
bad_bodies_2205.json (status, content type, body without "meta"), taken from the
testbed's C daemon: tests/slurm/test_differential_bad_bodies.py compares it with
the C daemon and ours live (and re-records it with `--record`),
tests/api/test_bad_bodies_2205.py holds the embedded backend to it.

Only refusals: no body here makes either daemon change the cluster (the job an
update is sent to is held, and 22.05 ignored the name it is given; the empty
lists add nothing). YAML scalars are never sent: they killed the 22.05 daemon
("fatal: _yaml_parse_scalar: should never get here").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).with_suffix(".json")
HELD = "{held}"  # an update's path names the held job of the run
UNKNOWN_JOB = 999999

JSON = "application/json"
YAML = "application/x-yaml"


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    path: str  # may hold HELD
    user: str  # whose token: alice for jobs, root (an administrator) for slurmdb
    keys: tuple[str, ...]  # the top-level keys the wrong-typed bodies use


@dataclass(frozen=True)
class Case:
    operation: Operation
    label: str
    body: bytes
    content_type: str | None

    @property
    def id(self) -> str:
        return f"{self.operation.name}|{self.label}"


OPERATIONS = (
    Operation("submit", "POST", "/slurm/v0.0.38/job/submit", "alice", ("job",)),
    Operation("update", "POST", f"/slurm/v0.0.38/job/{HELD}", "alice", ("name",)),
    Operation("update-unknown", "POST", f"/slurm/v0.0.38/job/{UNKNOWN_JOB}", "alice", ("name",)),
    Operation("accounts", "POST", "/slurmdb/v0.0.38/accounts", "root", ("accounts",)),
    Operation("users", "POST", "/slurmdb/v0.0.38/users", "root", ("users",)),
    Operation("associations", "POST", "/slurmdb/v0.0.38/associations", "root", ("associations",)),
    Operation("qos", "POST", "/slurmdb/v0.0.38/qos", "root", ("QOS", "qos")),
    Operation("tres", "POST", "/slurmdb/v0.0.38/tres", "root", ("TRES",)),
    Operation("wckeys", "POST", "/slurmdb/v0.0.38/wckeys", "root", ("wckeys",)),
    Operation("clusters", "POST", "/slurmdb/v0.0.38/clusters", "root", ("clusters",)),
    Operation("config", "POST", "/slurmdb/v0.0.38/config", "root", ("clusters", "users")),
)
# 22.05 refused a body on any other method before reading it.
NOT_POST = (
    Operation("jobs-get", "GET", "/slurm/v0.0.38/jobs", "alice", ()),
    Operation("account-delete", "DELETE", "/slurmdb/v0.0.38/account/h33nosuch", "root", ()),
)

# label -> (body, Content-Type); None: no Content-Type header.
BODIES: dict[str, tuple[bytes, str | None]] = {
    "object": (b"{}", JSON),
    "list": (b"[]", JSON),
    "list of object": (b"[{}]", JSON),
    "list of list": (b"[[]]", JSON),
    "string": (b'"x"', JSON),
    "empty string": (b'""', JSON),
    "integer": (b"42", JSON),
    "boolean": (b"true", JSON),
    "float": (b"1.5", JSON),
    "null": (b"null", JSON),
    "unknown key": (b'{"unknown": 1}', JSON),
    "truncated": (b'{"a":', JSON),
    "empty body": (b"", JSON),
    "yaml list": (b"- 1\n", YAML),
    "text/plain": (b"{}", "text/plain"),
    "*/*": (b"{}", "*/*"),
    "empty content type": (b"{}", ""),
    "url-encoded": (b"a=b", None),
    "url-encoded colon": (b"a=b:c", None),
    "charset": (b"{}", "application/json; charset=utf-8"),
    "application/yaml": (b"{}", "application/yaml"),
    "trailing comma": (b'{"unknown": 1,}', JSON),
    "trailing data": (b"{} x", JSON),
}
NOT_POST_BODIES = ("object", "string", "integer", "truncated")
WRONG_VALUES: tuple[tuple[str, Any], ...] = (
    ("5", 5),
    ("{}", {}),
    ("[5]", [5]),
    ('"x"', "x"),
    ("null", None),
    ("[]", []),
)


def _keyed(key: str) -> dict[str, tuple[bytes, str | None]]:
    bodies = {f"{key}={label}": (json.dumps({key: v}).encode(), JSON) for label, v in WRONG_VALUES}
    bodies[f"{key}=[5] and unknown"] = (json.dumps({key: [5], "unknown": 1}).encode(), JSON)
    bodies[f"{key}: 5 (yaml)"] = (f"{key}: 5\n".encode(), YAML)
    return bodies


def _cases() -> tuple[Case, ...]:
    cases = []
    for op in OPERATIONS:
        bodies = dict(BODIES)
        for key in op.keys:
            bodies.update(_keyed(key))
        cases += [Case(op, label, body, kind) for label, (body, kind) in bodies.items()]
    for op in NOT_POST:
        cases += [Case(op, label, *BODIES[label]) for label in NOT_POST_BODIES]
    return tuple(cases)


CASES = _cases()

# Ours on either backend, by choice or not yet: label pattern -> why (strict xfail).
DEVIATIONS = {
    "charset|application/yaml": (
        "deliberate: ours reads application/yaml and a Content-Type with parameters, "
        "22.05 refused both (400 'Unable to parse query.'); see api/app.py _body_format_2205"
    ),
    "trailing comma|trailing data": (
        "22.05 parsed JSON with json-c's non-strict mode (a trailing comma, data after the "
        "value); ours parses strict JSON (api/serialize.py)"
    ),
}


def deviations(case: Case) -> list[str]:
    """Why ours answers `case` otherwise than 22.05 did (none: it must not)."""
    return [why for labels, why in DEVIATIONS.items() if re.fullmatch(labels, case.label)]


# 22.05 names its HTTP client ("[localhost]:41900"): host and port are each peer's own.
_CLIENT = re.compile(r"\[[^\]\s]*\]:\d+")


def comparable(status: int, content_type: str, raw: bytes) -> list[Any]:
    """An answer as recorded: JSON without "meta" and with clients masked, else the text."""
    if content_type != JSON:
        return [status, content_type, raw.decode()]
    body = json.loads(raw)
    body.pop("meta", None)
    return [status, content_type, json.loads(_CLIENT.sub("[client]", json.dumps(body)))]


def recorded() -> dict[str, list[Any]]:
    """case id -> 22.05's answer (see comparable)."""
    return json.loads(RECORDED.read_text())
