"""API v0.0.46 reservation requests and their echo (`v0.0.46_reservation_desc_msg`).

POST /reservation takes one reservation_desc_msg, POST /reservations a
reservation_mod_req holding several; both answer with the reservations as
they now are, in the same desc shape.
"""

from __future__ import annotations

from typing import Any

from slurmrestd.api.numbers import INFINITE, no_val
from slurmrestd.api.schema import FieldProblem
from slurmrestd.api.versions.request import RequestInvalid, invalid_from_problems
from slurmrestd.api.versions.v0_0_46.admin_requests import checked
from slurmrestd.api.versions.v0_0_46.job_desc import no_val_number
from slurmrestd.api.versions.v0_0_46.reservations import FLAG_ORDER
from slurmrestd.model.reservation import Reservation
from slurmrestd.model.reservation_request import ReservationRequest

SOURCE_ONE = "slurm_v0046_post_reservation"
SOURCE_MANY = "slurm_v0046_post_reservations"
_TEXT = ("name", "partition", "comment", "features", "burst_buffer")
_LISTS = ("users", "accounts", "groups", "licenses")
_NUMBERS = ("start_time", "end_time", "duration", "node_count", "core_count", "max_start_delay")
# Numbers where "infinite" means nothing: a start, a count, a delay (an end may be open).
_FINITE = frozenset({"start_time", "node_count", "core_count", "max_start_delay"})


def _tres(items: list[dict[str, Any]]) -> str:
    parts = []
    for item in items:
        kind = item.get("type", "")
        name = item.get("name")
        parts.append(
            f"{kind}/{name}={item.get('count', 0)}" if name else f"{kind}={item.get('count', 0)}"
        )
    return ",".join(parts)


def describe(
    value: dict[str, Any], where: str = "", problems: list[FieldProblem] | None = None
) -> ReservationRequest:
    """A converted reservation_desc_msg as a ReservationRequest.

    An infinite start_time, node_count, core_count or max_start_delay is added
    to `problems` (paths prefixed with `where`).
    """
    req = ReservationRequest()
    problems = [] if problems is None else problems
    for key, item in value.items():
        if key in _TEXT:
            setattr(req, key, item)
        elif key in _LISTS:
            setattr(req, key, ",".join(item))
        elif key in _NUMBERS:
            number = no_val_number(item)
            if key in _FINITE and number == INFINITE:
                problems.append(FieldProblem(f"{where}{key}", "cannot be infinite"))
            setattr(req, key, number)
        elif key == "node_list":
            req.node_list = ",".join(item)
        elif key == "flags":
            req.flags = tuple(item)
        elif key == "tres":
            req.tres = _tres(item) or None
        elif key == "purge_completed":
            req.purge_completed_time = no_val_number(item.get("time", {}))
        else:
            req.other[key] = item
    return req


def _refuse(problems: list[FieldProblem], warnings: list[Any], source: str) -> None:
    """Raises RequestInvalid (with the warnings gathered so far) when there are problems."""
    if problems:
        refused = invalid_from_problems(problems, [], source)
        raise RequestInvalid(refused.errno, refused.entries, warnings)


def parse_one(body: Any) -> tuple[list[ReservationRequest], list[Any]]:
    """POST /reservation: one reservation_desc_msg.

    Raises:
        RequestInvalid: an empty body, schema problems or an infinite start.
    """
    value, warnings = checked("v0.0.46_reservation_desc_msg", body, SOURCE_ONE)
    problems: list[FieldProblem] = []
    req = describe(value, "", problems)
    _refuse(problems, warnings, SOURCE_ONE)
    return [req], warnings


def parse_many(body: Any) -> tuple[list[ReservationRequest], list[Any]]:
    """POST /reservations: {"reservations": [reservation_desc_msg, ...]}.

    Raises:
        RequestInvalid: an empty body, schema problems, an infinite start, or no
            reservation at all.
    """
    value, warnings = checked("v0.0.46_reservation_mod_req", body, SOURCE_MANY)
    items = value.get("reservations", [])
    if not items:
        problem = FieldProblem("reservations", "at least one reservation is required")
        raise invalid_from_problems([problem], [], SOURCE_MANY)
    problems: list[FieldProblem] = []
    reqs = [describe(item, f"reservations/{i}/", problems) for i, item in enumerate(items)]
    _refuse(problems, warnings, SOURCE_MANY)
    return reqs, warnings


def _csv(text: str) -> list[str]:
    return [item for item in text.split(",") if item]


def render_reservation_desc(res: Reservation) -> dict[str, Any]:
    """A reservation echoed in the request shape."""
    minutes = (res.end_time - res.start_time) // 60 if res.end_time else None
    return {
        "accounts": _csv(res.accounts),
        "burst_buffer": res.burst_buffer,
        "comment": "",
        "core_count": no_val(res.core_count),
        "duration": no_val(minutes),
        "end_time": no_val(res.end_time),
        "features": res.features,
        "flags": [flag.value for flag in FLAG_ORDER if flag in res.flags],
        "groups": _csv(res.groups),
        "licenses": _csv(res.licenses),
        "max_start_delay": no_val(res.max_start_delay),
        "name": res.name,
        "node_count": no_val(res.node_count),
        "node_list": [res.node_list] if res.node_list else [],
        "partition": res.partition,
        "purge_completed": {"time": no_val(res.purge_completed_time)},
        "start_time": no_val(res.start_time),
        "tres": [],
        "users": _csv(res.users),
    }
