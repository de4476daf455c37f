"""Validate rendered records against a version's served OpenAPI schemas (tests only).

22.05 wrote null for unset numbers although its schema has no `nullable`: pass
allow_null=True for the 22.05-era versions, as the real daemon's bodies need it.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

SPECS = Path(__file__).resolve().parents[1] / "src" / "slurmrestd" / "api" / "specs"


def _nullable(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _nullable(v) for k, v in node.items()}
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


def _flat_required(node: Any) -> Any:
    """Drop `required` names like "cpus/count": upstream's flattened paths, not keys."""
    if isinstance(node, dict):
        out = {k: _flat_required(v) for k, v in node.items()}
        required = out.get("required")
        if isinstance(required, list):
            out["required"] = [r for r in required if not (isinstance(r, str) and "/" in r)]
        return out
    if isinstance(node, list):
        return [_flat_required(v) for v in node]
    return node


@functools.cache
def _components(version: str, allow_null: bool) -> dict[str, Any]:
    spec = json.loads((SPECS / f"{version}.json").read_text())
    components = _flat_required(copy.deepcopy(spec["components"]))
    return _nullable(components) if allow_null else components


def schema_errors(version: str, schema: str, value: Any, *, allow_null: bool = False) -> list[str]:
    """Every violation of components.schemas[schema] of `version`'s document, as text."""
    root = {
        "$ref": f"#/components/schemas/{schema}",
        "components": _components(version, allow_null),
    }
    validator = jsonschema.Draft7Validator(root)
    return [
        f"{'/'.join(str(p) for p in err.absolute_path)}: {err.message}"
        for err in validator.iter_errors(value)
    ]
