"""slurmdbd's own state from sacctmgr 22.05 text: `show stats` and `show config`.

`show stats` prints slurmdbd's counters in sections: a header with the time
the counters started ("Data since ... (unix)"), slurmdbd's internal rollup
("Internal DBD rollup last ran ..." + "Label: value" lines), per-cluster
rollups (not part of the REST answer, skipped), then one line per RPC type
and per user ("NAME ( id) count:N ave_time:N total_time:N", microseconds).
`show config` prints "Key = Value" lines; slurmdbd's part follows the
"SlurmDBD configuration:" line.
"""

from __future__ import annotations

import re

from slurmrestd.cluster.accounting import DbdConfig
from slurmrestd.model.accounting import DbdStats, RollupPeriod, RollupStat, RpcStat

_UNIX = re.compile(r"\((\d+)\)\s*$")
_LABEL = re.compile(r"^\s+([A-Za-z ]+):\s*(\d+)\s*$")
_RPC = re.compile(
    r"^\s+(?P<name>\S+)\s*\(\s*\d+\)\s+count:(?P<count>\d+)"
    r"\s+ave_time:(?P<ave>\d+)\s+total_time:(?P<total>\d+)"
)
_CONFIG = re.compile(r"^(\S+)\s*=\s*(.*)$")

_ROLLUP_LABELS = {
    "Last cycle": "last_cycle",
    "Max cycle": "max_cycle",
    "Total time": "total_time",
    "Total cycles": "count",
}
_UNSET = {"", "(null)", "N/A", "None"}


def parse_stats(text: str) -> DbdStats:
    """DbdStats from `sacctmgr show stats` (rollups get the periods in printed order)."""
    time_start = 0
    rollups: list[RollupStat] = []
    rpcs: list[RpcStat] = []
    users: list[RpcStat] = []
    section = "head"
    current: dict[str, int] | None = None

    def close_rollup() -> None:
        nonlocal current
        if current is not None and len(rollups) < len(RollupPeriod):
            rollups.append(RollupStat(RollupPeriod(len(rollups)), **current))
        current = None

    for line in text.splitlines():
        stamp = _UNIX.search(line)
        if line.startswith("Data since") and stamp:
            time_start = int(stamp[1])
        elif line.startswith("Internal DBD rollup"):
            close_rollup()
            current = {"last_run": int(stamp[1]) if stamp else 0}
            section = "rollup"
        elif line.startswith("Remote Procedure Call statistics by message type"):
            close_rollup()
            section = "rpc"
        elif line.startswith("Remote Procedure Call statistics by user"):
            section = "user"
        elif line and not line[0].isspace():
            close_rollup()  # a cluster's rollups or another header: not reported
            section = "other"
        elif section == "rollup" and current is not None:
            label = _LABEL.match(line)
            if label and label[1] in _ROLLUP_LABELS:
                current[_ROLLUP_LABELS[label[1]]] = int(label[2])
        elif section in ("rpc", "user"):
            rpc = _RPC.match(line)
            if rpc:
                stat = RpcStat(rpc["name"], int(rpc["count"]), int(rpc["total"]), int(rpc["ave"]))
                (rpcs if section == "rpc" else users).append(stat)
    close_rollup()
    return DbdStats(time_start, tuple(rollups), tuple(rpcs), tuple(users))


def parse_dbd_config(text: str) -> DbdConfig:
    """DbdConfig from `sacctmgr show config` (slurmdbd's section)."""
    values: dict[str, str] = {}
    in_dbd = False
    for line in text.splitlines():
        if line.startswith("SlurmDBD configuration"):
            in_dbd = True
            continue
        match = _CONFIG.match(line)
        if in_dbd and match:
            values[match[1]] = match[2].strip()
    default_qos = values.get("DefaultQOS", "")
    return DbdConfig(
        dbd_host=values.get("DbdHost", ""),
        storage_loc=values.get("StorageLoc", ""),
        track_wckey=values.get("TrackWCKey", "").lower() in ("yes", "1"),
        default_qos=None if default_qos in _UNSET else default_qos,
    )


def storage_host(text: str) -> str:
    """slurm.conf's AccountingStorageHost as `sacctmgr show config` prints it ("" if absent)."""
    for line in text.splitlines():
        match = _CONFIG.match(line)
        if match and match[1] == "AccountingStorageHost":
            value = match[2].strip()
            return "" if value in _UNSET else value
    return ""
