"""Frozen HTTP request/response values and peer information.

This module owns the values that cross the boundary between the HTTP layer and
whatever handles requests. It knows nothing of Slurm.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


class Headers:
    """Immutable, case-insensitive view over raw header pairs (duplicates kept)."""

    __slots__ = ("_index", "_items")

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: tuple[tuple[str, str], ...] = tuple(items)
        index: dict[str, list[str]] = {}
        for name, value in self._items:
            index.setdefault(name.lower(), []).append(value)
        self._index = index

    def get(self, name: str, default: str | None = None) -> str | None:
        """First value of header `name`, or `default`."""
        values = self._index.get(name.lower())
        return values[0] if values else default

    def get_all(self, name: str) -> list[str]:
        return list(self._index.get(name.lower(), ()))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._index

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({list(self._items)!r})"


class TransportKind(enum.Enum):
    """What the connection runs over; authentication plugins decide on it."""

    TCP = "tcp"
    UNIX = "unix"
    PIPE = "pipe"  # inetd mode over pipes, a tty or regular files


@dataclass(frozen=True, slots=True)
class PeerCredentials:
    """SO_PEERCRED of a UNIX socket peer."""

    pid: int
    uid: int
    gid: int


@dataclass(frozen=True, slots=True)
class FileOwnership:
    """Owner and mode of the stdin/stdout file of inetd mode over pipes."""

    uid: int
    gid: int
    mode: int


@dataclass(frozen=True, slots=True)
class PeerInfo:
    """Everything known about the other end of a connection."""

    kind: TransportKind
    address: str = ""
    credentials: PeerCredentials | None = None
    files: tuple[FileOwnership, ...] = ()


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One complete HTTP request as parsed off the wire."""

    method: str
    path: str  # decoded path part of the request target, without query
    query: str  # raw query string (without '?'), '' when absent
    http_version: str  # "1.0" or "1.1"
    headers: Headers
    body: bytes = b""
    keep_alive: bool = True


@dataclass(slots=True)
class HttpResponse:
    """A response to send; the connection adds Date/Content-Length/Connection."""

    status: int
    body: bytes = b""
    content_type: str | None = "text/plain"
    headers: list[tuple[str, str]] = field(default_factory=list)
    close: bool = False  # ask the connection to close after this response
