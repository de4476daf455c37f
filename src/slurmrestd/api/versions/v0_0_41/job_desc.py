"""v0.0.41 job bodies: v0.0.42's parser against the v0.0.41 schema, plus the
23.11 sharing keys 24.11 removed: `exclusive` (a list of true, false, user,
mcs, topo) and `oversubscribe` (a Boolean), read like v0.0.38's."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.v0_0_42 import job_desc as newer

# exclusive=<name> -> canonical (exclusive, shared)
EXCLUSIVE = {
    "true": {"exclusive": True},
    "false": {"exclusive": False},
    "user": {"exclusive": True, "shared": "user"},
    "mcs": {"exclusive": True, "shared": "mcs"},
    "topo": {"exclusive": True, "shared": "topo"},
}


def read_exclusive(value: list[str]) -> dict[str, Any]:
    """The last name given wins, as in a job script."""
    return dict(EXCLUSIVE[value[-1]]) if value else {}


def read_oversubscribe(value: bool) -> dict[str, Any]:
    return {"exclusive": False, "shared": "oversubscribe"} if value else {}


PARSER = newer.PARSER.derive(
    "v0.0.41", {"exclusive": read_exclusive, "oversubscribe": read_oversubscribe}
)
parse_submit = PARSER.parse_submit
parse_update = PARSER.parse_update
