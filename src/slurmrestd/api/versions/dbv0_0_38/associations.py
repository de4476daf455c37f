"""dbv0.0.38 associations: GET /associations, /association?..., config dump."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.shape import Codec, Shape, nested, row
from slurmrestd.api.versions.dbv0_0_38.tres import TRES_LIST
from slurmrestd.api.versions.dbv0_0_38.values import BOOL_INT, FLOAT, NUMBER, STRING, STRINGS
from slurmrestd.model.accounting import Association, AssocUsage

# No capture shows usage (always null there); keys as the dbv0.0.38 schema
# names them, in the order slurmdbd's usage record holds them.
ASSOC_USAGE = Shape(
    AssocUsage,
    [
        row("accrue_job_count", "accrue_job_count", NUMBER),
        row("group_used_wallclock", "group_used_wallclock", FLOAT),
        row("fairshare_factor", "fairshare_factor", FLOAT),
        row("fairshare_shares", "fairshare_shares", NUMBER),
        row("normalized_priority", "normalized_priority", NUMBER),
        row("normalized_shares", "normalized_shares", FLOAT),
        row("effective_normalized_usage", "effective_normalized_usage", FLOAT),
        row("raw_usage", "raw_usage", NUMBER),
        row("fairshare_level", "fairshare_level", FLOAT),
        row("job_count", "job_count", NUMBER),
    ],
)

# 22.05 lists "DEFAULT" among the flags of a user's default association (the
# same fact as is_default, see GET_slurmdb_v0.0.38_associations.json); it is
# not a stored flag, so it is added on output and dropped on input.
DEFAULT_FLAG = "DEFAULT"


def _dump_flags(assoc: Association) -> list[str]:
    return ([DEFAULT_FLAG] if assoc.is_default else []) + list(assoc.flags)


def _load_flags(value: Any, name: str) -> tuple[str, ...]:
    return tuple(f for f in STRINGS.load(value, name) if f != DEFAULT_FLAG)  # type: ignore[misc]


FLAGS = Codec(_dump_flags, _load_flags)

# Key order as GET_slurmdb_v0.0.38_associations.json. The "max" paths are
# 22.05's: max/jobs/per/* are the Grp* job limits plus MaxWallDurationPerJob.
ASSOCIATION = Shape(
    Association,
    [
        row("account", "account", STRING),
        row("cluster", "cluster", STRING),
        row("default/qos", "default_qos", STRING),
        row("flags", "flags", FLAGS, whole_record=True),
        row("max/jobs/per/count", "grp_jobs", NUMBER),
        row("max/jobs/per/accruing", "grp_jobs_accrue", NUMBER),
        row("max/jobs/per/submitted", "grp_submit_jobs", NUMBER),
        row("max/jobs/per/wall_clock", "max_wall_per_job", NUMBER),
        row("max/jobs/active", "max_jobs", NUMBER),
        row("max/jobs/accruing", "max_jobs_accrue", NUMBER),
        row("max/jobs/total", "max_submit_jobs", NUMBER),
        row("max/tres/total", "grp_tres", TRES_LIST),
        row("max/tres/minutes/per/job", "max_tres_mins_per_job", TRES_LIST),
        row("max/tres/minutes/total", "max_tres_run_mins", TRES_LIST),
        row("max/tres/group/minutes", "grp_tres_mins", TRES_LIST),
        row("max/tres/group/active", "grp_tres_run_mins", TRES_LIST),
        row("max/tres/per/job", "max_tres_per_job", TRES_LIST),
        row("max/tres/per/node", "max_tres_per_node", TRES_LIST),
        row("max/per/account/wall_clock", "grp_wall", NUMBER),
        row("is_default", "is_default", BOOL_INT),
        row("min/priority_threshold", "min_priority_threshold", NUMBER),
        row("parent_account", "parent_account", STRING),
        row("partition", "partition", STRING),
        row("priority", "priority", NUMBER),
        row("qos", "qos", STRINGS),
        row("shares_raw", "shares_raw", NUMBER),
        row("usage", "usage", nested(ASSOC_USAGE)),
        row("user", "user", STRING),
    ],
)


def render_association(assoc: Association) -> dict[str, Any]:
    return ASSOCIATION.render(assoc)


def parse_association(data: Any, source: str = "parse_association") -> Association:
    """Raises: SlurmError naming the field that does not fit."""
    return ASSOCIATION.parse(data, source)
