"""v0.0.42 administration operations: v0.0.43's, with v0.0.42's job
descriptions for allocations."""

from __future__ import annotations

from slurmrestd.api.versions.v0_0_42 import job_desc
from slurmrestd.api.versions.v0_0_43 import admin as newer

SHAPES = newer.SHAPES.derive("v0.0.42", job_desc.PARSER)
