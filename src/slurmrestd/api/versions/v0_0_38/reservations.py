"""API v0.0.38 reservation records (Slurm 22.05 `v0.0.38_reservation`): render and inverse.

As in 22.05: flags are named in that release's own table order, PURGE_COMP is
not a flag name but a `purge_completed` object that appears only when set,
the core specification is only counted, and unset watts are the raw uint32
"not set" marker (shared/reference/slurm-22.05 captures).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.versions.render import FieldTable, attr, render
from slurmrestd.model.reservation import CoreSpec, Reservation, ReservationFlag

F = ReservationFlag
FLAG_ORDER: tuple[ReservationFlag, ...] = (
    F.MAINT,
    F.NO_MAINT,
    F.FLEX,
    F.OVERLAP,
    F.IGNORE_JOBS,
    F.DAILY,
    F.NO_DAILY,
    F.WEEKDAY,
    F.WEEKEND,
    F.WEEKLY,
    F.NO_WEEKLY,
    F.SPEC_NODES,
    F.ALL_NODES,
    F.ANY_NODES,
    F.NO_ANY_NODES,
    F.STATIC,
    F.NO_STATIC,
    F.PART_NODES,
    F.NO_PART_NODES,
    F.FIRST_CORES,
    F.TIME_FLOAT,
    F.REPLACE,
    F.REPLACE_DOWN,
    F.NO_HOLD_JOBS_AFTER_END,
    F.MAGNETIC,
    F.NO_MAGNETIC,
)
NO_VAL32 = 4294967294
INFINITE32 = 4294967295


def _flag_names(flags: frozenset[ReservationFlag]) -> list[str]:
    return [flag.value for flag in FLAG_ORDER if flag in flags]


def _uint32(value: int | float | None) -> int:
    """A canonical number as 22.05 prints an unsigned 32-bit field."""
    if value is None:
        return NO_VAL32
    return INFINITE32 if value == INFINITE else int(value)


# purge_completed, when present, goes between these two tables.
HEAD_FIELDS: FieldTable = (
    ("flags", attr("flags", _flag_names)),
    ("accounts", attr("accounts")),
    ("burst_buffer", attr("burst_buffer")),
    ("core_count", attr("core_count")),
    ("core_spec_cnt", attr("core_specializations", len)),
    ("end_time", attr("end_time")),
    ("features", attr("features")),
    ("groups", attr("groups")),
    ("licenses", attr("licenses")),
    ("max_start_delay", attr("max_start_delay")),
    ("name", attr("name")),
    ("node_count", attr("node_count")),
    ("node_list", attr("node_list")),
    ("partition", attr("partition")),
)
TAIL_FIELDS: FieldTable = (
    ("start_time", attr("start_time")),
    ("watts", attr("watts", _uint32)),
    ("tres", attr("tres")),
    ("users", attr("users")),
)


def render_reservation(res: Reservation) -> dict[str, Any]:
    """One reservation as the 22.05 daemon writes it."""
    row = render(res, HEAD_FIELDS)
    if ReservationFlag.PURGE_COMP in res.flags:
        row["purge_completed"] = {"time": _uint32(res.purge_completed_time)}
    row.update(render(res, TAIL_FIELDS))
    return row


def _parse_sentinel(value: int) -> int | float | None:
    if value == NO_VAL32:
        return None
    return INFINITE if value == INFINITE32 else value


def parse_reservation(body: Mapping[str, Any]) -> Reservation:
    """The canonical reservation behind one v0.0.38 reservation object.

    v0.0.38 only counts the specialised cores, so that many placeholder
    CoreSpec entries (empty node and cores) stand for them.

    Raises:
        KeyError: a key of the v0.0.38 shape is missing.
        ValueError: a flag name is unknown.
    """
    flags = {ReservationFlag(name) for name in body["flags"]}
    purge = body.get("purge_completed")
    if purge is not None:
        flags.add(ReservationFlag.PURGE_COMP)
    return Reservation(
        name=body["name"],
        node_list=body["node_list"],
        node_count=body["node_count"],
        core_count=body["core_count"],
        core_specializations=tuple(CoreSpec("", "") for _ in range(body["core_spec_cnt"])),
        start_time=body["start_time"],
        end_time=body["end_time"],
        flags=frozenset(flags),
        users=body["users"],
        accounts=body["accounts"],
        groups=body["groups"],
        partition=body["partition"],
        licenses=body["licenses"],
        features=body["features"],
        tres=body["tres"],
        burst_buffer=body["burst_buffer"],
        watts=_parse_sentinel(body["watts"]),
        max_start_delay=body["max_start_delay"],
        purge_completed_time=None if purge is None else _parse_sentinel(purge["time"]),
    )
