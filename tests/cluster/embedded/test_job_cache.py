"""The embedded backend converts each engine record to a Job once."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.embedded import EmbeddedCluster, convert
from slurmrestd.cluster.embedded.engine import Submitter
from slurmrestd.cluster.embedded.engine.records import JobState as EngineState
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


def test_accounting_views_are_kept_unless_the_job_runs(tmp_path: Path) -> None:
    cluster = EmbeddedCluster(state_dir=tmp_path / "state")
    cluster.start()
    try:
        submitter = Submitter(os.getuid(), os.getgid(), "me", "me")
        engine = cluster._engine()
        job_id = engine.submit(submitter, _held("acct")).job_id
        (pending,) = engine.job(str(job_id))
        cache = convert.JobCache("c")
        assert cache.accounting_job(pending, 100) is cache.accounting_job(pending, 200)
        running = replace(pending, state=EngineState.RUNNING, start_time=50)
        assert cache.accounting_job(running, 100).elapsed == 50
        assert cache.accounting_job(running, 200).elapsed == 150  # moves with the clock
        done = replace(running, state=EngineState.COMPLETED, end_time=120)
        assert cache.accounting_job(done, 300) is cache.accounting_job(done, 400)
        assert cache.accounting_job(done, 400).elapsed == 70
    finally:
        cluster.close()
