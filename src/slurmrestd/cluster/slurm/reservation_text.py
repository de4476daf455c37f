"""Reservations from `scontrol show reservation -o` (22.05 has no JSON form of it).

Run with SLURM_TIME_FORMAT=%s so StartTime/EndTime are unix seconds, not local
clock text. "(null)" lists are empty, Watts=n/a is unset, and the purge time
rides on the flag itself ("PURGE_COMP=00:05:00"), as the 22.05 C daemon shows
them for the same controller.
"""

from __future__ import annotations

import logging
import re

from slurmrestd.cluster.slurm import textfields as tf
from slurmrestd.model.reservation import CoreSpec, Reservation, ReservationFlag

log = logging.getLogger(__name__)

_FLAG_NAMES = {flag.value: flag for flag in ReservationFlag}
_CORE_SPEC = re.compile(r"(?:^|\s)NodeName=(?P<node>\S+)\s+CoreIDs=(?P<cores>\S+)")


def _flags(value: str | None) -> tuple[frozenset[ReservationFlag], int | float | None]:
    """Flags=A,B,PURGE_COMP=00:05:00 -> (flags, purge seconds or None)."""
    flags: set[ReservationFlag] = set()
    purge: int | float | None = None
    for word in tf.text(value).split(","):
        name, _, argument = word.partition("=")
        flag = _FLAG_NAMES.get(name.strip().upper())
        if flag is None:
            if name:
                log.debug("reservation flag %r is not known here; left out", name)
            continue
        flags.add(flag)
        if flag is ReservationFlag.PURGE_COMP and argument:
            purge = tf.duration_seconds(argument)
    return frozenset(flags), purge


def _watts(value: str | None) -> int | float | None:
    """Watts=n/a is unset; a number may carry a k/M suffix in newer releases."""
    text = tf.text(value)
    if not text:
        return None
    scale = {"K": 1000, "M": 1000000}.get(text[-1:].upper(), 1)
    digits = text[:-1] if scale != 1 else text
    amount = tf.number(digits)
    return amount * scale if isinstance(amount, int) else amount


def _core_specs(line: str) -> tuple[CoreSpec, ...]:
    """Core reservations print one `NodeName=n1 CoreIDs=0-1` pair per node, after Flags."""
    return tuple(CoreSpec(m["node"], m["cores"]) for m in _CORE_SPEC.finditer(line))


def parse_reservation_line(line: str) -> Reservation | None:
    """One `ReservationName=...` line; None for any other line."""
    f = tf.split_fields(line)
    name = f.get("ReservationName")
    if not name:
        return None
    flags, purge = _flags(f.get("Flags"))
    max_delay = tf.text(f.get("MaxStartDelay"))
    return Reservation(
        name=name,
        node_list=tf.text(f.get("Nodes")),
        node_count=tf.count(f.get("NodeCnt")),
        core_count=tf.count(f.get("CoreCnt")),
        core_specializations=_core_specs(line),
        start_time=tf.timestamp(f.get("StartTime")),
        end_time=tf.timestamp(f.get("EndTime")),
        flags=flags,
        users=tf.text(f.get("Users")),
        accounts=tf.text(f.get("Accounts")),
        groups=tf.text(f.get("Groups")),
        partition=tf.text(f.get("PartitionName")),
        licenses=tf.text(f.get("Licenses")),
        features=tf.text(f.get("Features")),
        tres=tf.text(f.get("TRES")),
        burst_buffer=tf.text(f.get("BurstBuffer")),
        watts=_watts(f.get("Watts")),
        max_start_delay=(tf.duration_seconds(max_delay) or 0) if max_delay else 0,
        purge_completed_time=purge,
    )


def parse_reservations(text: str) -> tuple[Reservation, ...]:
    """Every reservation of `scontrol show reservation -o` output."""
    parsed = (parse_reservation_line(line) for line in text.splitlines())
    return tuple(r for r in parsed if r is not None)
