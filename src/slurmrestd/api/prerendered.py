"""Records rendered once per version and kept as JSON bytes.

Listing thousands of jobs would render and serialize every one of them on
every request (~100 µs per job and version). Records are immutable, and most
do not change between two polls: each is rendered once, its bytes are kept,
and a listing joins them. A record equal to the one rendered before (a fresh
read of an unchanged job) reuses the bytes too.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

import orjson

R = TypeVar("R")

# Entries beyond twice the last listing (plus this slack) are dropped: jobs
# that left the controller must not stay in memory.
_SLACK = 1024


def compact(data: bytes) -> bytes:
    """An exact-size copy of `data`, for bytes kept long.

    orjson (3.12 and later) returns its output in the buffer it grew while
    writing, never shrunk: a 2 KB record holds 8-16 KB (measured with 3.13; also
    seen by home-assistant/core#181240), so thousands of cached records would
    cost several times their size for as long as they are kept.
    """
    return bytes(memoryview(data))


class JsonArray:
    """A payload value that is already a serialized JSON array."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def value(self) -> list[Any]:
        """The array as Python values (for serializers other than JSON)."""
        result: list[Any] = orjson.loads(self.data)
        return result


class RenderCache(Generic[R]):
    """JSON bytes of records, by key, reused while the record stays equal.

    Safe to share between threads: dict reads and writes are atomic, and a
    race only renders a record twice.
    """

    def __init__(self, render: Callable[[R], dict[str, Any]], key: Callable[[R], Hashable]) -> None:
        self._render = render
        self._key = key
        self._entries: dict[Hashable, tuple[R, bytes]] = {}
        # The last listing: polling an unchanged list returns the same bytes.
        self._last: tuple[Sequence[R], JsonArray] = ((), JsonArray(b"[]"))

    def __len__(self) -> int:
        return len(self._entries)

    def record(self, record: R) -> bytes:
        """One record's JSON."""
        key = self._key(record)
        entry = self._entries.get(key)
        if entry is not None:
            if entry[0] is record:
                return entry[1]
            if entry[0] == record:
                # Keep the newer equal record: the older one (and the snapshot
                # it came from) can then be freed.
                self._entries[key] = (record, entry[1])
                return entry[1]
        data = compact(orjson.dumps(self._render(record)))
        self._entries[key] = (record, data)
        return data

    def array(self, records: Sequence[R]) -> JsonArray:
        """The records as one JSON array, in their order."""
        last_records, last_array = self._last
        if len(last_records) == len(records) and all(
            a is b for a, b in zip(last_records, records, strict=True)
        ):
            return last_array
        parts = [self.record(record) for record in records]
        if len(self._entries) > 2 * len(records) + _SLACK:
            current = {self._key(record) for record in records}
            self._entries = {k: v for k, v in self._entries.items() if k in current}
        array = JsonArray(b"[" + b",".join(parts) + b"]")
        self._last = (tuple(records), array)
        return array
