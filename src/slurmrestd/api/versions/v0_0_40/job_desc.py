"""v0.0.40 job bodies: v0.0.41's parser against the v0.0.40 schema (which
also names `exclusive` and `oversubscribe`, without "topo")."""

from __future__ import annotations

from slurmrestd.api.versions.v0_0_41 import job_desc as newer

PARSER = newer.PARSER.derive("v0.0.40")
parse_submit = PARSER.parse_submit
parse_update = PARSER.parse_update
