"""Fair share (sshare) from the accounting associations and the jobs the engine ran.

Usage is CPU-seconds of every job that started (running ones up to now), with
no decay. Per association, as sshare shows it:
- shares_normalized: its raw shares over the raw shares of its siblings;
- usage_normalized / effective_usage: its subtree's usage over the cluster's;
- fairshare level (fair tree): normalized shares over the subtree's fraction of
  its siblings' usage (infinite when it used nothing);
- fairshare factor: 2^(-usage / shares), shares taken down the tree (classic).
A job without an account is charged to its user's default association.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from slurmrestd.api.numbers import INFINITE
from slurmrestd.cluster.embedded.engine.records import JobRecord, JobState
from slurmrestd.model.accounting import Association
from slurmrestd.model.shares import ShareKind, ShareRow, SharesSnapshot, filter_rows

ROOT = "root"
DEFAULT_SHARES = 1  # sacctmgr's default Fairshare


@dataclass(slots=True)
class _Node:
    assoc: Association
    kind: ShareKind
    name: str
    parent: str
    children: list[_Node] = field(default_factory=list)
    usage: int = 0

    @property
    def raw_shares(self) -> int:
        value = self.assoc.shares_raw
        return DEFAULT_SHARES if value is None else int(value)


def job_usage(job: JobRecord, now: float) -> int:
    """CPU-seconds a job has used."""
    if not job.start_time:
        return 0
    running = job.state is JobState.RUNNING
    end = now if running or not job.end_time else job.end_time
    cpus = sum(a.cpus for a in job.allocation) or job.cpus
    return int(cpus * max(0.0, end - job.start_time))


def _tree(assocs: Iterable[Association]) -> _Node | None:
    accounts: dict[str, _Node] = {}
    users: list[_Node] = []
    for assoc in assocs:
        if assoc.user:
            users.append(_Node(assoc, ShareKind.USER, assoc.user, assoc.account or ""))
        elif assoc.account:
            parent = assoc.parent_account or ""
            accounts[assoc.account] = _Node(assoc, ShareKind.ASSOCIATION, assoc.account, parent)
    root = accounts.get(ROOT)
    if root is None:
        return None
    for node in sorted(users, key=lambda n: n.name):
        if node.parent in accounts:
            accounts[node.parent].children.append(node)
    for name in sorted(accounts):
        node = accounts[name]
        if name != ROOT and node.parent in accounts:
            accounts[node.parent].children.append(node)
    return root


def _charge(root: _Node, jobs: Iterable[JobRecord], now: float) -> None:
    by_key: dict[tuple[str, str], _Node] = {}
    defaults: dict[str, str] = {}

    def visit(node: _Node) -> None:
        if node.kind is ShareKind.USER:
            by_key[(node.parent, node.name)] = node
            if node.assoc.is_default:
                defaults[node.name] = node.parent
        for child in node.children:
            visit(child)

    visit(root)
    used: dict[tuple[str, str], int] = defaultdict(int)
    unassigned = 0
    for job in jobs:
        usage = job_usage(job, now)
        account = job.account or defaults.get(job.user_name)
        if account is not None and (account, job.user_name) in by_key:
            used[(account, job.user_name)] += usage
        else:
            unassigned += usage

    def total(node: _Node) -> int:
        if node.kind is ShareKind.USER:
            node.usage = used.get((node.parent, node.name), 0)
        else:
            node.usage = sum(total(child) for child in node.children)
        return node.usage

    total(root)
    root.usage += unassigned  # the cluster used it, whoever ran it


def compute(
    assocs: Sequence[Association],
    jobs: Iterable[JobRecord],
    now: float,
    cluster: str,
    accounts: Sequence[str] = (),
    users: Sequence[str] = (),
) -> SharesSnapshot:
    """The sshare table of one cluster, parents before children."""
    root = _tree(a for a in assocs if a.cluster in (None, cluster) and not a.partition)
    if root is None:
        return SharesSnapshot((), 0)
    _charge(root, jobs, now)
    cluster_usage = root.usage
    rows: list[ShareRow] = []

    def emit(node: _Node, level_shares: float, level_usage: float, shares_down: float) -> None:
        usage_norm = node.usage / cluster_usage if cluster_usage else 0.0
        level = INFINITE if level_usage == 0 else level_shares / level_usage
        factor = 2 ** (-usage_norm / shares_down) if shares_down else 0.0
        rows.append(
            ShareRow(
                id=node.assoc.id or 0,
                cluster=cluster,
                name=node.name,
                parent=node.parent,
                kind=node.kind,
                shares=None if node is root else node.raw_shares,
                shares_normalized=level_shares,
                usage=node.usage,
                usage_normalized=usage_norm,
                effective_usage=usage_norm,
                fairshare_factor=factor,
                fairshare_level=level,
            )
        )
        siblings_shares = sum(c.raw_shares for c in node.children)
        siblings_usage = sum(c.usage for c in node.children)
        for child in node.children:
            share = child.raw_shares / siblings_shares if siblings_shares else 0.0
            usage = child.usage / siblings_usage if siblings_usage else 0.0
            emit(child, share, usage, shares_down * share)

    emit(root, 1.0, 1.0 if cluster_usage else 0.0, 1.0)
    total_shares = sum(c.raw_shares for c in root.children)
    return SharesSnapshot(filter_rows(rows, accounts, users), total_shares)
