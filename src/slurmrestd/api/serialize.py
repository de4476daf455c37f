"""Serializers: JSON (orjson) and YAML out; JSON, YAML and url-encoded in."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
import yaml

from slurmrestd.api.mime import Format
from slurmrestd.api.prerendered import JsonArray

_YamlDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ParseError(Exception):
    """A request body or query could not be parsed (HTTP 400)."""


def dump(value: Any, fmt: Format) -> bytes:
    """Serialize a response document.

    Top-level values that are serialized already (JsonArray) are spliced in as
    they are; YAML decodes them first.
    """
    if isinstance(value, dict) and any(isinstance(v, JsonArray) for v in value.values()):
        value = {k: _prerendered(v, fmt) for k, v in value.items()}
    if fmt is Format.YAML:
        return yaml.dump(
            value, Dumper=_YamlDumper, sort_keys=False, allow_unicode=True, explicit_start=True
        ).encode()
    return orjson.dumps(value, option=orjson.OPT_INDENT_2)


def _prerendered(value: Any, fmt: Format) -> Any:
    if not isinstance(value, JsonArray):
        return value
    return value.value() if fmt is Format.YAML else orjson.Fragment(value.data)


def load(data: bytes, fmt: Format) -> Any:
    """Parse a request body or URL query.

    Raises:
        ParseError: the bytes are not valid in that format.
    """
    try:
        if fmt is Format.JSON:
            return orjson.loads(data)
        if fmt is Format.YAML:
            return yaml.load(data, Loader=_YamlLoader)
        return load_urlencoded(data.decode("utf-8"))
    except (orjson.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError, ValueError) as exc:
        raise ParseError(str(exc)) from None


def load_urlencoded(text: str) -> dict[str, str | None]:
    """Parse `a=1&b&c=x` into a dict; a key without `=` maps to None (like upstream).

    Raises:
        UnicodeDecodeError: a percent-escape decodes to invalid UTF-8 (never replaced
            silently: `%ff` in a job name must not become U+FFFD).
    """
    result: dict[str, str | None] = {}
    if not text:
        return result
    for item in text.split("&"):
        if not item:
            continue
        if "=" not in item:
            key = _parse_pair(item + "=")[0]
            result[key] = None
            continue
        key, value = _parse_pair(item)
        result[key] = value
    return result


def _parse_pair(item: str) -> tuple[str, str]:
    return parse_qsl(item, keep_blank_values=True, strict_parsing=True, errors="strict")[0]
