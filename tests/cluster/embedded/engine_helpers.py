"""Helpers for the engine tests: job descriptions, waiting for job states, a test cluster."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from slurmrestd.cluster.embedded.engine import JobRecord, WorkloadManager
from slurmrestd.model.job_desc import JobDescription

ENV = {"PATH": "/usr/bin:/bin", "LANG": "C"}
# A host-independent cluster: one node with 8 CPUs and 4 GiB, partitions debug and small.
CONF = """\
ClusterName=testcl
NodeName=vm CPUs=8 RealMemory=4096
PartitionName=debug Nodes=vm Default=YES MaxTime=UNLIMITED
PartitionName=small Nodes=vm MaxTime=10 DefaultTime=5
"""
WAIT = 15.0  # seconds a test waits for a job state before it fails


def desc(tmp_path: Path, body: str, **fields) -> JobDescription:
    """A job description running `body` under /bin/sh in tmp_path."""
    fields.setdefault("environment", dict(ENV))
    fields.setdefault("current_working_directory", str(tmp_path))
    return JobDescription(script="#!/bin/sh\n" + body + "\n", **fields)


def wait_state(manager: WorkloadManager, job_id: int | str, *states: str) -> JobRecord:
    """Wait until the job reaches one of `states` (and is not completing); fail otherwise."""

    def reached() -> bool:
        job = manager.job(str(job_id))[0]
        return job.state in states and not job.completing

    if not manager.wait_until(reached, WAIT):
        job = manager.job(str(job_id))[0]
        pytest.fail(f"job {job_id} is {job.state}/{job.flags}/{job.reason}, not {states}")
    return manager.job(str(job_id))[0]


def wait_for(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    """Wait for something outside the engine (a file's content); fail at the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("condition not met in time")
        time.sleep(0.01)


def read(path: Path) -> str:
    """A file's text, or "" while it does not exist."""
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


def wait_all_finished(manager: WorkloadManager, job_id: int | str) -> list[JobRecord]:
    def done() -> bool:
        return all(j.state.finished and not j.completing for j in manager.job(str(job_id)))

    assert manager.wait_until(done, WAIT), [(j.job_id, j.state) for j in manager.job(str(job_id))]
    return manager.job(str(job_id))
