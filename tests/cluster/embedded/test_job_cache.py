"""The embedded backend converts each engine record to a Job once."""

from __future__ import annotations

import os
import time
from pathlib import Path

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.embedded import EmbeddedCluster
from slurmrestd.cluster.embedded.engine import Submitter
from slurmrestd.model.job_desc import JobDescription

SCRIPT = "#!/bin/sh\ntrue\n"


def _held(name: str) -> JobDescription:
    return JobDescription(
        script=SCRIPT,
        name=name,
        hold=True,
        environment={"PATH": "/bin"},
        current_working_directory="/tmp",
    )


def test_unchanged_jobs_are_the_same_objects_and_changes_show(tmp_path: Path) -> None:
    cluster = EmbeddedCluster(state_dir=tmp_path / "state")
    cluster.start()
    try:
        me = Identity("me", os.getuid(), os.getgid(), "local")
        submitter = Submitter(os.getuid(), os.getgid(), "me", "me")
        engine = cluster._engine()
        first = engine.submit(submitter, _held("one")).job_id
        engine.submit(submitter, _held("two"))
        # The scheduler's first pass sets the pending reasons: let it settle.
        deadline = time.monotonic() + 5
        while any(j.state_reason == "None" for j in cluster.jobs(me).jobs):
            assert time.monotonic() < deadline, "the scheduler never set a reason"
            time.sleep(0.02)
        before = cluster.jobs(me).jobs
        again = cluster.jobs(me).jobs
        assert [a is b for a, b in zip(before, again, strict=True)] == [True, True]
        engine.update(submitter, str(first), JobDescription(name="renamed"))
        after = {job.job_id: job for job in cluster.jobs(me).jobs}
        assert after[first].name == "renamed"
        assert after[first] is not before[0] and after[first + 1] is before[1]
    finally:
        cluster.close()
