"""v0.0.46 associations (v0.0.46_assoc). Live usage is not part of this version's shape."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.shape import Shape, row
from slurmrestd.api.versions.v0_0_46.slurmdb_tres import TRES_LIST
from slurmrestd.api.versions.v0_0_46.slurmdb_values import BOOL, INT, NO_VAL, STRING, STRINGS
from slurmrestd.api.versions.v0_0_46.slurmdb_wckeys import ACCOUNTING_LIST
from slurmrestd.model.accounting import Association

ASSOCIATION = Shape(
    Association,
    [
        row("accounting", "accounting", ACCOUNTING_LIST),
        row("account", "account", STRING),
        row("cluster", "cluster", STRING),
        row("comment", "comment", STRING),
        row("default/qos", "default_qos", STRING),
        row("flags", "flags", STRINGS),
        row("max/jobs/per/count", "grp_jobs", NO_VAL),
        row("max/jobs/per/accruing", "grp_jobs_accrue", NO_VAL),
        row("max/jobs/per/submitted", "grp_submit_jobs", NO_VAL),
        row("max/tres/total", "grp_tres", TRES_LIST),
        row("max/tres/group/minutes", "grp_tres_mins", TRES_LIST),
        row("max/tres/group/active", "grp_tres_run_mins", TRES_LIST),
        row("max/tres/minutes/total", "max_tres_run_mins", TRES_LIST),
        row("max/per/account/wall_clock", "grp_wall", NO_VAL),
        row("id", "id", INT),
        row("is_default", "is_default", BOOL),
        row("lineage", "lineage", STRING),
        row("max/jobs/active", "max_jobs", NO_VAL),
        row("max/jobs/accruing", "max_jobs_accrue", NO_VAL),
        row("max/jobs/total", "max_submit_jobs", NO_VAL),
        row("max/tres/minutes/per/job", "max_tres_mins_per_job", TRES_LIST),
        row("max/tres/per/job", "max_tres_per_job", TRES_LIST),
        row("max/tres/per/node", "max_tres_per_node", TRES_LIST),
        row("max/jobs/per/wall_clock", "max_wall_per_job", NO_VAL),
        row("min/priority_threshold", "min_priority_threshold", NO_VAL),
        row("parent_account", "parent_account", STRING),
        row("partition", "partition", STRING),
        row("priority", "priority", NO_VAL),
        row("qos", "qos", STRINGS),
        row("shares_raw", "shares_raw", INT),
        row("user", "user", STRING),
    ],
)


def render_assoc(assoc: Association) -> dict[str, Any]:
    return ASSOCIATION.render(assoc)
