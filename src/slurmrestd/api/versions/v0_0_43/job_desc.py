"""v0.0.43 job bodies: v0.0.44's parser against the v0.0.43 schema."""

from __future__ import annotations

from slurmrestd.api.versions.v0_0_44 import job_desc as newer

PARSER = newer.PARSER.derive("v0.0.43")
parse_submit = PARSER.parse_submit
parse_update = PARSER.parse_update
