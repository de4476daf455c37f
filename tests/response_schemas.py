"""Which response schema an operation's answer follows, from a version's OpenAPI document
(tests only; pairs with schema_check.schema_errors)."""

from __future__ import annotations

import functools
import json
import re

from schema_check import SPECS


@functools.cache
def _operations(version: str) -> list[tuple[str, re.Pattern[str], str]]:
    """(method, path regex, 200 response schema) of every operation of `version`."""
    out = []
    for template, methods in json.loads((SPECS / f"{version}.json").read_text())["paths"].items():
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", template.rstrip("/"))
        for method, op in methods.items():
            if method not in ("get", "post", "delete"):
                continue
            schema = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            out.append((method.upper(), re.compile(pattern + "/?"), schema.rsplit("/", 1)[1]))
    return out


def response_schema(version: str, method: str, path: str) -> str:
    """The schema name of `method path`'s answer (path without query)."""
    for wanted, pattern, schema in _operations(version):
        if wanted == method and pattern.fullmatch(path):
            return schema
    raise AssertionError(f"{version} has no operation {method} {path}")
