"""Controller statistics from `sdiag` text (22.05's sdiag has no --json).

sdiag prints counters as `Label: value` lines in sections; the same labels
("Last cycle", "Total cycles") appear under both the main and the backfill
scheduler, so each line is read in its section. Means are printed, not the
sums behind them: a sum is rebuilt as mean x count, which gives back the same
mean (as api/versions/v0_0_38/diag.py does for the C daemon's JSON). What
sdiag does not print (schedule exit reasons, per-host pending RPCs) stays 0.
"""

from __future__ import annotations

import re
from typing import Any

from slurmrestd.model.diag import ControllerDiag, PendingRpc, RpcTypeStats, RpcUserStats

_TIMESTAMP = re.compile(r"\((\d+)\)\s*$")
_LABEL = re.compile(r"^\s*([^:]+?):\s*(.*)$")
# "	REQUEST_PING  ( 1008) count:2  ave_time:199  total_time:399" (also users)
_RPC = re.compile(
    r"^\s*(?P<name>\S+)\s*\(\s*(?P<id>\d+)\)\s+count:(?P<count>\d+)"
    r"(?:\s+ave_time:(?P<ave>\d+)\s+total_time:(?P<total>\d+))?"
)

# Section header (line prefix) -> section key.
_SECTIONS = (
    ("Main schedule statistics", "main"),
    ("Backfilling stats", "backfill"),
    ("Remote Procedure Call statistics by message type", "rpc_type"),
    ("Remote Procedure Call statistics by user", "rpc_user"),
    ("Pending RPC statistics", "pending"),
)

# (section, label) -> ControllerDiag field, for plain integer counters.
_COUNTERS: dict[tuple[str, str], str] = {
    ("head", "Server thread count"): "server_thread_count",
    ("head", "Agent queue size"): "agent_queue_size",
    ("head", "Agent count"): "agent_count",
    ("head", "Agent thread count"): "agent_thread_count",
    ("head", "DBD Agent queue size"): "dbd_agent_queue_size",
    ("head", "Jobs submitted"): "jobs_submitted",
    ("head", "Jobs started"): "jobs_started",
    ("head", "Jobs completed"): "jobs_completed",
    ("head", "Jobs canceled"): "jobs_canceled",
    ("head", "Jobs failed"): "jobs_failed",
    ("head", "Jobs pending"): "jobs_pending",
    ("head", "Jobs running"): "jobs_running",
    ("main", "Last cycle"): "schedule_cycle_last",
    ("main", "Max cycle"): "schedule_cycle_max",
    ("main", "Total cycles"): "schedule_cycle_counter",
    ("main", "Last queue length"): "schedule_queue_length",
    ("backfill", "Total backfilled jobs (since last slurm start)"): "bf_backfilled_jobs",
    ("backfill", "Total backfilled jobs (since last stats cycle start)"): (
        "bf_last_backfilled_jobs"
    ),
    ("backfill", "Total backfilled heterogeneous job components"): "bf_backfilled_het_jobs",
    ("backfill", "Total cycles"): "bf_cycle_counter",
    ("backfill", "Last cycle"): "bf_cycle_last",
    ("backfill", "Max cycle"): "bf_cycle_max",
    ("backfill", "Last depth cycle"): "bf_last_depth",
    ("backfill", "Last depth cycle (try sched)"): "bf_last_depth_try",
    ("backfill", "Last queue length"): "bf_queue_len",
    ("backfill", "Last table size"): "bf_table_size",
}
# (section, label) -> field, for times printed as "<date> (<unix seconds>)".
_TIMES: dict[tuple[str, str], str] = {
    ("head", "Job states ts"): "job_states_ts",
    ("backfill", "Last cycle when"): "bf_when_last_cycle",
}
# (section, label of a mean) -> (sum field, field counting what the mean is over).
_MEANS: dict[tuple[str, str], tuple[str, str]] = {
    ("main", "Mean cycle"): ("schedule_cycle_sum", "schedule_cycle_counter"),
    ("main", "Mean depth cycle"): ("schedule_cycle_depth", "schedule_cycle_counter"),
    ("backfill", "Mean cycle"): ("bf_cycle_sum", "bf_cycle_counter"),
    ("backfill", "Depth Mean"): ("bf_depth_sum", "bf_cycle_counter"),
    ("backfill", "Depth Mean (try depth)"): ("bf_depth_try_sum", "bf_cycle_counter"),
    ("backfill", "Queue length mean"): ("bf_queue_len_sum", "bf_cycle_counter"),
    ("backfill", "Mean table size"): ("bf_table_size_sum", "bf_cycle_counter"),
}
_LATENCY = re.compile(r"gettimeofday\(\):\s*(\d+)")
# sdiag says so in the backfill header while a backfill cycle runs.
_BF_ACTIVE_MARK = "middle of backfilling execution"


