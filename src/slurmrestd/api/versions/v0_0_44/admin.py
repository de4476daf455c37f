"""v0.0.44 administration operations: v0.0.45's, with v0.0.44's job descriptions
for allocations (other bodies differ only in names their schema lists)."""

from __future__ import annotations

from slurmrestd.api.versions.v0_0_44 import job_desc
from slurmrestd.api.versions.v0_0_45 import admin as newer

SHAPES = newer.SHAPES.derive("v0.0.44", job_desc.PARSER)
