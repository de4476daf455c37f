"""v0.0.44 job bodies: v0.0.45's parser against the v0.0.44 schema; the
deprecated `power_flags` are accepted and ignored (no power management here)."""

from __future__ import annotations

from slurmrestd.api.versions.v0_0_45 import job_desc as newer

PARSER = newer.PARSER.derive("v0.0.44", {"power_flags": lambda value: {}})
parse_submit = PARSER.parse_submit
parse_update = PARSER.parse_update
