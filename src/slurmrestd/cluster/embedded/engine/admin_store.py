"""SQLite persistence of the controller's run-time state (see admin_state.py).

One table of (kind, name) -> record, each change its own durable transaction
(WAL, synchronous=FULL) like the job store, in a file of its own so the two
schemas version independently. Records are dataclasses stored as JSON;
infinite limits are written as the string "inf".
"""

from __future__ import annotations

import math
import sqlite3
import threading
from dataclasses import fields
from pathlib import Path
from typing import Any

import orjson

from slurmrestd.cluster.embedded.engine.admin_state import AdminState
from slurmrestd.cluster.embedded.engine.config import NodeConfig, PartitionConfig, PartitionState
from slurmrestd.cluster.embedded.engine.node_admin import NodeOverride
from slurmrestd.cluster.embedded.engine.reservations import ReservationRecord
from slurmrestd.cluster.embedded.engine.store import StoreError, open_durable

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    record BLOB NOT NULL,
    PRIMARY KEY (kind, name)
);
"""
NODE, DYNAMIC_NODE, PARTITION, REMOVED_PARTITION, RESERVATION = (
    "node",
    "dynamic_node",
    "partition",
    "removed_partition",
    "reservation",
)
_TYPES: dict[str, type] = {
    NODE: NodeOverride,
    DYNAMIC_NODE: NodeConfig,
    PARTITION: PartitionConfig,
    RESERVATION: ReservationRecord,
}
_SETS = frozenset({"flags"})  # list fields that are frozensets in the records


def _encode_value(value: Any) -> Any:
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, PartitionState):
        return value.value
    return value


def encode(record: Any) -> bytes:
    return orjson.dumps({f.name: _encode_value(getattr(record, f.name)) for f in fields(record)})


def decode(kind: str, blob: bytes) -> Any:
    cls = _TYPES[kind]
    raw = orjson.loads(blob)
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in raw:
            continue  # written by an older engine: the default applies
        value = raw[f.name]
        if value == "inf":
            value = math.inf
        elif isinstance(value, list):
            value = frozenset(value) if f.name in _SETS else tuple(value)
        values[f.name] = value
    if cls is PartitionConfig and "state" in values:
        values["state"] = PartitionState(values["state"])
    return cls(**values)


class AdminStore:
    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._db = open_durable(path, _SCHEMA, SCHEMA_VERSION)

    def load(self) -> AdminState:
        with self._lock:
            rows = self._db.execute("SELECT kind, name, record FROM objects").fetchall()
        by_kind: dict[str, dict[str, Any]] = {kind: {} for kind in (*_TYPES, REMOVED_PARTITION)}
        for kind, name, blob in rows:
            if kind == REMOVED_PARTITION:
                by_kind[kind][name] = True
            elif kind in _TYPES:
                by_kind[kind][name] = decode(kind, blob)
        return AdminState(
            nodes=by_kind[NODE],
            dynamic_nodes=by_kind[DYNAMIC_NODE],
            partitions=by_kind[PARTITION],
            removed_partitions=frozenset(by_kind[REMOVED_PARTITION]),
            reservations=by_kind[RESERVATION],
        )

    def save(self, state: AdminState) -> None:
        """Replace the stored state with `state` in one durable transaction."""
        rows = [(NODE, k, encode(v)) for k, v in state.nodes.items()]
        rows += [(DYNAMIC_NODE, k, encode(v)) for k, v in state.dynamic_nodes.items()]
        rows += [(PARTITION, k, encode(v)) for k, v in state.partitions.items()]
        rows += [(REMOVED_PARTITION, k, b"{}") for k in state.removed_partitions]
        rows += [(RESERVATION, k, encode(v)) for k, v in state.reservations.items()]
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute("DELETE FROM objects")
                self._db.executemany("INSERT INTO objects VALUES (?, ?, ?)", rows)
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StoreError(f"saving controller state failed: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()
