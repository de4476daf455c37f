"""Response heads: status lines, the per-second Date cache, length and Connection rules."""

from __future__ import annotations

import types

import pytest

from slurmrestd.http import wire


def _head(**overrides: object) -> list[str]:
    args: dict = {
        "version": "1.1",
        "status": 200,
        "content_type": "application/json",
        "content_length": 2,
        "headers": [],
        "close": False,
        "keep_alive_10": False,
        "date": b"Thu, 01 Jan 1970 00:00:00 GMT",
    }
    args.update(overrides)
    raw = wire.render_head(**args)
    assert raw.endswith(b"\r\n\r\n")
    assert raw.count(b"\r\n\r\n") == 1
    return raw[:-4].decode("latin-1").split("\r\n")


@pytest.mark.parametrize(
    ("version", "status", "line"),
    [
        ("1.1", 200, b"HTTP/1.1 200 OK\r\n"),
        ("1.0", 200, b"HTTP/1.0 200 OK\r\n"),
        ("1.1", 404, b"HTTP/1.1 404 Not Found\r\n"),
        ("1.1", 413, b"HTTP/1.1 413 Request Entity Too Large\r\n"),
        ("1.1", 431, b"HTTP/1.1 431 Request Header Fields Too Large\r\n"),
        ("1.0", 500, b"HTTP/1.0 500 Internal Server Error\r\n"),
        ("1.1", 100, b"HTTP/1.1 100 Continue\r\n"),
        ("1.1", 599, b"HTTP/1.1 599 Unknown\r\n"),
        ("0.9", 200, b"HTTP/1.1 200 OK\r\n"),
        ("2.0", 599, b"HTTP/1.1 599 Unknown\r\n"),
    ],
)
def test_status_line(version: str, status: int, line: bytes) -> None:
    assert wire.status_line(version, status) == line


def test_status_lines_are_built_once() -> None:
    assert wire.status_line("1.1", 200) is wire.status_line("1.1", 200)
    assert wire.STATUS_LINES[("1.0", 404)] == b"HTTP/1.0 404 Not Found\r\n"


def test_date_is_formatted_once_per_second(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.1]
    calls: list[int] = []
    real_formatdate = wire.formatdate

    def counting_formatdate(value: float, usegmt: bool) -> str:
        calls.append(int(value))
        return real_formatdate(value, usegmt=usegmt)

    monkeypatch.setattr(wire, "time", types.SimpleNamespace(time=lambda: now[0]))
    monkeypatch.setattr(wire, "formatdate", counting_formatdate)
    monkeypatch.setattr(wire, "_date_cache", (0, b""))

    first = wire.date_header()
    assert first == b"Thu, 01 Jan 1970 00:16:40 GMT"
    now[0] = 1000.9
    assert wire.date_header() is first
    assert calls == [1000]
    now[0] = 1001.0
    assert wire.date_header() == b"Thu, 01 Jan 1970 00:16:41 GMT"
    assert calls == [1000, 1001]


def test_head_carries_date_length_and_type_in_order() -> None:
    lines = _head()
    assert lines == [
        "HTTP/1.1 200 OK",
        "Date: Thu, 01 Jan 1970 00:00:00 GMT",
        "Content-Length: 2",
        "Content-Type: application/json",
    ]


def test_zero_length_body_still_has_content_length() -> None:
    assert "Content-Length: 0" in _head(content_length=0, content_type=None)


@pytest.mark.parametrize("status", [100, 101, 204, 304])
def test_no_content_length_for_bodyless_statuses(status: int) -> None:
    lines = _head(status=status, content_length=5)
    assert not any(line.startswith("Content-Length") for line in lines)


def test_no_content_type_when_none() -> None:
    assert not any(line.startswith("Content-Type") for line in _head(content_type=None))


def test_extra_headers_are_written_as_given() -> None:
    lines = _head(headers=[("WWW-Authenticate", 'Bearer realm="x"'), ("X-A", "1"), ("X-A", "2")])
    assert lines[-3:] == ['WWW-Authenticate: Bearer realm="x"', "X-A: 1", "X-A: 2"]


@pytest.mark.parametrize(
    ("close", "keep_alive_10", "expected"),
    [
        (False, False, None),
        (True, False, "Connection: Close"),
        (False, True, "Connection: Keep-Alive"),
        (True, True, "Connection: Close"),
    ],
)
def test_connection_header(close: bool, keep_alive_10: bool, expected: str | None) -> None:
    lines = _head(close=close, keep_alive_10=keep_alive_10)
    connection = [line for line in lines if line.startswith("Connection:")]
    assert connection == ([expected] if expected else [])
    if expected:
        assert lines[-1] == expected  # after any handler headers


def test_unknown_version_falls_back_to_1_1() -> None:
    assert _head(version="2.0")[0] == "HTTP/1.1 200 OK"
