"""SQLite persistence of job records and counters: the durable copy of the engine state.

One connection, one lock, every write its own transaction in WAL mode with
synchronous=FULL, so an acknowledged submission survives a crash of the
process or of the host. The manager keeps the working copy in memory and
calls `load` once at start. Records are stored whole (orjson) with a few
columns beside them for inspection; the schema is versioned with
PRAGMA user_version.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

import orjson

from slurmrestd.cluster.embedded.engine.records import (
    HoldKind,
    JobFlag,
    JobRecord,
    JobState,
    NodeAlloc,
    Reason,
)

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id INTEGER PRIMARY KEY,
    state TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    record BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
_FIELDS = tuple(f.name for f in fields(JobRecord))


class StoreError(RuntimeError):
    """The state database is unusable (newer schema, corrupt, unwritable)."""


def _limit_out(value: float | None) -> float | None:
    return -1 if value == math.inf else value


def _limit_in(value: float | None) -> float | None:
    return math.inf if value == -1 else value


# Fields that JSON cannot carry as they are: (encode, decode).
_CODECS: dict[str, tuple[Any, Any]] = {
    "state": (lambda v: v.value, JobState),
    "flags": (lambda v: v.value, JobFlag),
    "reason": (lambda v: v.value, Reason),
    "held": (lambda v: v and v.value, lambda v: v and HoldKind(v)),
    "time_limit": (_limit_out, _limit_in),
    "time_minimum": (_limit_out, _limit_in),
    "argv": (list, tuple),
    "mail_type": (list, tuple),
    "licenses": (lambda v: [list(x) for x in v], lambda v: tuple((n, c) for n, c in v)),
    "allocation": (
        lambda v: [[a.node, a.cpus, a.memory] for a in v],
        lambda v: tuple(NodeAlloc(*a) for a in v),
    ),
}


def encode(record: JobRecord) -> bytes:
    out = {}
    for name in _FIELDS:
        value = getattr(record, name)
        codec = _CODECS.get(name)
        out[name] = codec[0](value) if codec else value
    return orjson.dumps(out)


def decode(blob: bytes) -> JobRecord:
    raw = orjson.loads(blob)
    values = {}
    for name in _FIELDS:
        if name not in raw:
            continue  # written by an older engine: the field's default applies
        codec = _CODECS.get(name)
        values[name] = codec[1](raw[name]) if codec else raw[name]
    return JobRecord(**values)


def open_durable(path: Path, schema: str, schema_version: int) -> sqlite3.Connection:
    """An autocommit WAL connection with every commit synced, its tables created.

    Raises:
        StoreError: the file cannot be opened, or a newer engine wrote it.
    """
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA busy_timeout=5000")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > schema_version:
            raise StoreError(f"{path}: schema version {version} is newer than {schema_version}")
        db.executescript(schema)
        db.execute(f"PRAGMA user_version={schema_version}")
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: {exc}") from exc
    return db


class JobStore:
    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._db = open_durable(path, _SCHEMA, SCHEMA_VERSION)

    def load(self) -> tuple[list[JobRecord], dict[str, int]]:
        """Every stored job (by id) and every counter."""
        with self._lock:
            rows = self._db.execute("SELECT record FROM jobs ORDER BY job_id").fetchall()
            counters = dict(self._db.execute("SELECT name, value FROM counters").fetchall())
        return [decode(blob) for (blob,) in rows], counters

    def save(self, records: Iterable[JobRecord], counters: dict[str, int] | None = None) -> None:
        """Insert or replace records (and set counters) in one durable transaction."""
        rows = [(r.job_id, r.state.value, r.user_id, encode(r)) for r in records]
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("INSERT OR REPLACE INTO jobs VALUES (?, ?, ?, ?)", rows)
                if counters:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO counters VALUES (?, ?)", counters.items()
                    )
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StoreError(f"saving jobs failed: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()
