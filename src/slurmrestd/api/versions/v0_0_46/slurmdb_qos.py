"""v0.0.46 QOS (v0.0.46_qos)."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.shape import Shape, row
from slurmrestd.api.versions.v0_0_46.slurmdb_tres import TRES_LIST
from slurmrestd.api.versions.v0_0_46.slurmdb_values import (
    FLOAT_NO_VAL,
    INT,
    NO_VAL,
    STRING,
    STRINGS,
)
from slurmrestd.model.accounting import QOS

QOS_SHAPE = Shape(
    QOS,
    [
        row("description", "description", STRING),
        row("flags", "flags", STRINGS),
        row("id", "id", INT),
        row("limits/grace_time", "grace_time", INT),
        row("limits/max/active_jobs/accruing", "grp_jobs_accrue", NO_VAL),
        row("limits/max/active_jobs/count", "grp_jobs", NO_VAL),
        row("limits/max/jobs/count", "grp_submit_jobs", NO_VAL),
        row("limits/max/tres/total", "grp_tres", TRES_LIST),
        row("limits/max/tres/minutes/total", "grp_tres_mins", TRES_LIST),
        row("limits/max/tres/minutes/per/qos", "grp_tres_run_mins", TRES_LIST),
        row("name", "name", STRING),
        row("limits/max/wall_clock/per/qos", "grp_wall", NO_VAL),
        row("limits/factor", "limit_factor", FLOAT_NO_VAL),
        row("limits/max/jobs/active_jobs/per/account", "max_jobs_per_account", NO_VAL),
        row("limits/max/jobs/active_jobs/per/user", "max_jobs_per_user", NO_VAL),
        row("limits/max/accruing/per/account", "max_jobs_accrue_per_account", NO_VAL),
        row("limits/max/accruing/per/user", "max_jobs_accrue_per_user", NO_VAL),
        row("limits/max/jobs/per/account", "max_submit_jobs_per_account", NO_VAL),
        row("limits/max/jobs/per/user", "max_submit_jobs_per_user", NO_VAL),
        row("limits/max/tres/minutes/per/job", "max_tres_mins_per_job", TRES_LIST),
        row("limits/max/tres/per/account", "max_tres_per_account", TRES_LIST),
        row("limits/max/tres/per/job", "max_tres_per_job", TRES_LIST),
        row("limits/max/tres/per/node", "max_tres_per_node", TRES_LIST),
        row("limits/max/tres/per/user", "max_tres_per_user", TRES_LIST),
        row("limits/max/tres/minutes/per/account", "max_tres_run_mins_per_account", TRES_LIST),
        row("limits/max/tres/minutes/per/user", "max_tres_run_mins_per_user", TRES_LIST),
        row("limits/max/wall_clock/per/job", "max_wall_per_job", NO_VAL),
        row("limits/min/priority_threshold", "min_priority_threshold", NO_VAL),
        row("limits/min/tres/per/job", "min_tres_per_job", TRES_LIST),
        row("preempt/list", "preempt_list", STRINGS),
        row("preempt/mode", "preempt_mode", STRINGS),
        row("preempt/exempt_time", "preempt_exempt_time", NO_VAL),
        row("priority", "priority", NO_VAL),
        row("usage_factor", "usage_factor", FLOAT_NO_VAL),
        row("usage_threshold", "usage_threshold", FLOAT_NO_VAL),
    ],
)


def render_qos(qos: QOS) -> dict[str, Any]:
    return QOS_SHAPE.render(qos)
