"""Canonical advance-reservation records.

Times are unix seconds; None = not set, `api.numbers.INFINITE` = no limit.
Users, accounts and groups stay in Slurm's comma-separated form, because a
leading "-" (deny list) is part of the value.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ReservationFlag(enum.Enum):
    """Reservation flags, in Slurm's bit order."""

    MAINT = "MAINT"
    NO_MAINT = "NO_MAINT"
    DAILY = "DAILY"
    NO_DAILY = "NO_DAILY"
    WEEKLY = "WEEKLY"
    NO_WEEKLY = "NO_WEEKLY"
    IGNORE_JOBS = "IGNORE_JOBS"
    NO_IGNORE_JOBS = "NO_IGNORE_JOBS"
    ANY_NODES = "ANY_NODES"
    NO_ANY_NODES = "NO_ANY_NODES"
    STATIC = "STATIC"
    NO_STATIC = "NO_STATIC"
    PART_NODES = "PART_NODES"
    NO_PART_NODES = "NO_PART_NODES"
    OVERLAP = "OVERLAP"
    SPEC_NODES = "SPEC_NODES"
    FIRST_CORES = "FIRST_CORES"  # 22.05 only
    TIME_FLOAT = "TIME_FLOAT"
    REPLACE = "REPLACE"
    ALL_NODES = "ALL_NODES"
    PURGE_COMP = "PURGE_COMP"
    WEEKDAY = "WEEKDAY"
    NO_WEEKDAY = "NO_WEEKDAY"
    WEEKEND = "WEEKEND"
    NO_WEEKEND = "NO_WEEKEND"
    FLEX = "FLEX"
    NO_FLEX = "NO_FLEX"
    DURATION_PLUS = "DURATION_PLUS"
    DURATION_MINUS = "DURATION_MINUS"
    NO_HOLD_JOBS_AFTER_END = "NO_HOLD_JOBS_AFTER_END"
    REPLACE_DOWN = "REPLACE_DOWN"
    NO_PURGE_COMP = "NO_PURGE_COMP"
    MAGNETIC = "MAGNETIC"
    NO_MAGNETIC = "NO_MAGNETIC"
    SKIP = "SKIP"
    HOURLY = "HOURLY"
    NO_HOURLY = "NO_HOURLY"
    USER_DELETE = "USER_DELETE"
    FORCE_START = "FORCE_START"
    NO_USER_DELETE = "NO_USER_DELETE"
    REOCCURRING = "REOCCURRING"
    TRES_PER_NODE = "TRES_PER_NODE"


@dataclass(frozen=True, slots=True)
class CoreSpec:
    """Cores of one node held by a core-based reservation."""

    node: str
    cores: str  # Slurm's range text, e.g. "0-3"


@dataclass(frozen=True, slots=True)
class Reservation:
    name: str
    node_list: str = ""  # hostlist expression
    node_count: int = 0
    core_count: int = 0
    core_specializations: tuple[CoreSpec, ...] = ()
    start_time: int = 0
    end_time: int = 0
    flags: frozenset[ReservationFlag] = frozenset()
    users: str = ""
    accounts: str = ""
    groups: str = ""
    partition: str = ""
    licenses: str = ""
    features: str = ""
    tres: str = ""
    burst_buffer: str = ""
    watts: int | float | None = None
    max_start_delay: int = 0  # seconds
    purge_completed_time: int | float | None = None  # idle seconds before PURGE_COMP removes it


@dataclass(frozen=True, slots=True)
class ReservationSnapshot:
    reservations: tuple[Reservation, ...]
    last_update: int  # unix time the controller's reservation table last changed
