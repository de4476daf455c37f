"""Content negotiation: Accept -> response format, Content-Type -> body format."""

from __future__ import annotations

import pytest

from slurmrestd.api.mime import Format, UnknownMimeType, request_format, response_format

JSON = (Format.JSON, "application/json")
XYAML = (Format.YAML, "application/x-yaml")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("", JSON),
        ("   ", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        ("application/json", JSON),
        ("application/jsonrequest", (Format.JSON, "application/jsonrequest")),
        ("application/x-yaml", XYAML),
        ("application/yaml", (Format.YAML, "application/yaml")),
        ("text/yaml", (Format.YAML, "text/yaml")),
        # case and parameters
        ("Application/JSON", JSON),
        ("APPLICATION/X-YAML", XYAML),
        ("application/json; charset=utf-8", JSON),
        ("application/x-yaml ; charset=utf-8 ; q=0.5", XYAML),
        # first served entry wins when qualities tie
        ("text/html, application/x-yaml, application/json", XYAML),
        ("application/json,application/x-yaml", JSON),
        # higher quality first, whatever the order
        ("application/json;q=0.5, application/x-yaml", XYAML),
        ("application/json;q=0.1, application/x-yaml;q=0.9", XYAML),
        ("application/x-yaml;q=0.2, application/json;q=0.3", JSON),
        ("application/x-yaml;Q=0.2, application/json;q=0.3", JSON),
        # q=0 means "not acceptable"
        ("application/x-yaml;q=0, application/json", JSON),
        ("application/x-yaml;q=0.0, */*;q=0.1", JSON),
        ("text/html;q=1, */*;q=0.1", JSON),
        ("text/html, application/x-yaml;q=0.001", XYAML),
        # a malformed quality counts as 0
        ("application/x-yaml;q=abc, application/json;q=0.1", JSON),
    ],
)
def test_response_format(accept, expected):
    assert response_format(accept) == expected


@pytest.mark.parametrize(
    "accept",
    [
        "text/html",
        "text/*",
        "application/xml, text/plain",
        "application/json;q=0",
        "application/json;q=0, application/x-yaml;q=0",
        "*/*;q=0",
        "application/json;q=abc",
        ",",
    ],
)
def test_response_format_unknown(accept):
    with pytest.raises(UnknownMimeType) as info:
        response_format(accept)
    assert info.value.text == "Accept content type is unknown"
    assert str(info.value) == "Accept content type is unknown"


@pytest.mark.parametrize("name", ["application/x-yaml", "application/yaml", "text/yaml"])
def test_yaml_aliases(name):
    assert response_format(name) == (Format.YAML, name)
    assert request_format(name, b"a: 1") is Format.YAML


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        # No Content-Type: url-encoded, as upstream assumes.
        (None, b"a=1", Format.URLENCODED),
        ("", b"a=1", Format.URLENCODED),
        ("  ", b"a=1", Format.URLENCODED),
        # An empty body is url-encoded whatever the header says (RFC 7231 3.1.1.5 override).
        ("application/json", b"", Format.URLENCODED),
        ("text/html", b"", Format.URLENCODED),
        ("application/json", b"{}", Format.JSON),
        ("application/jsonrequest", b"{}", Format.JSON),
        ("Application/JSON; charset=UTF-8", b"{}", Format.JSON),
        ("application/x-yaml", b"a: 1", Format.YAML),
        ("application/x-www-form-urlencoded", b"a=1", Format.URLENCODED),
        ("application/x-www-form-urlencoded; charset=utf-8", b"a=1", Format.URLENCODED),
    ],
)
def test_request_format(content_type, body, expected):
    assert request_format(content_type, body) is expected


@pytest.mark.parametrize("content_type", ["text/html", "application/xml", "*/*", "text/plain"])
def test_request_format_unknown(content_type):
    with pytest.raises(UnknownMimeType) as info:
        request_format(content_type, b"x")
    assert content_type in info.value.text
