"""API v0.0.38 controller statistics (the `statistics` object of GET /diag).

Key order is the real 22.05 daemon's (responses/GET_slurm_v0.0.38_diag.json).
22.05 shows means, not the sums behind them, so `parse_diag` rebuilds each sum
as mean x count: rendering that again gives back the very same means.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slurmrestd.api.versions.render import FieldTable, attr, render, render_all
from slurmrestd.model.diag import ControllerDiag, RpcTypeStats, RpcUserStats

RPC_TYPE_FIELDS: FieldTable = (
    ("message_type", attr("message_type")),
    ("type_id", attr("type_id")),
    ("count", attr("count")),
    ("average_time", attr("average_time")),
    ("total_time", attr("total_time")),
)
RPC_USER_FIELDS: FieldTable = (
    ("user", attr("user")),
    ("user_id", attr("user_id")),
    ("count", attr("count")),
    ("average_time", attr("average_time")),
    ("total_time", attr("total_time")),
)


def _same(*names: str) -> FieldTable:
    return tuple((name, attr(name)) for name in names)


STATISTICS_FIELDS: FieldTable = (
    ("rpcs_by_message_type", lambda d: render_all(d.rpcs_by_type, RPC_TYPE_FIELDS)),
    ("rpcs_by_user", lambda d: render_all(d.rpcs_by_user, RPC_USER_FIELDS)),
    *_same(
        "parts_packed",
        "req_time",
        "req_time_start",
        "server_thread_count",
        "agent_queue_size",
        "agent_count",
        "agent_thread_count",
        "dbd_agent_queue_size",
        "gettimeofday_latency",
        "schedule_cycle_max",
        "schedule_cycle_last",
    ),
    ("schedule_cycle_total", attr("schedule_cycle_counter")),
    *_same(
        "schedule_cycle_mean",
        "schedule_cycle_mean_depth",
        "schedule_cycle_per_minute",
        "schedule_queue_length",
        "jobs_submitted",
        "jobs_started",
        "jobs_completed",
        "jobs_canceled",
        "jobs_failed",
        "jobs_pending",
        "jobs_running",
        "job_states_ts",
        "bf_backfilled_jobs",
        "bf_last_backfilled_jobs",
        "bf_backfilled_het_jobs",
        "bf_cycle_counter",
        "bf_cycle_mean",
        "bf_depth_mean",
        "bf_depth_mean_try",
        "bf_cycle_last",
        "bf_cycle_max",
        "bf_queue_len",
        "bf_queue_len_mean",
        "bf_table_size",
        "bf_table_size_mean",
        "bf_when_last_cycle",
        "bf_active",
    ),
)

# Plain counters: same name in the body and in ControllerDiag.
_COPIED = (
    "parts_packed",
    "req_time",
    "req_time_start",
    "server_thread_count",
    "agent_queue_size",
    "agent_count",
    "agent_thread_count",
    "dbd_agent_queue_size",
    "gettimeofday_latency",
    "schedule_cycle_max",
    "schedule_cycle_last",
    "schedule_queue_length",
    "jobs_submitted",
    "jobs_started",
    "jobs_completed",
    "jobs_canceled",
    "jobs_failed",
    "jobs_pending",
    "jobs_running",
    "job_states_ts",
    "bf_backfilled_jobs",
    "bf_last_backfilled_jobs",
    "bf_backfilled_het_jobs",
    "bf_cycle_counter",
    "bf_cycle_last",
    "bf_cycle_max",
    "bf_queue_len",
    "bf_table_size",
    "bf_when_last_cycle",
    "bf_active",
)
# Sums 22.05 shows only as means: (sum field, mean key, count key).
_FROM_MEANS = (
    ("schedule_cycle_sum", "schedule_cycle_mean", "schedule_cycle_total"),
    ("schedule_cycle_depth", "schedule_cycle_mean_depth", "schedule_cycle_total"),
    ("bf_cycle_sum", "bf_cycle_mean", "bf_cycle_counter"),
    ("bf_depth_sum", "bf_depth_mean", "bf_cycle_counter"),
    ("bf_depth_try_sum", "bf_depth_mean_try", "bf_cycle_counter"),
    ("bf_queue_len_sum", "bf_queue_len_mean", "bf_cycle_counter"),
    ("bf_table_size_sum", "bf_table_size_mean", "bf_cycle_counter"),
)


def render_diag(diag: ControllerDiag) -> dict[str, Any]:
    """The `statistics` object as the 22.05 daemon writes it."""
    return render(diag, STATISTICS_FIELDS)


def parse_diag(body: Mapping[str, Any]) -> ControllerDiag:
    """The canonical statistics behind one v0.0.38 `statistics` object.

    Raises:
        KeyError: a key of the v0.0.38 shape is missing.
    """
    values: dict[str, Any] = {name: body[name] for name in _COPIED}
    values["schedule_cycle_counter"] = body["schedule_cycle_total"]
    for total, mean, count in _FROM_MEANS:
        values[total] = body[mean] * body[count]
    values["rpcs_by_type"] = tuple(
        RpcTypeStats(
            type_id=rpc["type_id"],
            message_type=rpc["message_type"],
            count=rpc["count"],
            total_time=rpc["total_time"],
        )
        for rpc in body["rpcs_by_message_type"]
    )
    values["rpcs_by_user"] = tuple(
        RpcUserStats(
            user_id=rpc["user_id"],
            user=rpc["user"],
            count=rpc["count"],
            total_time=rpc["total_time"],
        )
        for rpc in body["rpcs_by_user"]
    )
    return ControllerDiag(**values)
