"""Bytes of response heads: status lines built once, a Date cached per second."""

from __future__ import annotations

import http
import time
from email.utils import formatdate

STATUS_LINES: dict[tuple[str, int], bytes] = {
    (version, status.value): f"HTTP/{version} {status.value} {status.phrase}\r\n".encode()
    for version in ("1.0", "1.1")
    for status in http.HTTPStatus
}

_date_cache: tuple[int, bytes] = (0, b"")


def date_header() -> bytes:
    """The `Date` header value, refreshed at most once a second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True).encode())
    return _date_cache[1]


def status_line(version: str, status: int) -> bytes:
    version = version if version in ("1.0", "1.1") else "1.1"
    line = STATUS_LINES.get((version, status))
    if line is None:
        line = f"HTTP/{version} {status} Unknown\r\n".encode()
    return line


def render_head(
    *,
    version: str,
    status: int,
    content_type: str | None,
    content_length: int,
    headers: list[tuple[str, str]],
    close: bool,
    keep_alive_10: bool,
    date: bytes,
) -> bytes:
    """Status line and headers of one response, ending with the blank line."""
    parts = [status_line(version if version in ("1.0", "1.1") else "1.1", status)]
    parts.append(b"Date: " + date + b"\r\n")
    if status != 304 and status >= 200 and status != 204:
        parts.append(b"Content-Length: %d\r\n" % content_length)
    if content_type:
        parts.append(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n")
    for name, value in headers:
        parts.append(f"{name}: {value}\r\n".encode("latin-1"))
    if close:
        parts.append(b"Connection: Close\r\n")
    elif keep_alive_10:
        parts.append(b"Connection: Keep-Alive\r\n")
    parts.append(b"\r\n")
    return b"".join(parts)
