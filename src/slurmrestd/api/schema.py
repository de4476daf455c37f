"""Lenient checking of request data against an API version's OpenAPI schemas.

Owns: loading the bundled documents (api/specs/<version>.json, once each),
resolving `$ref`, and walking a value against a named schema. Unknown fields,
wrong types and values outside an enum are problems, all collected with the
full field path; values that convert cleanly (a numeric string for an integer,
"true" for a boolean, one item where a list is expected, a plain number for a
no_val struct) are converted and noted as warnings, as upstream's parsers do.
It knows nothing of HTTP, of error envelopes or of any one operation.
"""

from __future__ import annotations

import enum
import functools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPECS_DIR = Path(__file__).resolve().parent / "specs"

_INT_RANGES = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
}
_INTEGER_TEXT = re.compile(r"[+-]?\d+")
_NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_TRUE_TEXT = frozenset({"true", "yes", "y", "t", "1"})
_FALSE_TEXT = frozenset({"false", "no", "n", "f", "0"})
_INFINITE_TEXT = frozenset({"infinite", "unlimited"})
_NO_VAL_KEYS = frozenset({"set", "infinite", "number"})
_ENUM_SHOWN = 12  # enum values listed in a message before "..."


class ProblemKind(enum.Enum):
    UNKNOWN_FIELD = "unknown field"
    MISSING_FIELD = "missing field"
    WRONG_TYPE = "wrong type"
    EXPECTED_OBJECT = "expected object"
    INVALID_VALUE = "invalid value"
    CONVERTED = "converted"


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One finding about one field: `path` like "job/time_limit" ("" = the whole value)."""

    path: str
    message: str
    kind: ProblemKind = ProblemKind.INVALID_VALUE

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The value with conversions applied (invalid parts left out) and the findings."""

    value: Any
    warnings: list[FieldProblem] = field(default_factory=list)
    errors: list[FieldProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class UnknownSchema(KeyError):
    """The version has no document, or its document no such schema (a programming error)."""


def check(version: str, schema_name: str, value: Any, *, root: str = "") -> CheckResult:
    """Check (and leniently convert) `value` against components.schemas[schema_name].

    `root` prefixes every path (e.g. "job" when checking a nested part on its own).
    Raises: UnknownSchema for an unknown version or schema name.
    """
    node = _schema_node(version, schema_name)
    walk = _Walk()
    converted = node.walk(value, root, walk)
    return CheckResult(None if converted is _DROP else converted, walk.warnings, walk.errors)


def schema_names(version: str) -> list[str]:
    """Every schema name in a version's document."""
    return sorted(_Spec.load(version).schemas)


def item_enum(version: str, schema_name: str, prop: str) -> tuple[Any, ...]:
    """The values a property (or each item of an array property) may take; () if free.

    Raises: UnknownSchema for an unknown version or schema name.
    """
    spec = _Spec.load(version)
    if schema_name not in spec.schemas:
        raise UnknownSchema(f"{version} has no schema {schema_name!r}")
    node = _resolve(spec.schemas, spec.schemas[schema_name].get("properties", {}).get(prop, {}))
    if node.get("type") == "array":
        node = _resolve(spec.schemas, node.get("items", {}))
    return tuple(node.get("enum", ()))


def _resolve(schemas: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    for _ in range(_MINIMAL_DEPTH):
        if "$ref" not in schema:
            break
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def minimal_value(version: str, schema_name: str) -> Any:
    """The smallest value valid against components.schemas[schema_name]: its required fields.

    What upstream writes for a response it could not fill (a zeroed struct dumped as is):
    lists empty, numbers 0, strings "", no_val numbers unset.
    Raises: UnknownSchema for an unknown version or schema name.
    """
    spec = _Spec.load(version)
    if schema_name not in spec.schemas:
        raise UnknownSchema(f"{version} has no schema {schema_name!r}")
    return _minimal(spec.schemas, spec.schemas[schema_name], 0)


# --- compiled schema nodes -------------------------------------------------

_DROP = object()  # a walk result meaning "leave this value out"
_INVALID = ProblemKind.INVALID_VALUE


@dataclass(slots=True)
class _Walk:
    warnings: list[FieldProblem] = field(default_factory=list)
    errors: list[FieldProblem] = field(default_factory=list)

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(FieldProblem(path, message, ProblemKind.CONVERTED))

    def fail(self, path: str, message: str, kind: ProblemKind = _INVALID) -> object:
        self.errors.append(FieldProblem(path, message, kind))
        return _DROP


def _join(path: str, key: str | int) -> str:
    return f"{path}/{key}" if path else str(key)


def _describe(value: Any) -> str:
    """A short description of a JSON value for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string {json.dumps(shown)}"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


class _Node:
    def walk(self, value: Any, path: str, w: _Walk) -> Any:
        raise NotImplementedError


class _AnyNode(_Node):
    """A schema without type information: anything goes, unchanged."""

    def walk(self, value: Any, path: str, w: _Walk) -> Any:
        return value


class _OpenObjectNode(_Node):
    """`type: object` without properties (v0.0.38 `environment`): any object."""

    def walk(self, value: Any, path: str, w: _Walk) -> Any:
        if isinstance(value, dict):
            return value
        return w.fail(path, f"expected object, got {_describe(value)}", ProblemKind.EXPECTED_OBJECT)


class _RefNode(_Node):
    """A `$ref`, resolved on first use so recursive schemas compile."""

    __slots__ = ("_name", "_spec", "_target")

    def __init__(self, spec: _Spec, name: str) -> None:
        self._spec = spec
        self._name = name
        self._target: _Node | None = None

    @property
    def target(self) -> _Node:
        if self._target is None:
            self._target = self._spec.node(self._name)
        return self._target

    def walk(self, value: Any, path: str, w: _Walk) -> Any:
        return self.target.walk(value, path, w)


class _ScalarNode(_Node):
    __slots__ = ("enum", "format", "type")

    def __init__(self, type_: str, format_: str | None, enum_: list[Any] | None) -> None:
        self.type = type_
        self.format = format_
        self.enum = enum_

    def walk(self, value: Any, path: str, w: _Walk) -> Any:
        convert = _SCALAR_CONVERTERS[self.type]
        result = convert(self, value, path, w)
        if result is _DROP or not self.enum:
            return result
        return self._check_enum(result, path, w)

    def _check_enum(self, value: Any, path: str, w: _Walk) -> Any:
        if value in self.enum:
            return value
        if isinstance(value, str):
            folded = value.casefold()
            for allowed in self.enum:
                if isinstance(allowed, str) and allowed.casefold() == folded:
                    w.warn(path, f"converted {json.dumps(value)} to {json.dumps(allowed)}")
                    return allowed
        shown = ", ".join(str(v) for v in self.enum[:_ENUM_SHOWN])
        if len(self.enum) > _ENUM_SHOWN:
            shown += ", ..."
        return w.fail(path, f"invalid value {_describe(value)}; expected one of {shown}")


def _wrong_type(path: str, w: _Walk, expected: str, value: Any) -> object:
    return w.fail(path, f"expected {expected}, got {_describe(value)}", ProblemKind.WRONG_TYPE)


def _to_integer(node: _ScalarNode, value: Any, path: str, w: _Walk) -> Any:
    if isinstance(value, bool):
        return _wrong_type(path, w, "integer", value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
        w.warn(path, f"converted number {value!r} to integer")
    elif isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        number = int(value.strip())
        w.warn(path, f"converted string {json.dumps(value)} to integer")
    else:
        return _wrong_type(path, w, "integer", value)
    low, high = _INT_RANGES.get(node.format or "int64", _INT_RANGES["int64"])
    if not low <= number <= high:
        return w.fail(path, f"{number} is out of range for {node.format or 'int64'}")
    return number


def _to_number(node: _ScalarNode, value: Any, path: str, w: _Walk) -> Any:
    if isinstance(value, bool):
        return _wrong_type(path, w, "number", value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _wrong_type(path, w, "number", value)
    if isinstance(value, str) and _NUMBER_TEXT.fullmatch(value.strip()):
        number = float(value.strip())
        if math.isfinite(number):
            w.warn(path, f"converted string {json.dumps(value)} to number")
            return number
    return _wrong_type(path, w, "number", value)


def _to_string(node: _ScalarNode, value: Any, path: str, w: _Walk) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float) and math.isfinite(value):
        text = str(int(value)) if value.is_integer() else repr(value)
    else:
        return _wrong_type(path, w, "string", value)
    w.warn(path, f"converted {_describe(value)} to string")
    return text


def _to_boolean(node: _ScalarNode, value: Any, path: str, w: _Walk) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        w.warn(path, f"converted integer {value} to boolean")
        return bool(value)
    if isinstance(value, str):
        folded = value.strip().casefold()
        if folded in _TRUE_TEXT or folded in _FALSE_TEXT:
            w.warn(path, f"converted string {json.dumps(value)} to boolean")
            return folded in _TRUE_TEXT
    return _wrong_type(path, w, "boolean", value)


_SCALAR_CONVERTERS = {
    "integer": _to_integer,
    "number": _to_number,
    "string": _to_string,
    "boolean": _to_boolean,
}


class _ArrayNode(_Node):
    __slots__ = ("items", "max_items", "min_items", "splits_text")

    def __init__(self, items: _Node, min_items: int | None, max_items: int | None, splits: bool):
        self.items = items
        self.min_items = min_items
        self.max_items = max_items
        # csv lists and flag lists also accept "A,B" (as upstream's parsers do)
        self.splits_text = splits

    def walk(self, value: Any, path: str, w: _Walk) -> Any:
        if not isinstance(value, list):
            if isinstance(value, dict):
                return _wrong_type(path, w, "array", value)
            if self.splits_text and isinstance(value, str) and "," in value:
                value = [part.strip() for part in value.split(",") if part.strip()]
                w.warn(path, "converted comma-separated string to array")
            else:
                w.warn(path, f"converted single {_describe(value)} to array")
                value = [value]
        out = []
        for index, item in enumerate(value):
            converted = self.items.walk(item, _join(path, index), w)
            if converted is not _DROP:
                out.append(converted)
        if self.min_items is not None and len(value) < self.min_items:
            return w.fail(path, f"expected at least {self.min_items} items")
        if self.max_items is not None and len(value) > self.max_items:
            return w.fail(path, f"expected at most {self.max_items} items")
        return out


class _ObjectNode(_Node):
    __slots__ = ("folded", "properties", "required")

    def __init__(self, properties: dict[str, _Node], required: list[str]) -> None:
        self.properties = properties
        self.required = required
        self.folded = {name.casefold(): name for name in properties}

    def walk(self, value: Any, path: str, w: _Walk) -> Any:
        if not isinstance(value, dict):
            return w.fail(
                path, f"expected object, got {_describe(value)}", ProblemKind.EXPECTED_OBJECT
            )
        out: dict[str, Any] = {}
        present: set[str] = set()
        for key, item in value.items():
            name = self._field_name(key, path, w)
            if name is None:
                continue
            item_path = _join(path, name)
            if item is None:
                # clients often send null for "not set"; treat it as absent
                w.warn(item_path, "ignored null value")
                continue
            present.add(name)
            converted = self.properties[name].walk(item, item_path, w)
            if converted is not _DROP:
                out[name] = converted
        for name in self.required:
            if name not in present:
                w.fail(_join(path, name), "required field missing", ProblemKind.MISSING_FIELD)
        return out

    def _field_name(self, key: Any, path: str, w: _Walk) -> str | None:
        key = str(key)
        if key in self.properties:
            return key
        name = self.folded.get(key.casefold())
        if name is not None:
            w.warn(_join(path, key), f"converted field name to {json.dumps(name)}")
            return name
        w.fail(_join(path, key), "unknown field", ProblemKind.UNKNOWN_FIELD)
        return None


class _NoValNode(_Node):
    """A `{set, infinite, number}` struct: also accepts a plain number or "infinite"."""

    __slots__ = ("number", "struct")

    def __init__(self, struct: _ObjectNode) -> None:
        self.struct = struct
        self.number = struct.properties["number"]

    def walk(self, value: Any, path: str, w: _Walk) -> Any:
        if isinstance(value, dict):
            return self.struct.walk(value, path, w)
        if isinstance(value, str) and value.strip().casefold() in _INFINITE_TEXT:
            w.warn(path, f"converted string {json.dumps(value)} to infinite")
            return {"set": False, "infinite": True, "number": 0}
        if isinstance(value, (bool, list)) or value is None:
            return _wrong_type(path, w, "number or {set, infinite, number} object", value)
        number = self.number.walk(value, path, w)
        if number is _DROP:
            return _DROP
        return {"set": True, "infinite": False, "number": number}


# --- documents and compilation ---------------------------------------------


class _Spec:
    """One version's schemas, compiled on demand."""

    def __init__(self, version: str, schemas: dict[str, Any]) -> None:
        self.version = version
        self.schemas = schemas
        self._nodes: dict[str, _Node] = {}

    @staticmethod
    @functools.cache
    def load(version: str) -> _Spec:
        path = SPECS_DIR / f"{version}.json"
        if "/" in version or not path.is_file():
            raise UnknownSchema(f"no OpenAPI document for version {version!r}")
        document = json.loads(path.read_text())
        return _Spec(version, document.get("components", {}).get("schemas", {}))

    def node(self, name: str) -> _Node:
        found = self._nodes.get(name)
        if found is None:
            if name not in self.schemas:
                raise UnknownSchema(f"{self.version} has no schema {name!r}")
            found = self._nodes[name] = self.compile(self.schemas[name], name)
        return found

    def compile(self, schema: dict[str, Any], name: str = "") -> _Node:
        ref = schema.get("$ref")
        if ref is not None:
            return _RefNode(self, ref.rsplit("/", 1)[-1])
        kind = schema.get("type")
        properties = schema.get("properties")
        if properties is not None and kind in (None, "object"):
            struct = _ObjectNode(
                {name: self.compile(sub) for name, sub in properties.items()},
                list(schema.get("required", [])),
            )
            if set(properties) == _NO_VAL_KEYS:
                return _NoValNode(struct)
            return struct
        if kind == "object":
            return _OpenObjectNode()
        if kind == "array":
            items = schema.get("items", {})
            # only flag lists and the named csv lists take "A,B": argv and environment must not
            splits = "enum" in items or name.endswith("_csv_string")
            return _ArrayNode(
                self.compile(items), schema.get("minItems"), schema.get("maxItems"), splits
            )
        if kind in _SCALAR_CONVERTERS:
            # `pattern` is not enforced: upstream's (v0.0.38 signal) are descriptions, not regexes
            return _ScalarNode(kind, schema.get("format"), schema.get("enum"))
        return _AnyNode()


_EMPTY_SCALARS: dict[str, Any] = {"integer": 0, "number": 0, "string": "", "boolean": False}
_MINIMAL_DEPTH = 32  # required fields never nest this deep; guards a cyclic schema


def _minimal(schemas: dict[str, Any], schema: dict[str, Any], depth: int) -> Any:
    while "$ref" in schema and depth < _MINIMAL_DEPTH:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        depth += 1
    if schema.get("enum"):
        return schema["enum"][0]
    properties = schema.get("properties")
    if properties is not None:
        if set(properties) == _NO_VAL_KEYS:
            return {"set": False, "infinite": False, "number": 0}
        # names with "/" are upstream's flattened paths, not keys (e.g. "cpus/count")
        required = [n for n in schema.get("required", []) if n in properties]
        if depth >= _MINIMAL_DEPTH:
            return {}
        return {n: _minimal(schemas, properties[n], depth + 1) for n in required}
    kind = schema.get("type")
    if kind == "array":
        return []
    if kind == "object":
        return {}
    return _EMPTY_SCALARS.get(kind or "")


@functools.cache
def _schema_node(version: str, schema_name: str) -> _Node:
    return _Spec.load(version).node(schema_name)
