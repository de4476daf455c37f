"""The tres table: trackable resources with slurmdbd's fixed ids."""

from __future__ import annotations

import sqlite3

from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.accounting import Tres

# slurmdbd's built-in TRES and their ids; "dynamic_offset" marks where ids
# of added TRES (gres/gpu, license/x, ...) start (GET_slurmdb_v0.0.38_tres.json).
BUILTIN: tuple[Tres, ...] = (
    Tres("cpu", id=1),
    Tres("mem", id=2),
    Tres("energy", id=3),
    Tres("node", id=4),
    Tres("billing", id=5),
    Tres("fs", "disk", id=6),
    Tres("vmem", id=7),
    Tres("pages", id=8),
    Tres("dynamic_offset", id=1000),
)


def load(conn: sqlite3.Connection) -> list[Tres]:
    rows = conn.execute("SELECT id, type, name FROM tres ORDER BY id")
    return [Tres(type_, name or None, id_, 0) for id_, type_, name in rows]


def add(conn: sqlite3.Connection, tres: Tres) -> None:
    """Add a TRES type/name (an existing one is left as it is).

    Raises:
        SlurmError: no type given.
    """
    if not tres.type:
        raise SlurmError(Errno.INVALID_TRES, "TRES without a type", "slurmdb_tres_add")
    known = conn.execute(
        "SELECT 1 FROM tres WHERE type=? AND name=?", (tres.type, tres.name or "")
    ).fetchone()
    if known:
        return
    next_id = conn.execute("SELECT MAX(id) FROM tres").fetchone()[0] or 0
    conn.execute(
        "INSERT INTO tres (id, type, name) VALUES (?, ?, ?)",
        (max(next_id, 1000) + 1, tres.type, tres.name or ""),
    )


def seed(conn: sqlite3.Connection) -> None:
    conn.executemany(
        "INSERT INTO tres (id, type, name) VALUES (?, ?, ?)",
        [(t.id, t.type, t.name or "") for t in BUILTIN],
    )
