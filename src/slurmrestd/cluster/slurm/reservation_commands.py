"""Reservation requests as Slurm 22.05 `scontrol create|update|delete reservation` lines.

Pure functions over model/reservation_request.py. Facts used (seen on the testbed):
- create needs a start time; slurmctld's own default is "now", so a request
  without one gets StartTime=now (as the embedded controller does);
- times are local "YYYY-MM-DDTHH:MM:SS" text, durations minutes, and
  MaxStartDelay / the PURGE_COMP argument a [days-]hh:mm:ss time;
- a flag is cleared by naming it with a leading "-" (the REST NO_<flag>
  names), which update applies on top of the current flags;
- create prints "Reservation created: <name>" (the name Slurm chose when the
  request gave none: then the entity word "reservation" leads the fields).
"""

from __future__ import annotations

import re

from slurmrestd.api.numbers import INFINITE
from slurmrestd.cluster.slurm.sbatch_args import local_time
from slurmrestd.model.reservation_request import ReservationRequest

# NO_<flag> names that clear <flag>; NO_HOLD_JOBS_AFTER_END is a flag of its own.
_CLEARABLE = frozenset(
    {"MAINT", "DAILY", "WEEKLY", "IGNORE_JOBS", "ANY_NODES", "STATIC", "PART_NODES",
     "WEEKDAY", "WEEKEND", "FLEX", "PURGE_COMP", "MAGNETIC", "HOURLY", "USER_DELETE"}
)  # fmt: skip
_CREATED = re.compile(r"Reservation created: (?P<name>\S+)")


def timespec(seconds: int | float) -> str:
    """Seconds as Slurm's [days-]hh:mm:ss time."""
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}-{clock}" if days else clock


def flag_words(flags: tuple[str, ...], purge_after: int | None) -> list[str]:
    """Flag names as scontrol reads them (NO_X -> -X; PURGE_COMP=<time> when a purge
    time is given)."""
    words = []
    for flag in flags:
        name = flag.upper()
        if name.startswith("NO_") and name[3:] in _CLEARABLE:
            words.append(f"-{name[3:]}")
        elif name == "PURGE_COMP" and purge_after is not None:
            continue  # written once below, with its time
        else:
            words.append(name)
    if purge_after is not None:
        words.append(f"PURGE_COMP={timespec(purge_after)}")
    return words


def _minutes(value: int | float) -> str:
    return "UNLIMITED" if value == INFINITE else str(int(value))


def reservation_fields(req: ReservationRequest) -> list[str]:
    """The Key=Value fields of a request (without its name)."""
    fields = []
    if req.start_time is not None:
        fields.append(f"StartTime={local_time(req.start_time)}")
    if req.end_time == INFINITE:
        fields.append("Duration=UNLIMITED")  # an open end is a duration in scontrol
    elif req.end_time is not None:
        fields.append(f"EndTime={local_time(int(req.end_time))}")
    if req.duration is not None:
        fields.append(f"Duration={_minutes(req.duration)}")
    texts = (
        ("Nodes", req.node_list),
        ("NodeCnt", req.node_count),
        ("CoreCnt", req.core_count),
        ("Users", req.users),
        ("Accounts", req.accounts),
        ("Groups", req.groups),
        ("PartitionName", req.partition),
        ("Features", req.features),
        ("Licenses", req.licenses),
        ("TRES", req.tres),
        ("BurstBuffer", req.burst_buffer),
        ("Comment", req.comment),
    )
    fields += [f"{key}={value}" for key, value in texts if value is not None]
    if req.max_start_delay is not None:
        fields.append(f"MaxStartDelay={timespec(req.max_start_delay)}")
    words = flag_words(req.flags or (), req.purge_completed_time)
    if words:
        fields.append(f"Flags={','.join(words)}")
    return fields


def reservation_command(req: ReservationRequest, exists: bool) -> list[str] | None:
    """`scontrol update` for an existing reservation, else `scontrol create`.

    None when an existing reservation is asked for no change (scontrol refuses
    an update without fields).
    """
    fields = reservation_fields(req)
    # scontrol tells what to create by the first word: the name, or the entity.
    named = [f"ReservationName={req.name}"] if req.name else ["reservation"]
    if exists:
        return ["scontrol", "update", *named, *fields] if fields else None
    if req.start_time is None:
        fields.insert(0, "StartTime=now")
    return ["scontrol", "create", *named, *fields]


def created_name(stdout: str) -> str | None:
    """The name `scontrol create reservation` reported."""
    match = _CREATED.search(stdout)
    return match["name"] if match else None


def delete_reservation_command(name: str) -> list[str]:
    return ["scontrol", "delete", f"ReservationName={name}"]
