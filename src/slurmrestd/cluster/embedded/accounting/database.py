"""The accounting SQLite file: schema versions, one writer, per-thread readers.

WAL lets readers run beside the single writer; the writer connection is
guarded by a lock so transactions never interleave. The schema version lives
in PRAGMA user_version: each entry of MIGRATIONS lifts the file by one, so an
older file is upgraded in place and a newer one is refused.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from slurmrestd.cluster.errors import Errno, SlurmError

SCHEMA_V1 = """
CREATE TABLE clusters (
    name TEXT PRIMARY KEY,
    deleted INTEGER NOT NULL DEFAULT 0,
    record TEXT NOT NULL
);
CREATE TABLE accounts (
    name TEXT PRIMARY KEY,
    description TEXT,
    organization TEXT,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE users (
    name TEXT PRIMARY KEY,
    admin_level TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE coordinators (
    account TEXT NOT NULL,
    user TEXT NOT NULL,
    PRIMARY KEY (account, user)
);
CREATE TABLE associations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cluster TEXT NOT NULL,
    account TEXT NOT NULL,
    user TEXT NOT NULL DEFAULT '',
    partition TEXT NOT NULL DEFAULT '',
    parent_account TEXT,
    is_default INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    record TEXT NOT NULL,
    UNIQUE (cluster, account, user, partition)
);
CREATE TABLE qos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    deleted INTEGER NOT NULL DEFAULT 0,
    record TEXT NOT NULL
);
CREATE TABLE tres (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    UNIQUE (type, name)
);
CREATE TABLE wckeys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    user TEXT NOT NULL,
    cluster TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    UNIQUE (name, user, cluster)
);
CREATE TABLE instances (
    cluster TEXT NOT NULL,
    node_name TEXT,
    instance_id TEXT,
    instance_type TEXT,
    extra TEXT,
    time_start INTEGER,
    time_end INTEGER
);
CREATE TABLE job_changes (
    cluster TEXT NOT NULL,
    job_id INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (cluster, job_id)
);
"""

# MIGRATIONS[n] lifts a file from user_version n to n + 1.
MIGRATIONS: tuple[str, ...] = (SCHEMA_V1,)
SCHEMA_VERSION = len(MIGRATIONS)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


class Database:
    """One accounting file: migrate on open, then `write()` and `read()` transactions."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._writer = _connect(path)
        self._writer.execute("PRAGMA journal_mode = WAL")
        self._writer.execute("PRAGMA synchronous = NORMAL")
        self.created = self._migrate()

    def _migrate(self) -> bool:
        """Bring the file to SCHEMA_VERSION; True when it was empty (needs seeding).

        Raises:
            SlurmError: the file was written by a newer schema than this code knows.
        """
        with self.write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise SlurmError(
                    Errno.DB_CONNECTION,
                    f"{self.path}: schema version {version} is newer than {SCHEMA_VERSION}",
                    "accounting_storage",
                )
            for step in MIGRATIONS[version:]:
                for statement in step.split(";"):
                    if statement.strip():
                        conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return version == 0

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """An immediate transaction on the writer; rolled back if the block raises."""
        with self._lock:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
            self._writer.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot on this thread's own reader connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = _connect(self.path)
            with self._readers_lock:
                self._readers.append(conn)
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        with self._lock:
            self._writer.close()
