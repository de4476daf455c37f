"""Comparing our daemon with the testbed's C slurmrestd, request by request.

A request goes to both daemons; the two answers are normalised by rules given as
data (a JSON path and the reason its value may differ) and compared, status,
content type and key order included. Known deviations of ours are expected
exactly, so a fixed one (or a new difference) is noticed.
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from e2e import harness

# --- which operation of an API document a request reaches --------------------


def spec_operations(spec: Path) -> dict[tuple[str, str], str]:
    """(METHOD, path template) -> operationId, from an OpenAPI document."""
    document = json.loads(spec.read_text())
    return {
        (method.upper(), path): op["operationId"]
        for path, ops in document["paths"].items()
        for method, op in ops.items()
        if isinstance(op, dict) and "operationId" in op
    }


def operation_of(operations: Mapping[tuple[str, str], str], method: str, path: str) -> str:
    """The operation answering `method path`; literal templates win over {placeholders}."""
    path = path.partition("?")[0]
    by_literalness = sorted(operations.items(), key=lambda item: item[0][1].count("{"))
    for (op_method, template), op_id in by_literalness:
        if op_method == method and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
            return op_id
    raise AssertionError(f"no operation answers {method} {path}")


# --- normalisation rules: a JSON path ("*" = any key or index) and a reason ----


@dataclass(frozen=True)
class Varies:
    """A value that legitimately differs: compared by type only."""

    pattern: str
    reason: str


@dataclass(frozen=True)
class JobIds:
    """Job ids (numbers, or numbers in a text) replaced by the label of their job."""

    pattern: str
    reason: str


@dataclass(frozen=True)
class Masked:
    """The part of a text matching `regex` legitimately differs."""

    pattern: str
    regex: str
    reason: str


Rule = Varies | JobIds | Masked
Labels = Mapping[int, str]  # job id -> the name it is compared under


def _matches(pattern: Sequence[str], path: Sequence[str]) -> bool:
    return len(pattern) == len(path) and all(
        p in ("*", k) for p, k in zip(pattern, path, strict=True)
    )


def _relabel(value: Any, labels: Labels) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return labels.get(value, value)
    if isinstance(value, str):
        return re.sub(r"\d+", lambda m: labels.get(int(m[0]), m[0]), value)
    return value


def normalised(
    value: Any, rules: Sequence[Rule], labels: Labels, path: tuple[str, ...] = ()
) -> Any:
    """`value` with every ruled path replaced as its rule says."""
    for rule in rules:
        if not _matches(rule.pattern.split("/"), path):
            continue
        if isinstance(rule, Varies):
            return f"<varies: {type(value).__name__}>"
        if isinstance(rule, JobIds):
            value = _relabel(value, labels)
        elif isinstance(value, str):
            value = re.sub(rule.regex, "<masked>", value)
    if isinstance(value, dict):
        return {k: normalised(v, rules, labels, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [normalised(v, rules, labels, (*path, str(i))) for i, v in enumerate(value)]
    return value


def differences(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Every place two JSON values differ, key order of objects included."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        keys = (list(ours), list(theirs))
        found = [] if keys[0] == keys[1] else [f"{path}: keys {keys[0]} != {keys[1]}"]
        for key in ours.keys() & theirs.keys():
            found += differences(ours[key], theirs[key], f"{path}/{key}")
        return sorted(found)
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        pairs = enumerate(zip(ours, theirs, strict=True))
        return [line for i, (a, b) in pairs for line in differences(a, b, f"{path}/{i}")]
    if type(ours) is type(theirs) and ours == theirs:
        return []
    return [f"{path}: ours {ours!r} != C {theirs!r}"]


# --- known deviations: expected exactly (xfail, strict), anything else fails ----


class KnownDeviation(AssertionError):
    """The comparison found exactly the deviation it is marked with."""


@dataclass(frozen=True)
class Deviation:
    """A difference that is ours to fix (in `fix_in`), as `differences` words it."""

    fix_in: str
    found: tuple[str, ...]

    @property
    def mark(self) -> pytest.MarkDecorator:
        reason = f"known deviation, fix in {self.fix_in}: {'; '.join(self.found)}"
        return pytest.mark.xfail(strict=True, raises=KnownDeviation, reason=reason)


def assert_same(found: list[str], deviation: Deviation | None = None, last: int = 0) -> None:
    """No differences; or, for a marked comparison, exactly its known ones.

    `last` fills "{last}" in the known lines (the index of the C daemon's last error).
    Raises: KnownDeviation when exactly `deviation` was found, else AssertionError.
    """
    if deviation is not None:
        known = [line.replace("{last}", str(last)) for line in deviation.found]
        if sorted(found) == sorted(known):
            raise KnownDeviation(deviation.fix_in)
    assert found == []


# --- talking to both daemons ---------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: Any  # decoded JSON, else the text

    def json(self) -> dict[str, Any]:
        assert isinstance(self.body, dict), (self.status, self.body)
        return self.body


def send(port: int, method: str, path: str, user: str, token: str, body: bytes | None) -> Answer:
    """One request over JWT headers; the body as sent (bytes) or None."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"X-SLURM-USER-NAME": user, "X-SLURM-USER-TOKEN": token}
    if body is not None:
        headers["Content-Type"] = "application/json"
    try:
        status, got, raw = harness.request(conn, method, path, body=body, headers=headers)
    finally:
        conn.close()
    kind = got.get("content-type", "")
    return Answer(status, kind, json.loads(raw) if kind == "application/json" else raw.decode())


NO_LABELS: tuple[Labels, Labels] = ({}, {})


@dataclass
class Pair:
    ours: Answer
    c: Answer

    def differences(
        self, rules: Sequence[Rule], labels: tuple[Labels, Labels] = NO_LABELS
    ) -> list[str]:
        """What differs after normalising, status and content type first."""
        head = differences(
            (self.ours.status, self.ours.content_type), (self.c.status, self.c.content_type)
        )
        mine, theirs = (
            normalised(a.body, rules, i) for a, i in zip((self.ours, self.c), labels, strict=True)
        )
        return head + differences(mine, theirs)


@dataclass
class Differential:
    """Sends each request to both daemons and records the operation it compared."""

    ours_port: int
    c_port: int
    tokens: dict[str, str]  # user -> JWT
    base: str  # e.g. "/slurm/v0.0.38"
    operations: dict[tuple[str, str], str]
    compared: set[str] = field(default_factory=set)

    def both(
        self, method: str, path: str, user: str = "alice", body: Any = None, c_path: str = ""
    ) -> Pair:
        """`path` (under `base`) to ours, `c_path` (default: the same) to the C daemon."""
        c_path = c_path or path
        operation = operation_of(self.operations, method, self.base + path)
        assert operation_of(self.operations, method, self.base + c_path) == operation
        self.compared.add(operation)
        data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
        token = self.tokens[user]
        c = send(self.c_port, method, self.base + c_path, user, token, data)
        return Pair(send(self.ours_port, method, self.base + path, user, token, data), c)

    def read(self, path: str, rules: Sequence[Rule], user: str = "alice") -> Pair:
        """A read; again (three times at most) while it differs: the cluster may move."""
        for _ in range(3):
            pair = self.both("GET", path, user)
            if not pair.differences(rules):
                break
        return pair
