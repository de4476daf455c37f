"""Routing by Slurm's path templates: `/slurm/v0.0.38/job/{job_id}`.

Templates are compiled once. A path is split on `/` with empty segments
dropped (so `//ping` and a trailing slash match, as upstream), literal
segments compare exactly, and `{param}` segments must convert to the
parameter's OpenAPI type. A lookup has three outcomes: FULL (path and method),
PATH_ONLY (the path exists for other methods: 405) and NONE (404).

The first registered template that matches the path decides, whatever the
method, as 22.05's find_path_tag (src/common/openapi.c) does: with
`/job/submit` (POST) registered before `/job/{job_id}` (GET, POST, DELETE),
`GET /job/submit` is a 405, not a GET of job "submit" (22.05.8 capture
GET_slurm_v0.0.38_job_submit__err_wrong_method).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Match(enum.Enum):
    NONE = "none"
    PATH_ONLY = "path_only"
    FULL = "full"


def split_path(path: str) -> tuple[str, ...]:
    return tuple(segment for segment in path.split("/") if segment)


def _convert(value: str, kind: str) -> Any:
    """Value of a path segment as OpenAPI `kind`, or raise ValueError."""
    if kind == "integer":
        if not value.lstrip("-").isdigit():
            raise ValueError(value)
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise ValueError(value)
        return lowered == "true"
    return value


@dataclass(frozen=True, slots=True)
class CompiledRoute(Generic[T]):
    method: str
    template: str
    segments: tuple[str | tuple[str, str], ...]  # literal, or (param name, type)
    target: T

    def match_path(self, segments: tuple[str, ...]) -> dict[str, Any] | None:
        if len(segments) != len(self.segments):
            return None
        params: dict[str, Any] = {}
        for got, want in zip(segments, self.segments, strict=True):
            if isinstance(want, str):
                if got != want:
                    return None
                continue
            try:
                params[want[0]] = _convert(got, want[1])
            except ValueError:
                return None
        return params


def compile_route(
    method: str, template: str, target: T, param_types: Mapping[str, str] | None = None
) -> CompiledRoute[T]:
    types = param_types or {}
    segments: list[str | tuple[str, str]] = []
    for segment in split_path(template):
        if segment.startswith("{") and segment.endswith("}"):
            name = segment[1:-1]
            segments.append((name, types.get(name, "string")))
        else:
            segments.append(segment)
    return CompiledRoute(method.upper(), template, tuple(segments), target)


@dataclass(frozen=True, slots=True)
class RouteMatch(Generic[T]):
    kind: Match
    route: CompiledRoute[T] | None = None
    params: Mapping[str, Any] | None = None
    allowed: tuple[str, ...] = ()


class RouteTable(Generic[T]):
    """Routes bucketed by (segment count, first literal segments) for quick lookup."""

    def __init__(self, routes: Iterable[CompiledRoute[T]] = ()) -> None:
        # Entries are (registration index, route): a lookup merges a bucket with the
        # wildcard routes back into registration order, so the first registered wins.
        self._buckets: dict[tuple[int, str, str], list[tuple[int, CompiledRoute[T]]]] = {}
        self._wild: list[tuple[int, CompiledRoute[T]]] = []
        self.routes: list[CompiledRoute[T]] = []
        for route in routes:
            self.add(route)

    def add(self, route: CompiledRoute[T]) -> None:
        entry = (len(self.routes), route)
        self.routes.append(route)
        head = route.segments[:2]
        if len(head) == 2 and all(isinstance(s, str) for s in head):
            key = (len(route.segments), head[0], head[1])  # type: ignore[misc]
            self._buckets.setdefault(key, []).append(entry)
        else:
            self._wild.append(entry)

    def lookup(self, method: str, path: str) -> RouteMatch[T]:
        """Match `method path`; the first registered match wins (as upstream)."""
        segments = split_path(path)
        entries = self._wild
        if len(segments) >= 2:
            bucket = self._buckets.get((len(segments), segments[0], segments[1]))
            if bucket and entries:
                entries = sorted(bucket + entries, key=lambda entry: entry[0])
            elif bucket:
                entries = bucket
        allowed: list[str] = []
        template: tuple[str | tuple[str, str], ...] | None = None  # the deciding one
        for _, route in entries:
            if template is not None and route.segments != template:
                continue
            params = route.match_path(segments)
            if params is None:
                continue
            template = route.segments
            if route.method == method:
                return RouteMatch(Match.FULL, route, params)
            if route.method not in allowed:
                allowed.append(route.method)
        if allowed:
            return RouteMatch(Match.PATH_ONLY, allowed=tuple(allowed))
        return RouteMatch(Match.NONE)
