"""Serializers: JSON/YAML both ways, url-encoded in, ParseError for anything malformed."""

from __future__ import annotations

import pytest
import yaml

from slurmrestd.api.mime import Format
from slurmrestd.api.serialize import ParseError, dump, load, load_urlencoded

DOCUMENTS = [
    {},
    [],
    {"meta": {"plugin": {"type": "openapi/v0.0.38"}}, "errors": [], "pings": []},
    {"int": 1, "neg": -5, "big": 2**62, "float": 1.5, "bool": True, "none": None},
    {"unicode": "é ✓ 日本", "slash": "a/b", "quote": '"', "newline": "a\nb"},
    # strings YAML would otherwise read back as other types
    {"yes": "yes", "on": "on", "null": "null", "num": "0123", "date": "2020-01-01", "e": "1e3"},
    {"nested": [{"a": [1, 2, {"b": []}]}, "x"], "empty": {"list": [], "dict": {}}},
]


@pytest.mark.parametrize("fmt", [Format.JSON, Format.YAML])
@pytest.mark.parametrize("value", DOCUMENTS)
def test_round_trip(fmt, value):
    data = dump(value, fmt)
    assert isinstance(data, bytes)
    assert load(data, fmt) == value


def test_json_is_indented_by_two():
    assert dump({"a": [1]}, Format.JSON) == b'{\n  "a": [\n    1\n  ]\n}'


def test_json_keeps_key_order():
    assert dump({"meta": 1, "errors": 2, "b": 3, "a": 4}, Format.JSON).split(b'"')[1::2] == [
        b"meta",
        b"errors",
        b"b",
        b"a",
    ]


def test_yaml_is_a_document_that_keeps_key_order():
    data = dump({"meta": 1, "errors": [], "a": "x"}, Format.YAML)
    assert data.startswith(b"---")
    assert list(yaml.safe_load(data)) == ["meta", "errors", "a"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        ("a=1&b&c=", {"a": "1", "b": None, "c": ""}),
        ("a=1&&b=2&", {"a": "1", "b": "2"}),
        ("a=%2Fx%20y", {"a": "/x y"}),
        ("a=x+y", {"a": "x y"}),
        ("a+b=1", {"a b": "1"}),
        ("%61=1", {"a": "1"}),
        ("a=%C3%A9", {"a": "é"}),
        ("a=1=2", {"a": "1=2"}),
        ("a=1&a=2", {"a": "2"}),
        ("a=%2C%3A", {"a": ",:"}),
        ("flag", {"flag": None}),
        ("fl%61g", {"flag": None}),
    ],
)
def test_urlencoded(text, expected):
    assert load_urlencoded(text) == expected
    assert load(text.encode(), Format.URLENCODED) == expected


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b"{bad", Format.JSON),
        (b"", Format.JSON),
        (b'{"a": 1,}', Format.JSON),
        (b'{"a": "\xff"}', Format.JSON),
        (b"\xff\xfe", Format.JSON),
        (b"NaN", Format.JSON),
        (b"a: [1, 2", Format.YAML),
        (b"a: b: c", Format.YAML),
        (b"a: \xff", Format.YAML),
        (b"!!python/object/apply:os.system ['true']", Format.YAML),
        (b"a=\xff", Format.URLENCODED),
        (b"\xc3=1", Format.URLENCODED),
        # A percent-escape must decode to UTF-8 too, not to U+FFFD.
        (b"a=%ff", Format.URLENCODED),
        (b"%C3=1", Format.URLENCODED),
    ],
)
def test_malformed_is_parse_error(data, fmt):
    with pytest.raises(ParseError):
        load(data, fmt)
