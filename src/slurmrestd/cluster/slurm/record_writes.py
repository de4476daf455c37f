"""The store's writes of QOS, TRES, wckeys, clusters and job records (sacctmgr runs).

As accounting_writes.py: "add or modify" decided on what exists, read as the
caller. 22.05 specifics: TRES cannot be added with sacctmgr (NOT_IMPLEMENTED
for new ones, known ones are left alone), wckeys are added and removed with
`add/delete user ... WCKeys=` (there is no wckey entity to add or delete) and
made a user's default with `modify user ... set DefaultWCKey=`,
a new cluster is registered by name only, and of a job record only the
comment, the derived exit code (a raw wait status, as sacctmgr takes it) and
the wckey can be changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.accounting import ClusterFilter, JobChanges, QosFilter, WCKeyFilter
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm import sacct_json
from slurmrestd.cluster.slurm import sacctmgr_limits as limits
from slurmrestd.cluster.slurm import sacctmgr_text as st
from slurmrestd.cluster.slurm.commands import SlurmCommands
from slurmrestd.cluster.slurm.sacctmgr_writes import (
    Outcome,
    SacctmgrRunner,
    command,
    joined,
    listed_items,
    option,
    where_set,
)
from slurmrestd.model.accounting import QOS, Cluster, Tres, WCKey

# JobChanges fields `sacctmgr modify job` cannot set in 22.05.
_JOB_FIELDS_NOT_SETTABLE = ("comment_admin", "comment_system", "extra", "tres_allocated")


class RecordReads(Protocol):
    """The listings these writes need (SlurmAccounting's own)."""

    def qos_list(self, identity: Identity, query: QosFilter) -> list[QOS]: ...
    def wckeys(self, identity: Identity, query: WCKeyFilter) -> list[WCKey]: ...
    def clusters(self, identity: Identity, query: ClusterFilter) -> list[Cluster]: ...
    def tres_table(self, identity: Identity) -> st.TresTable: ...


class RecordWriter(SacctmgrRunner):
    def __init__(self, commands: SlurmCommands, cluster_name: str, reads: RecordReads) -> None:
        super().__init__(commands, cluster_name)
        self._reads = reads

    # ------------------------------------------------------------------ QOS, TRES

    def add_qos(self, identity: Identity, qos: Sequence[QOS]) -> None:
        source = "slurmdb_qos_add"
        if not qos:
            return
        table = self._reads.tres_table(identity)
        names = tuple(q.name for q in qos)
        known = {q.name for q in self._reads.qos_list(identity, QosFilter(names=names))}
        for record in qos:
            opts = limits.set_options(record, limits.QOS_COLUMNS, table, source)
            if record.name in known:
                argv = where_set("qos", [f"Names={record.name}"], opts)
                if argv:
                    self._run(identity, argv, source)
            else:
                self._run(identity, command("add", "qos", record.name, *opts), source)

    def delete_qos(self, identity: Identity, name: str) -> list[str]:
        done, _ = self._run(
            identity, command("delete", "qos", f"Names={name}"), "slurmdb_qos_remove"
        )
        return [name] if done is Outcome.DONE else []

    def add_tres(self, identity: Identity, tres: Sequence[Tres]) -> None:
        """Known TRES are left as they are; sacctmgr 22.05 cannot add new ones."""
        if not tres:
            return
        table = self._reads.tres_table(identity)
        known = {st.tres_key(t) for t in table.definitions}
        new = [st.tres_key(t) for t in tres if st.tres_key(t) not in known]
        if new:
            raise SlurmError(
                Errno.NOT_IMPLEMENTED,
                f"sacctmgr cannot add TRES ({', '.join(new)})",
                "slurmdb_tres_add",
            )

    # ------------------------------------------------------------------ wckeys, clusters

    def add_wckeys(self, identity: Identity, wckeys: Sequence[WCKey]) -> None:
        """Each key added to its user; one marked default (22.05's DEFAULT flag) becomes
        the user's default wckey on its cluster, as slurmdbd's is_def does."""
        source = "slurmdb_wckeys_add"
        for key in wckeys:
            if not key.name or not key.user:
                raise SlurmError(Errno.INVALID_WCKEY, "a wckey needs a name and a user", source)
            cluster = key.cluster or self._local
            argv = command("add", "user", key.user, f"WCKeys={key.name}", f"Clusters={cluster}")
            self._run(identity, argv, source)
            if key.is_default:
                where = ("where", f"Names={key.user}", f"Clusters={cluster}")
                argv = command("modify", "user", *where, "set", f"DefaultWCKey={key.name}")
                self._run(identity, argv, source)

    def delete_wckeys(self, identity: Identity, query: WCKeyFilter) -> list[str]:
        removed: list[str] = []
        for key in self._reads.wckeys(identity, query):
            argv = command("delete", "user", f"Names={key.user}", f"WCKeys={key.name}")
            argv = (*argv, f"Clusters={key.cluster or self._local}")
            removed += self._removed(identity, argv, "slurmdb_wckeys_remove")
        return removed

    def add_clusters(self, identity: Identity, clusters: Sequence[Cluster]) -> None:
        """New clusters are registered by name; the rest of a record is slurmctld's to report."""
        if not clusters:
            return
        known = {c.name for c in self._reads.clusters(identity, ClusterFilter())}
        for cluster in clusters:
            if cluster.name not in known:
                argv = command("add", "cluster", cluster.name)
                self._run(identity, argv, "slurmdb_clusters_add")

    def delete_cluster(self, identity: Identity, name: str) -> list[str]:
        argv = command("delete", "cluster", f"Names={name}")
        return self._deleted(identity, argv, name, "slurmdb_clusters_remove")

    # ------------------------------------------------------------------ job records

    def modify_jobs(
        self, identity: Identity, job_ids: Sequence[str], changes: JobChanges
    ) -> list[str]:
        source = "slurmdb_job_modify"
        refused = [f for f in _JOB_FIELDS_NOT_SETTABLE if getattr(changes, f) is not None]
        if refused:
            raise SlurmError(
                Errno.NOT_IMPLEMENTED, f"sacctmgr cannot change {', '.join(refused)}", source
            )
        sets = [
            *option("Comment", changes.comment_job),
            *option("DerivedExitCode", changes.derived_exit_code),  # a raw wait status
            *option("NewWCKey", changes.wckey),
        ]
        ids = [sacct_json.check_job_id(j) for j in job_ids]
        if not sets or not ids:
            return []
        argv = command("modify", "job", "where", f"JobID={joined(ids)}", "set", *sets)
        done, stdout = self._run(identity, argv, source)
        if done is Outcome.NOTHING:
            raise SlurmError(
                Errno.INVALID_JOB_ID,
                f"no job {', '.join(ids)} in the accounting records that you may change",
                source,
            )
        return [item.split()[0] for item in listed_items(stdout)]
