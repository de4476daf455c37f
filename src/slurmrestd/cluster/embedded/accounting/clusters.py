"""The clusters and instances tables. Adding a cluster also creates its root
associations (account root, and user root under it), as `sacctmgr add cluster` does."""

from __future__ import annotations

import dataclasses
import sqlite3

from slurmrestd.cluster.accounting import ClusterFilter, InstanceFilter
from slurmrestd.cluster.embedded.accounting import associations, codec
from slurmrestd.cluster.embedded.accounting.associations import DELETED, ROOT_ACCOUNT
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.accounting import Association, Cluster, Instance

ROOT_USER = "root"
DEFAULT_QOS = "normal"  # slurmdbd.conf DefaultQOS unset: the QOS a root association gets


def load(conn: sqlite3.Connection, query: ClusterFilter) -> list[Cluster]:
    sql = "SELECT name, deleted, record FROM clusters"
    if not query.with_deleted:
        sql += " WHERE deleted = 0"
    out = []
    for name, deleted, record in conn.execute(sql + " ORDER BY name"):
        base = codec.loads(Cluster, record)
        cluster = dataclasses.replace(
            base, name=name, flags=base.flags + ((DELETED,) if deleted else ())
        )
        if query.names and name not in query.names:
            continue
        if query.flags and not set(query.flags) & set(cluster.flags):
            continue
        if query.rpc_versions and cluster.rpc_version not in query.rpc_versions:
            continue
        out.append(cluster)
    return out


def upsert(conn: sqlite3.Connection, cluster: Cluster) -> None:
    """Add a cluster (with its root associations) or replace what is known of it.

    Raises:
        SlurmError: the cluster has no name.
    """
    if not cluster.name:
        raise SlurmError(Errno.BAD_NAME, "cluster without a name", "slurmdb_clusters_add")
    stored = codec.dumps(
        dataclasses.replace(cluster, name="", flags=tuple(f for f in cluster.flags if f != DELETED))
    )
    row = conn.execute("SELECT deleted FROM clusters WHERE name=?", (cluster.name,)).fetchone()
    conn.execute(
        "INSERT INTO clusters (name, record) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET record=excluded.record, deleted=0",
        (cluster.name, stored),
    )
    if row is None or row[0]:
        has_default_qos = conn.execute(
            "SELECT 1 FROM qos WHERE name=? AND deleted=0", (DEFAULT_QOS,)
        ).fetchone()
        root = Association(
            account=ROOT_ACCOUNT,
            cluster=cluster.name,
            qos=(DEFAULT_QOS,) if has_default_qos else (),
        )
        associations.upsert(conn, root, cluster.name)
        if conn.execute("SELECT 1 FROM users WHERE name=? AND deleted=0", (ROOT_USER,)).fetchone():
            associations.upsert(
                conn, dataclasses.replace(root, user=ROOT_USER, is_default=True), cluster.name
            )


def mark_deleted(conn: sqlite3.Connection, name: str) -> bool:
    """Mark a cluster and its associations deleted; False if there is no such cluster."""
    cursor = conn.execute("UPDATE clusters SET deleted=1 WHERE name=? AND deleted=0", (name,))
    if not cursor.rowcount:
        return False
    conn.execute("UPDATE associations SET deleted=1, is_default=0 WHERE cluster=?", (name,))
    conn.execute("UPDATE wckeys SET deleted=1, is_default=0 WHERE cluster=?", (name,))
    return True


def instances(conn: sqlite3.Connection, query: InstanceFilter) -> list[Instance]:
    rows = conn.execute(
        "SELECT cluster, node_name, instance_id, instance_type, extra, time_start, time_end"
        " FROM instances ORDER BY time_start, node_name"
    )
    out = []
    for row in rows:
        instance = Instance(*row)
        checks = (
            (query.clusters, instance.cluster),
            (query.extra, instance.extra),
            (query.instance_ids, instance.instance_id),
            (query.instance_types, instance.instance_type),
            (query.node_names, instance.node_name),
        )
        if any(wanted and value not in wanted for wanted, value in checks):
            continue
        if query.time_start is not None and (instance.time_end or 2**63) < query.time_start:
            continue
        if query.time_end is not None and (instance.time_start or 0) > query.time_end:
            continue
        out.append(instance)
    return out
