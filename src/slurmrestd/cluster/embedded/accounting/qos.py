"""The qos table: QOS records (limits as codec JSON), keyed by name with slurmdbd's ids."""

from __future__ import annotations

import dataclasses
import sqlite3

from slurmrestd.cluster.accounting import QosFilter
from slurmrestd.cluster.embedded.accounting import codec
from slurmrestd.cluster.embedded.accounting.associations import DELETED
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.accounting import QOS, Association

_KEY_FIELDS = ("name", "id")
_SETTABLE = tuple(f.name for f in dataclasses.fields(QOS) if f.name not in _KEY_FIELDS)


def load(conn: sqlite3.Connection, query: QosFilter) -> list[QOS]:
    sql = "SELECT id, name, deleted, record FROM qos"
    if not query.with_deleted:
        sql += " WHERE deleted = 0"
    out = []
    for id_, name, deleted, record in conn.execute(sql + " ORDER BY id"):
        base = codec.loads(QOS, record)
        qos = dataclasses.replace(
            base, id=id_, name=name, flags=base.flags + ((DELETED,) if deleted else ())
        )
        checks = (
            (query.names, qos.name),
            (query.ids, qos.id),
            (query.descriptions, qos.description),
        )
        if any(wanted and value not in wanted for wanted, value in checks):
            continue
        if query.preempt_modes and not set(query.preempt_modes) & set(qos.preempt_mode):
            continue
        out.append(qos)
    return out


def _stored(qos: QOS) -> str:
    flags = tuple(f for f in qos.flags if f != DELETED)
    return codec.dumps(dataclasses.replace(qos, name="", id=None, flags=flags))


def upsert(conn: sqlite3.Connection, qos: QOS) -> None:
    """Add a QOS, or set the fields given (None and () keep a field) of the one named so.

    Raises:
        SlurmError: no name, or a QOS to preempt that does not exist.
    """
    if not qos.name:
        raise SlurmError(Errno.INVALID_QOS, "QOS without a name", "slurmdb_qos_add")
    for name in qos.preempt_list:
        if (
            name != qos.name
            and not conn.execute("SELECT 1 FROM qos WHERE name=? AND deleted=0", (name,)).fetchone()
        ):
            raise SlurmError(
                Errno.INVALID_QOS, f"QOS {name!r} to preempt does not exist", "slurmdb_qos_add"
            )
    row = conn.execute("SELECT deleted, record FROM qos WHERE name=?", (qos.name,)).fetchone()
    if row is None:
        # sacctmgr's defaults for what a new QOS does not set (the "high" QOS of the
        # 22.05 captures: grace time 0, usage factor 1, description = name).
        fresh = dataclasses.replace(
            qos,
            description=qos.description or qos.name,
            grace_time=0 if qos.grace_time is None else qos.grace_time,
            usage_factor=1.0 if qos.usage_factor is None else qos.usage_factor,
            priority=0 if qos.priority is None else qos.priority,
        )
        conn.execute("INSERT INTO qos (name, record) VALUES (?, ?)", (qos.name, _stored(fresh)))
        return
    deleted, record = row
    merged = QOS(qos.name) if deleted else codec.loads(QOS, record)
    changes = {}
    for name in _SETTABLE:
        value = getattr(qos, name)
        if value is not None and value != ():
            changes[name] = value
    merged = dataclasses.replace(merged, **changes)
    conn.execute("UPDATE qos SET record=?, deleted=0 WHERE name=?", (_stored(merged), qos.name))


def remove(conn: sqlite3.Connection, name: str, assocs: list[Association]) -> list[str]:
    """Mark a QOS deleted and take it out of every association; [] if there is none."""
    cursor = conn.execute("UPDATE qos SET deleted=1 WHERE name=? AND deleted=0", (name,))
    if not cursor.rowcount:
        return []
    for assoc in assocs:
        if name in assoc.qos or assoc.default_qos == name:
            row = conn.execute("SELECT record FROM associations WHERE id=?", (assoc.id,))
            stored = codec.loads(Association, row.fetchone()[0])
            stored = dataclasses.replace(
                stored,
                qos=tuple(q for q in stored.qos if q != name),
                default_qos=None if stored.default_qos == name else stored.default_qos,
            )
            conn.execute(
                "UPDATE associations SET record=? WHERE id=?", (codec.dumps(stored), assoc.id)
            )
    return [name]
