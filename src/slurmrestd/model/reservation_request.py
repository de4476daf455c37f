"""A reservation to create, or changes to an existing one (scontrol create/update reservation).

None = not given. Times are unix seconds, `duration` minutes; INFINITE
(api.numbers) where Slurm allows "no limit". Users, accounts and groups keep
Slurm's comma-separated form (a leading "-" makes a deny list). `flags` are
flag names as given, including the NO_* forms that clear a flag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class ReservationRequest:
    name: str | None = None
    start_time: int | None = None
    end_time: int | float | None = None
    duration: int | float | None = None
    node_list: str | None = None  # hostlist expression or "ALL"
    node_count: int | None = None
    users: str | None = None
    accounts: str | None = None
    groups: str | None = None
    partition: str | None = None
    flags: tuple[str, ...] | None = None
    comment: str | None = None
    features: str | None = None
    core_count: int | None = None
    licenses: str | None = None
    tres: str | None = None
    burst_buffer: str | None = None
    max_start_delay: int | None = None  # seconds
    purge_completed_time: int | None = None  # seconds
    other: dict[str, Any] = field(default_factory=dict)
