"""Fair share from `sshare` (Slurm 22.05) as a SharesSnapshot (model/shares.py).

22.05's sshare has no JSON; its parsable form (--parsable2) is read by column name.
Facts (seen on the testbed):
- the Account column is indented one space per level of the tree, the only
  place the parent of an account shows; user rows name their account there;
- a filtered run (-A/-u) re-indents from the first row shown, so the whole
  tree is always read (-a) and filtered here, keeping the parent accounts of
  what was asked for (the embedded backend's rule);
- rows may precede root at depth 0 (an account slurmdbd holds outside the
  root tree, seen while another client was adding one); they are kept, and
  only root's children count towards total_shares;
- with priority/basic the normalized columns are empty (None here);
  RawShares is empty for root and "parent" for inherited shares; LevelFS may
  be "inf".
"""

from __future__ import annotations

from collections.abc import Sequence

from slurmrestd.api.numbers import INFINITE
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.shares import ShareKind, ShareRow, SharesSnapshot, filter_rows

COLUMNS = (
    "ID", "Cluster", "Account", "User", "Partition", "RawShares", "NormShares",
    "RawUsage", "NormUsage", "EffectvUsage", "FairShare", "LevelFS",
)  # fmt: skip
SSHARE = ("sshare", "--parsable2", "--all", f"--format={','.join(COLUMNS)}")
ROOT = "root"
# Shares a user or account without its own Fairshare counts with (sacctmgr's default).
DEFAULT_SHARES = 1


def _float(text: str) -> float | None:
    value = text.strip()
    if not value:
        return None
    if value.lower() in ("inf", "infinity"):
        return INFINITE
    try:
        return float(value)
    except ValueError:
        return None


def _shares(text: str) -> int | float | None:
    value = text.strip()
    if value.lower() == "parent":
        return INFINITE  # shares of the parent account, the model's "infinite"
    return int(value) if value.isdigit() else None


def _int(text: str) -> int:
    value = text.strip()
    return int(value) if value.lstrip("-").isdigit() else 0


def _rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(depth, columns) per data line.

    Raises:
        SlurmError: the header lacks a column this parser needs.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = lines[0].split("|")
    missing = [name for name in ("Account", "User") if name not in header]
    if missing:
        raise SlurmError(
            Errno.REST_FAIL_PARSING, f"sshare printed no {missing[0]} column", "sshare"
        )
    out = []
    for line in lines[1:]:
        cells = dict(zip(header, line.split("|"), strict=False))
        account = cells.get("Account", "")
        out.append((len(account) - len(account.lstrip(" ")), cells))
    return out


def parse_sshare(text: str, cluster: str) -> SharesSnapshot:
    """Every row of `sshare -P -a` output (SSHARE), parents before children."""
    rows: list[ShareRow] = []
    path: list[str] = []  # account names from the root down to the current depth
    root_children = 0
    for depth, cells in _rows(text):
        account = cells["Account"].strip()
        user = cells.get("User", "").strip()
        if user:
            kind, name, parent = ShareKind.USER, user, account
        else:
            del path[depth:]
            parent = path[-1] if path else ""
            path.append(account)
            kind, name = ShareKind.ASSOCIATION, account
        shares = _shares(cells.get("RawShares", ""))
        if depth == 1 and parent == ROOT and shares != INFINITE:
            root_children += DEFAULT_SHARES if shares is None else int(shares)
        rows.append(
            ShareRow(
                id=_int(cells.get("ID", "")),
                cluster=cells.get("Cluster", "").strip() or cluster,
                name=name,
                parent=parent,
                kind=kind,
                partition=cells.get("Partition", "").strip(),
                shares=shares,
                shares_normalized=_float(cells.get("NormShares", "")),
                usage=_int(cells.get("RawUsage", "")),
                usage_normalized=_float(cells.get("NormUsage", "")),
                effective_usage=_float(cells.get("EffectvUsage", "")),
                fairshare_factor=_float(cells.get("FairShare", "")),
                fairshare_level=_float(cells.get("LevelFS", "")),
            )
        )
    return SharesSnapshot(tuple(rows), root_children)


def filter_shares(
    snapshot: SharesSnapshot, accounts: Sequence[str], users: Sequence[str]
) -> SharesSnapshot:
    """Rows of the given accounts and users, with their parent accounts kept for context."""
    if not accounts and not users:
        return snapshot
    return SharesSnapshot(filter_rows(snapshot.rows, accounts, users), snapshot.total_shares)
