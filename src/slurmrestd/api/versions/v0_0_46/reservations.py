"""API v0.0.46 reservation records (`v0.0.46_reservation_info`).

Key order follows upstream's v0.0.46 reservation table; times are no_val
structs and the core specification is listed per node (watts is gone).
"""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.render import FieldTable, attr, no_val_number, render
from slurmrestd.model.reservation import CoreSpec, Reservation, ReservationFlag

# Every flag but 22.05's FIRST_CORES, in bit order.
FLAG_ORDER: tuple[ReservationFlag, ...] = tuple(
    flag for flag in ReservationFlag if flag is not ReservationFlag.FIRST_CORES
)


def _flag_names(flags: frozenset[ReservationFlag]) -> list[str]:
    return [flag.value for flag in FLAG_ORDER if flag in flags]


def _core_specs(specs: tuple[CoreSpec, ...]) -> list[dict[str, str]]:
    return [{"node": spec.node, "core": spec.cores} for spec in specs]


RESERVATION_FIELDS: FieldTable = (
    ("accounts", attr("accounts")),
    ("burst_buffer", attr("burst_buffer")),
    ("core_count", attr("core_count")),
    ("core_specializations", attr("core_specializations", _core_specs)),
    ("end_time", no_val_number("end_time")),
    ("features", attr("features")),
    ("flags", attr("flags", _flag_names)),
    ("groups", attr("groups")),
    ("licenses", attr("licenses")),
    ("max_start_delay", attr("max_start_delay")),
    ("name", attr("name")),
    ("node_count", attr("node_count")),
    ("node_list", attr("node_list")),
    ("partition", attr("partition")),
    ("purge_completed", lambda res: {"time": no_val_number("purge_completed_time")(res)}),
    ("start_time", no_val_number("start_time")),
    ("tres", attr("tres")),
    ("users", attr("users")),
)


def render_reservation(res: Reservation) -> dict[str, Any]:
    """One reservation in the v0.0.46 shape."""
    return render(res, RESERVATION_FIELDS)
