"""v0.0.42 job bodies: v0.0.43's parser against the v0.0.42 schema."""

from __future__ import annotations

from slurmrestd.api.versions.v0_0_43 import job_desc as newer

PARSER = newer.PARSER.derive("v0.0.42")
parse_submit = PARSER.parse_submit
parse_update = PARSER.parse_update
