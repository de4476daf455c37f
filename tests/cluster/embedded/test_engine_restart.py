"""Restarts: a closed or killed manager loses nothing, and running jobs are adopted or finished."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import replace

from engine_helpers import CONF, ENV, desc, read, wait_for, wait_state

from slurmrestd.cluster.embedded.engine import JobState, Reason
from slurmrestd.cluster.embedded.engine.executor import alive


def test_close_and_reopen_keeps_every_job_and_adopts_running_ones(make_manager, user, tmp_path):
    first = make_manager("FirstJobId=100\n" + CONF)
    done = first.submit(user, desc(tmp_path, "echo done", name="done")).job_id
    first.submit(user, desc(tmp_path, "true", hold=True, comment="keep me"))
    running = first.submit(user, desc(tmp_path, "echo started; sleep 1; echo finished")).job_id
    array = first.submit(user, desc(tmp_path, "true", array="1-3", hold=True)).job_id
    assert done == 100
    wait_state(first, done, JobState.COMPLETED)
    wait_for(lambda: "started" in read(tmp_path / f"slurm-{running}.out"))
    before = {j.job_id: j for j in first.jobs()}
    first.close()

    second = make_manager("FirstJobId=100\n" + CONF)
    after = {j.job_id: j for j in second.jobs()}
    assert after.keys() == before.keys()
    for job_id, job in before.items():
        # Pending reasons are derived, and recomputed by the new manager.
        assert replace(after[job_id], reason=job.reason) == job
    assert [t.array_task_id for t in second.job(str(array))] == [1, 2, 3]
    job = wait_state(second, running, JobState.COMPLETED)
    assert job.exit_code == 0
    assert read(tmp_path / f"slurm-{running}.out") == "started\nfinished\n"
    assert second.submit(user, desc(tmp_path, "true")).job_id == array + 3


def _run_manager_then_wait(state_dir, tmp_path, body: str) -> subprocess.Popen:
    """A separate process with its own manager that submits one job and reports its pid."""
    code = textwrap.dedent(
        f"""
        import os, sys, time
        from pathlib import Path
        from slurmrestd.cluster.embedded.engine import Submitter, WorkloadManager, JobState
        from slurmrestd.model.job_desc import JobDescription
        from slurmrestd.slurmconf import parse_text
        manager = WorkloadManager(parse_text({CONF!r}), Path({str(state_dir)!r}),
                                  hostname="vm", kill_wait=0.5, minute=1.0)
        manager.start()
        user = Submitter(os.getuid(), os.getgid(), "alice", "users")
        job = JobDescription(script="#!/bin/sh\\n" + {body!r}, environment={ENV!r},
                             current_working_directory={str(tmp_path)!r})
        job_id = manager.submit(user, job).job_id
        manager.wait_until(lambda: manager.job(str(job_id))[0].state is JobState.RUNNING, 10)
        print(job_id, manager.job(str(job_id))[0].pid, flush=True)
        time.sleep(60)
        """
    )
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)


def _kill_after_start(state_dir, tmp_path, body: str) -> tuple[int, int]:
    proc = _run_manager_then_wait(state_dir, tmp_path, body)
    try:
        job_id, pid = (int(x) for x in proc.stdout.readline().split())
    finally:
        proc.send_signal(signal.SIGKILL)  # no close(), no clean-up of any kind
        proc.wait()
        proc.stdout.close()
    return job_id, pid


def test_killed_manager_job_still_running_is_adopted(make_manager, tmp_path):
    state_dir = tmp_path / "state"
    job_id, pid = _kill_after_start(state_dir, tmp_path, "echo start\nsleep 1\nexit 3\n")
    assert alive(pid, None)
    manager = make_manager()
    job = manager.job(str(job_id))[0]
    assert job.state is JobState.RUNNING and job.pid == pid
    job = wait_state(manager, job_id, JobState.FAILED)
    assert job.exit_code == 3 << 8 and job.reason is Reason.NON_ZERO_EXIT
    assert read(tmp_path / f"slurm-{job_id}.out") == "start\n"


def test_job_that_ended_while_the_manager_was_down_gets_its_status(make_manager, tmp_path):
    state_dir = tmp_path / "state"
    job_id, pid = _kill_after_start(state_dir, tmp_path, "sleep 0.2\nexit 4\n")
    wait_for(lambda: not alive(pid, None))
    manager = make_manager()
    job = wait_state(manager, job_id, JobState.FAILED)
    assert job.exit_code == 4 << 8 and job.reason is Reason.NON_ZERO_EXIT
    assert not (state_dir / "jobs" / str(job_id)).exists()  # cleaned up once recorded


def test_job_whose_end_is_unknowable_fails_with_system_failure(make_manager, tmp_path):
    state_dir = tmp_path / "state"
    job_id, pid = _kill_after_start(state_dir, tmp_path, "exit 0\n")
    wait_for(lambda: not alive(pid, None))
    (state_dir / "jobs" / str(job_id) / "status").unlink()
    manager = make_manager()
    job = wait_state(manager, job_id, JobState.FAILED)
    assert job.reason is Reason.SYSTEM_FAILURE and job.exit_code is None


def test_a_reused_pid_is_not_mistaken_for_the_job(tmp_path):
    # The token ties the pid to the process's start time: this process is alive,
    # but it is not the one a stale token describes.
    assert alive(os.getpid(), None)
    assert not alive(os.getpid(), "some-other-boot:12345")
