"""API v0.0.46 controller statistics (`v0.0.46_stats_msg`, the `statistics` of GET /diag).

Key order follows upstream's v0.0.46 statistics table. One upstream quirk is
kept on purpose: its bf_table_size_mean row reuses the queue-length mean, so
the value shown is bf_queue_len_mean (data_parser/v0.0.46/parsers.c).
"""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.render import FieldTable, attr, no_val_number, render, render_all
from slurmrestd.model.diag import BackfillExitCounts, ControllerDiag, ScheduleExitCounts

RPC_TYPE_FIELDS: FieldTable = (
    ("type_id", attr("type_id")),
    ("message_type", attr("message_type")),
    ("count", attr("count")),
    ("queued", attr("queued")),
    ("dropped", attr("dropped")),
    ("cycle_last", attr("cycle_last")),
    ("cycle_max", attr("cycle_max")),
    ("total_time", attr("total_time")),
    ("average_time", no_val_number("average_time")),
)
RPC_USER_FIELDS: FieldTable = (
    ("user_id", attr("user_id")),
    ("user", attr("user")),
    ("count", attr("count")),
    ("total_time", attr("total_time")),
    ("average_time", no_val_number("average_time")),
)
PENDING_RPC_FIELDS: FieldTable = (
    ("type_id", attr("type_id")),
    ("message_type", attr("message_type")),
    ("count", attr("count")),
)
PENDING_HOSTS_FIELDS: FieldTable = (
    ("type_id", attr("type_id")),
    ("message_type", attr("message_type")),
    ("count", attr("hosts", list)),
)


def _schedule_exit(counts: ScheduleExitCounts) -> dict[str, int]:
    return {
        "end_job_queue": counts.end_job_queue,
        "default_queue_depth": counts.default_queue_depth,
        "max_job_start": counts.max_job_start,
        "max_rpc_cnt": counts.max_rpc_cnt,
        "max_sched_time": counts.max_sched_time,
        "licenses": counts.licenses,
    }


def _bf_exit(counts: BackfillExitCounts) -> dict[str, int]:
    return {
        "end_job_queue": counts.end_job_queue,
        "bf_max_job_start": counts.bf_max_job_start,
        "bf_max_job_test": counts.bf_max_job_test,
        "bf_max_time": counts.bf_max_time,
        "bf_node_space_size": counts.bf_node_space_size,
        "state_changed": counts.state_changed,
    }


def _same(*names: str) -> FieldTable:
    return tuple((name, attr(name)) for name in names)


STATISTICS_FIELDS: FieldTable = (
    ("req_time", no_val_number("req_time")),
    ("req_time_start", no_val_number("req_time_start")),
    *_same(
        "server_thread_count",
        "agent_queue_size",
        "agent_count",
        "agent_thread_count",
        "dbd_agent_queue_size",
        "gettimeofday_latency",
        "schedule_cycle_max",
        "schedule_cycle_last",
        "schedule_cycle_sum",
    ),
    ("schedule_cycle_total", attr("schedule_cycle_counter")),
    *_same(
        "schedule_cycle_mean",
        "schedule_cycle_mean_depth",
        "schedule_cycle_per_minute",
        "schedule_cycle_depth",
    ),
    ("schedule_exit", attr("schedule_exit", _schedule_exit)),
    *_same(
        "schedule_queue_length",
        "jobs_submitted",
        "jobs_started",
        "jobs_completed",
        "jobs_canceled",
        "jobs_failed",
        "jobs_pending",
        "jobs_running",
    ),
    ("job_states_ts", no_val_number("job_states_ts")),
    *_same(
        "bf_backfilled_jobs",
        "bf_last_backfilled_jobs",
        "bf_backfilled_het_jobs",
        "bf_cycle_counter",
        "bf_cycle_mean",
        "bf_depth_mean",
        "bf_depth_mean_try",
        "bf_cycle_sum",
        "bf_cycle_last",
        "bf_cycle_max",
    ),
    ("bf_exit", attr("bf_exit", _bf_exit)),
    *_same(
        "bf_last_depth",
        "bf_last_depth_try",
        "bf_depth_sum",
        "bf_depth_try_sum",
        "bf_queue_len",
        "bf_queue_len_mean",
        "bf_queue_len_sum",
        "bf_table_size",
        "bf_table_size_sum",
    ),
    ("bf_table_size_mean", attr("bf_queue_len_mean")),  # upstream quirk, see module doc
    ("bf_when_last_cycle", no_val_number("bf_when_last_cycle")),
    ("bf_active", attr("bf_active")),
    ("rpcs_by_message_type", lambda d: render_all(d.rpcs_by_type, RPC_TYPE_FIELDS)),
    ("rpcs_by_user", lambda d: render_all(d.rpcs_by_user, RPC_USER_FIELDS)),
    ("pending_rpcs", lambda d: render_all(d.pending_rpcs, PENDING_RPC_FIELDS)),
    (
        "pending_rpcs_by_hostlist",
        lambda d: render_all(d.pending_rpcs_by_hostlist, PENDING_HOSTS_FIELDS),
    ),
)


def render_diag(diag: ControllerDiag) -> dict[str, Any]:
    """The `statistics` object in the v0.0.46 shape."""
    return render(diag, STATISTICS_FIELDS)