def _integer(value: str) -> int | None:
    match = re.match(r"-?\d+", value.strip())
    return int(match.group(0)) if match else None


def _section_of(line: str) -> str | None:
    for prefix, name in _SECTIONS:
        if line.startswith(prefix):
            return name
    return None


def _rpc_row(line: str, section: str, out: dict[str, list[Any]]) -> None:
    match = _RPC.match(line)
    if match is None:
        return
    name, ident, calls = match["name"], int(match["id"]), int(match["count"])
    total = int(match["total"] or 0)
    if section == "rpc_type":
        out["rpcs_by_type"].append(RpcTypeStats(ident, name, calls, total))
    elif section == "rpc_user":
        out["rpcs_by_user"].append(RpcUserStats(ident, name, calls, total))
    elif section == "pending" and match["ave"] is None:
        out["pending_rpcs"].append(PendingRpc(ident, name, calls))


def parse_sdiag(text: str) -> ControllerDiag:
    """ControllerDiag from `sdiag` output (22.05 layout; unknown lines are skipped)."""
    values: dict[str, Any] = {"req_time": 0, "req_time_start": 0}
    means: dict[tuple[str, str], int] = {}
    rows: dict[str, list[Any]] = {"rpcs_by_type": [], "rpcs_by_user": [], "pending_rpcs": []}
    section = "head"
    for line in text.splitlines():
        stripped = line.strip()
        header = _section_of(stripped)
        if header is not None:
            section = header
            if header == "main":
                values["parts_packed"] = 1  # the controller sent its scheduler stats
            if header == "backfill" and _BF_ACTIVE_MARK in stripped:
                values["bf_active"] = True
            continue
        if stripped.startswith("sdiag output at") or stripped.startswith("Data since"):
            stamp = _TIMESTAMP.search(stripped)
            key = "req_time" if stripped.startswith("sdiag") else "req_time_start"
            values[key] = int(stamp.group(1)) if stamp else 0
            continue
        latency = _LATENCY.search(stripped)
        if latency is not None:
            values["gettimeofday_latency"] = int(latency.group(1))
            continue
        if section in ("rpc_type", "rpc_user", "pending"):
            _rpc_row(stripped, section, rows)
            continue
        label = _LABEL.match(stripped)
        if label is None:
            continue
        key = (section, label.group(1).strip())
        if key in _TIMES:
            stamp = _TIMESTAMP.search(label.group(2))
            values[_TIMES[key]] = int(stamp.group(1)) if stamp else 0
        elif key in _COUNTERS or key in _MEANS:
            number = _integer(label.group(2))
            if number is None:
                continue
            if key in _COUNTERS:
                values[_COUNTERS[key]] = number
            else:
                means[key] = number
    for key, mean in means.items():
        total, counter = _MEANS[key]
        values[total] = mean * values.get(counter, 0)
    return ControllerDiag(
        **values,
        rpcs_by_type=tuple(rows["rpcs_by_type"]),
        rpcs_by_user=tuple(rows["rpcs_by_user"]),
        pending_rpcs=tuple(rows["pending_rpcs"]),
    )
