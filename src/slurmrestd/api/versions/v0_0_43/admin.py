"""v0.0.43 administration operations, from v0.0.44: job states without the
flags v0.0.43's job records lack (EXPEDITING), and reservations without the
five flags 25.11 added."""

from __future__ import annotations

from slurmrestd.api.versions.v0_0_43 import job_desc, jobs, resources
from slurmrestd.api.versions.v0_0_44 import admin as newer
from slurmrestd.api.versions.v0_0_44 import jobs as newer_jobs
from slurmrestd.api.versions.v0_0_45.admin_shapes import values_without

GONE_STATE_FLAGS = tuple(f for f in newer_jobs.STATE_FLAGS if f not in jobs.STATE_FLAGS)

SHAPES = newer.SHAPES.derive(
    "v0.0.43",
    job_desc.PARSER,
    render_job_state=values_without(newer.SHAPES.render_job_state, "job_state", *GONE_STATE_FLAGS),
    render_reservation_desc=values_without(
        newer.SHAPES.render_reservation_desc, "flags", *resources.NEW_RESERVATION_FLAGS
    ),
)
