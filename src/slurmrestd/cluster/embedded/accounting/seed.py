"""What a fresh slurmdbd holds after `sacctmgr add cluster <name>`.

The cluster, account root, user root (Administrator, default account root),
QOS normal (id 1), the built-in TRES, and the root associations. Texts as the
22.05 captures show them ("default root account", "Normal QOS default").
"""

from __future__ import annotations

import sqlite3

from slurmrestd.cluster.embedded.accounting import accounts, clusters, qos, tres, users
from slurmrestd.model.accounting import QOS, Account, AdminLevel, Cluster, User

ROOT_ACCOUNT = Account("root", description="default root account", organization="root")
ROOT_USER = User("root", administrator_level=AdminLevel.ADMINISTRATOR)
NORMAL_QOS = QOS("normal", description="Normal QOS default")


def seed(conn: sqlite3.Connection, cluster_name: str) -> None:
    tres.seed(conn)
    qos.upsert(conn, NORMAL_QOS)
    accounts.upsert(conn, ROOT_ACCOUNT)
    users.upsert(conn, ROOT_USER, cluster_name)
    clusters.upsert(conn, Cluster(cluster_name))
