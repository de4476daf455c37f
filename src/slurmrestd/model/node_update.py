"""Changes an operator asks for on nodes (scontrol update nodename=...), version-neutral.

A field left as None was not given and stays as it is. `state` holds the
requested state words in the order given (e.g. ("DRAIN",), ("RESUME",)).
Fields without a canonical home stay in `other` for a backend that knows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class NodeUpdate:
    names: tuple[str, ...] = ()  # expanded node names; empty = the path's node
    state: tuple[str, ...] | None = None
    reason: str | None = None
    comment: str | None = None
    extra: str | None = None  # the node's free-form "extra" text
    features: tuple[str, ...] | None = None
    active_features: tuple[str, ...] | None = None
    weight: int | float | None = None
    resume_after: int | float | None = None  # seconds after a DOWN/DRAIN
    other: dict[str, Any] = field(default_factory=dict)
