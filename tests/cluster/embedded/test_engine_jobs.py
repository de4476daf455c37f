"""The manager running real jobs: output, directives, arrays, dependencies, limits, signals."""

from __future__ import annotations

import math
import os
import signal

import pytest
from engine_helpers import CONF, desc, read, wait_for, wait_state

from slurmrestd.cluster.embedded.engine import JobFlag, JobState, Reason
from slurmrestd.cluster.embedded.engine import manager as manager_module
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.slurmconf import parse_text


def test_job_runs_with_slurm_environment(make_manager, user, tmp_path):
    manager = make_manager()
    body = 'echo "id=$SLURM_JOB_ID name=$SLURM_JOB_NAME part=$SLURM_JOB_PARTITION"\n'
    body += 'echo "nodes=$SLURM_JOB_NODELIST n=$SLURM_NNODES cpus=$SLURM_CPUS_ON_NODE"\n'
    body += 'echo "user=$SLURM_JOB_USER uid=$SLURM_JOB_UID cluster=$SLURM_CLUSTER_NAME"\n'
    body += 'echo "dir=$SLURM_SUBMIT_DIR pwd=$(pwd) mine=$MINE account=$SLURM_JOB_ACCOUNT"'
    env = {"PATH": "/usr/bin:/bin", "MINE": "kept"}
    result = manager.submit(
        user, desc(tmp_path, body, name="hello", cpus_per_task=2, account="acct", environment=env)
    )
    job = wait_state(manager, result.job_id, JobState.COMPLETED)
    assert job.exit_code == 0 and job.reason is Reason.NONE
    assert job.stdout_path == str(tmp_path / f"slurm-{result.job_id}.out")
    lines = (tmp_path / f"slurm-{result.job_id}.out").read_text().splitlines()
    assert lines == [
        f"id={result.job_id} name=hello part=debug",
        "nodes=vm n=1 cpus=2",
        f"user=alice uid={user.uid} cluster=testcl",
        f"dir={tmp_path} pwd={tmp_path} mine=kept account=acct",
    ]
    assert job.start_time is not None and job.end_time >= job.start_time
    assert job.nodes == ("vm",) and job.pid is not None


def test_sbatch_directives_are_honoured_and_api_fields_win(make_manager, user, tmp_path):
    manager = make_manager()
    body = "#SBATCH --job-name=from-script\n#SBATCH -o script-%x-%j.out\n#SBATCH --time=7\n"
    body += "#SBATCH -p small\necho ran"
    result = manager.submit(user, desc(tmp_path, body, name="from-api"))
    job = wait_state(manager, result.job_id, JobState.COMPLETED)
    assert job.name == "from-api"  # the API field wins
    assert job.partition == "small" and job.time_limit == 7  # the script fills the rest
    assert (tmp_path / f"script-from-api-{result.job_id}.out").read_text() == "ran\n"


def test_array_throttle_is_never_exceeded_and_all_tasks_complete(make_manager, user, tmp_path):
    manager = make_manager()
    body = 'echo "$SLURM_ARRAY_JOB_ID $SLURM_ARRAY_TASK_ID $SLURM_ARRAY_TASK_COUNT"; sleep 0.2'
    result = manager.submit(user, desc(tmp_path, body, array="0-19%4"))
    most = 0

    def sample() -> bool:
        nonlocal most
        tasks = manager.job(str(result.job_id))
        most = max(most, sum(1 for t in tasks if t.state is JobState.RUNNING))
        return all(t.state.finished and not t.completing for t in tasks)

    assert manager.wait_until(sample, 30)
    tasks = manager.job(str(result.job_id))
    assert len(tasks) == 20 and 2 <= most <= 4
    assert {t.state for t in tasks} == {JobState.COMPLETED}
    assert [t.array_task_id for t in tasks] == list(range(20))
    assert all(t.array_max_tasks == 4 and t.array_spec == "0-19" for t in tasks)
    out = (tmp_path / f"slurm-{result.job_id}_7.out").read_text()
    assert out == f"{result.job_id} 7 20\n"
    one = manager.job(f"{result.job_id}_7")
    assert len(one) == 1 and one[0].array_task_id == 7


def test_dependencies_afterok_afternotok_never(make_manager, user, tmp_path):
    manager = make_manager()
    ok = manager.submit(user, desc(tmp_path, "sleep 1")).job_id
    bad = manager.submit(user, desc(tmp_path, "exit 3")).job_id
    after_ok = manager.submit(user, desc(tmp_path, "true", dependency=f"afterok:{ok}")).job_id
    after_bad = manager.submit(user, desc(tmp_path, "true", dependency=f"afternotok:{bad}")).job_id
    never = manager.submit(user, desc(tmp_path, "true", dependency=f"afterok:{bad}")).job_id
    either = manager.submit(
        user, desc(tmp_path, "true", dependency=f"afterok:{bad}?afterok:{ok}")
    ).job_id
    assert manager.wait_until(lambda: manager.job(str(after_ok))[0].reason is Reason.DEPENDENCY, 5)
    first = wait_state(manager, ok, JobState.COMPLETED)
    second = wait_state(manager, after_ok, JobState.COMPLETED)
    assert second.start_time >= first.end_time
    assert wait_state(manager, bad, JobState.FAILED).exit_code == 3 << 8
    wait_state(manager, after_bad, JobState.COMPLETED)
    wait_state(manager, either, JobState.COMPLETED)
    assert manager.wait_until(
        lambda: manager.job(str(never))[0].reason is Reason.DEPENDENCY_NEVER, 5
    )
    assert manager.job(str(never))[0].state is JobState.PENDING


def test_singleton_jobs_of_one_name_never_overlap(make_manager, user, tmp_path):
    manager = make_manager()
    log = tmp_path / "log"
    body = f'echo "start $SLURM_JOB_ID" >> {log}; sleep 0.3; echo "end $SLURM_JOB_ID" >> {log}'
    ids = [
        manager.submit(user, desc(tmp_path, body, name="solo", dependency="singleton")).job_id
        for _ in range(3)
    ]
    for job_id in ids:
        wait_state(manager, job_id, JobState.COMPLETED)
    expected = [line for j in ids for line in (f"start {j}", f"end {j}")]
    assert log.read_text().splitlines() == expected


def test_time_limit_ends_in_timeout_and_kill_wait_escalates(make_manager, user, tmp_path):
    manager = make_manager(minute=0.5, kill_wait=0.5)
    polite = manager.submit(user, desc(tmp_path, "sleep 30", time_limit=1)).job_id
    stubborn = manager.submit(
        user, desc(tmp_path, "trap 'echo got TERM' TERM\nwhile :; do sleep 0.1; done", time_limit=1)
    ).job_id
    job = wait_state(manager, polite, JobState.TIMEOUT)
    assert job.reason is Reason.TIME_LIMIT and job.term_signal == signal.SIGTERM
    job = wait_state(manager, stubborn, JobState.TIMEOUT)
    assert job.term_signal == signal.SIGKILL
    assert "got TERM" in (tmp_path / f"slurm-{stubborn}.out").read_text()


def test_cancel_pending_running_and_finished(make_manager, user, tmp_path):
    manager = make_manager()
    held = manager.submit(user, desc(tmp_path, "true", hold=True)).job_id
    running = manager.submit(user, desc(tmp_path, "echo up; sleep 30")).job_id
    manager.cancel(user, str(held))
    job = manager.job(str(held))[0]
    assert job.state is JobState.CANCELLED and job.end_time is not None and job.pid is None
    wait_for(lambda: "up" in read(tmp_path / f"slurm-{running}.out"))
    wait_state(manager, running, JobState.RUNNING)
    manager.cancel(user, str(running))
    assert manager.job(str(running))[0].state is JobState.CANCELLED
    job = wait_state(manager, running, JobState.CANCELLED)
    assert job.term_signal == signal.SIGTERM and job.flags is JobFlag.NONE
    with pytest.raises(SlurmError) as err:
        manager.cancel(user, str(running))
    assert err.value.errno == Errno.ALREADY_DONE


def test_a_signal_sent_while_the_job_starts_is_not_lost(make_manager, user, tmp_path):
    # Cancelled at once: the SIGTERM may reach the wrapper before the script exists;
    # it must still end the script (not wait for SIGKILL after KillWait).
    manager = make_manager(kill_wait=5)
    job_id = manager.submit(user, desc(tmp_path, "sleep 30")).job_id
    wait_state(manager, job_id, JobState.RUNNING)
    manager.cancel(user, str(job_id))
    job = wait_state(manager, job_id, JobState.CANCELLED)
    assert job.term_signal == signal.SIGTERM


def test_signal_reaches_the_script(make_manager, user, tmp_path):
    manager = make_manager()
    body = "trap 'echo got USR1; exit 0' USR1\necho ready\nwhile :; do sleep 0.1; done"
    job_id = manager.submit(user, desc(tmp_path, body)).job_id
    out = tmp_path / f"slurm-{job_id}.out"
    wait_for(lambda: "ready" in read(out))
    manager.signal(user, str(job_id), signal.SIGUSR1, batch_only=True)
    wait_state(manager, job_id, JobState.COMPLETED)
    assert out.read_text() == "ready\ngot USR1\n"  # only the script got it, not its `sleep`
    with pytest.raises(SlurmError) as err:
        manager.signal(user, str(job_id), signal.SIGUSR1)
    assert err.value.errno == Errno.ALREADY_DONE


def test_signal_goes_to_the_whole_job(make_manager, user, tmp_path):
    manager = make_manager()
    body = "trap 'echo script got USR2' USR2\n(trap 'echo child got USR2; exit' USR2; "
    body += "echo ready; while :; do sleep 0.05; done) &\nwait $!\nwait $!\nexit 0"
    job_id = manager.submit(user, desc(tmp_path, body)).job_id
    out = tmp_path / f"slurm-{job_id}.out"
    wait_for(lambda: "ready" in read(out))
    manager.signal(user, str(job_id), signal.SIGUSR2)
    wait_state(manager, job_id, JobState.COMPLETED)
    assert {"script got USR2", "child got USR2"} <= set(out.read_text().splitlines())


def test_signal_to_a_pending_job_is_refused(make_manager, user, tmp_path):
    manager = make_manager()
    job_id = manager.submit(user, desc(tmp_path, "true", hold=True)).job_id
    with pytest.raises(SlurmError) as err:
        manager.signal(user, str(job_id), signal.SIGUSR1)
    assert err.value.errno == Errno.TRANSITION_STATE_NO_UPDATE


def test_hold_and_release(make_manager, user, operator, tmp_path):
    manager = make_manager()
    result = manager.submit(user, desc(tmp_path, "true", hold=True))
    assert result.notices == ((Errno.JOB_HELD, "Job is in held state, pending scheduler release"),)
    job = manager.job(str(result.job_id))[0]
    assert job.priority == 0
    assert manager.wait_until(lambda: manager.job(str(result.job_id))[0].reason == "JobHeldUser", 5)
    manager.release(user, str(result.job_id))
    wait_state(manager, result.job_id, JobState.COMPLETED)

    other = manager.submit(user, desc(tmp_path, "true", begin_time=2**40)).job_id
    manager.hold(operator, str(other), admin=True)
    assert manager.wait_until(lambda: manager.job(str(other))[0].reason is Reason.HELD_ADMIN, 5)
    with pytest.raises(SlurmError) as err:
        manager.release(user, str(other))
    assert err.value.errno == Errno.ACCESS_DENIED
    manager.release(operator, str(other))
    assert manager.job(str(other))[0].held is None


def test_passes_skip_held_jobs_once_their_reason_shows_the_hold(
    make_manager, user, tmp_path, monkeypatch
):
    looked_at: list[int] = []
    real = manager_module.blocked_reason

    def counting(job, *args):
        looked_at.append(job.job_id)
        return real(job, *args)

    monkeypatch.setattr(manager_module, "blocked_reason", counting)
    manager = make_manager()
    held = [manager.submit(user, desc(tmp_path, "true", hold=True)).job_id for _ in range(20)]
    assert manager.wait_until(
        lambda: all(manager.job(str(i))[0].reason is Reason.HELD_USER for i in held), 5
    )
    looked_at.clear()
    later = manager.submit(user, desc(tmp_path, "true", begin_time=2**40)).job_id
    assert manager.wait_until(lambda: manager.job(str(later))[0].reason is Reason.BEGIN_TIME, 5)
    assert later in looked_at and not set(held) & set(looked_at)
    # A release makes the job one the passes look at again.
    manager.release(user, str(held[0]))
    wait_state(manager, held[0], JobState.COMPLETED)


def test_a_held_job_whose_partition_goes_shows_it(make_manager, user, tmp_path):
    manager = make_manager()
    queued = manager.submit(user, desc(tmp_path, "true", partition="small", hold=True)).job_id
    assert manager.wait_until(lambda: manager.job(str(queued))[0].reason is Reason.HELD_USER, 5)
    manager.reload(parse_text("\n".join(line for line in CONF.splitlines() if "small" not in line)))
    assert manager.wait_until(
        lambda: manager.job(str(queued))[0].reason is Reason.PARTITION_INACTIVE, 5
    )


@pytest.mark.parametrize("depth", [2, 3])
def test_a_pass_tries_only_bf_max_job_test_jobs(make_manager, user, tmp_path, depth):
    # One 8-CPU node: 6 CPUs held by a job without a limit; two 8-CPU jobs wait
    # (Resources, then Priority); a 1-CPU job after them could backfill, but only
    # if the pass reaches it.
    manager = make_manager(CONF + f"SchedulerParameters=bf_max_job_test={depth}\n")
    gate = tmp_path / "gate"
    body = f"while [ ! -e {gate} ]; do sleep 0.05; done"
    holder = manager.submit(user, desc(tmp_path, body, minimum_cpus=6)).job_id
    wait_state(manager, holder, JobState.RUNNING)
    big = [manager.submit(user, desc(tmp_path, "true", minimum_cpus=8)).job_id for _ in range(2)]
    small = manager.submit(user, desc(tmp_path, "true")).job_id
    if depth == 3:
        wait_state(manager, small, JobState.COMPLETED)
    else:
        assert manager.wait_until(lambda: manager.job(str(small))[0].reason is Reason.PRIORITY, 5)
        assert manager.job(str(small))[0].state is JobState.PENDING
    assert [manager.job(str(i))[0].reason for i in big] == [Reason.RESOURCES, Reason.PRIORITY]
    gate.touch()
    for job_id in (*big, small):
        wait_state(manager, job_id, JobState.COMPLETED)


def test_begin_time_delays_the_start(make_manager, user, tmp_path):
    manager = make_manager()
    import time

    begin = int(time.time()) + 2
    job_id = manager.submit(user, desc(tmp_path, "true", begin_time=begin)).job_id
    assert manager.wait_until(lambda: manager.job(str(job_id))[0].reason is Reason.BEGIN_TIME, 5)
    job = wait_state(manager, job_id, JobState.COMPLETED)
    assert job.start_time >= begin


def test_update_fields_and_limits(make_manager, user, operator, tmp_path):
    manager = make_manager()
    job_id = str(manager.submit(user, desc(tmp_path, "sleep 30", time_limit=20)).job_id)
    wait_state(manager, job_id, JobState.RUNNING)
    from slurmrestd.model.job_desc import JobDescription

    manager.update(user, job_id, JobDescription(name="renamed", comment="c", time_limit=10))
    job = manager.job(job_id)[0]
    assert (job.name, job.comment, job.time_limit) == ("renamed", "c", 10)
    assert job.end_time == job.start_time + 10  # expected end follows (minute=1 s here)
    with pytest.raises(SlurmError) as err:
        manager.update(user, job_id, JobDescription(time_limit=30))
    assert err.value.errno == Errno.ACCESS_DENIED  # only operators extend limits
    manager.update(operator, job_id, JobDescription(time_limit=math.inf))
    assert manager.job(job_id)[0].time_limit == math.inf
    with pytest.raises(SlurmError) as err:
        manager.update(user, job_id, JobDescription(partition="small"))
    assert err.value.errno == Errno.JOB_NOT_PENDING
    manager.cancel(user, job_id)


def test_priority_order_under_contention(make_manager, user, operator, tmp_path):
    manager = make_manager(
        "NodeName=vm CPUs=1 RealMemory=1000\nPartitionName=debug Nodes=vm Default=YES"
    )
    log = tmp_path / "order"
    gate = tmp_path / "gate"
    blocker = manager.submit(
        user, desc(tmp_path, f"while [ ! -e {gate} ]; do sleep 0.05; done")
    ).job_id
    wait_state(manager, blocker, JobState.RUNNING)
    ids = {}
    for name, priority in (("low", 100), ("high", 300), ("mid", 200)):
        ids[name] = manager.submit(
            operator, desc(tmp_path, f"echo {name} >> {log}", name=name, priority=priority)
        ).job_id
    plain = manager.submit(user, desc(tmp_path, f"echo plain >> {log}", name="plain")).job_id
    # priority/basic counts down from near 2**32: the plain job outranks the explicit ones.
    assert manager.wait_until(
        lambda: (
            manager.job(str(plain))[0].reason is Reason.RESOURCES
            and all(manager.job(str(i))[0].reason is Reason.PRIORITY for i in ids.values())
        ),
        5,
    )
    gate.touch()
    for job_id in (*ids.values(), plain):
        wait_state(manager, job_id, JobState.COMPLETED)
    assert log.read_text().split() == ["plain", "high", "mid", "low"]


def test_permissions(make_manager, user, other_user, operator, tmp_path):
    manager = make_manager()
    job_id = str(manager.submit(user, desc(tmp_path, "true", hold=True)).job_id)
    from slurmrestd.model.job_desc import JobDescription

    for action, errno in (
        (lambda: manager.cancel(other_user, job_id), Errno.ACCESS_DENIED),
        (lambda: manager.hold(other_user, job_id), Errno.ACCESS_DENIED),
        (lambda: manager.release(other_user, job_id), Errno.ACCESS_DENIED),
        (lambda: manager.signal(other_user, job_id, signal.SIGUSR1), Errno.ACCESS_DENIED),
        (lambda: manager.requeue(other_user, job_id), Errno.ACCESS_DENIED),
        (
            lambda: manager.update(other_user, job_id, JobDescription(name="x")),
            Errno.USER_ID_MISSING,
        ),
        (lambda: manager.cancel(user, "999999"), Errno.INVALID_JOB_ID),
        (lambda: manager.job("abc"), Errno.INVALID_JOB_ID),
    ):
        with pytest.raises(SlurmError) as err:
            action()
        assert err.value.errno == errno
    manager.update(operator, job_id, JobDescription(name="by-operator"))
    assert manager.job(job_id)[0].name == "by-operator"
    manager.cancel(operator, job_id)
    assert manager.job(job_id)[0].state is JobState.CANCELLED


def test_requeue_runs_the_job_again(make_manager, user, tmp_path):
    manager = make_manager()
    body = 'echo "run $SLURM_RESTART_COUNT"\nsleep 30'
    job_id = manager.submit(user, desc(tmp_path, body, open_mode="append")).job_id
    out = tmp_path / f"slurm-{job_id}.out"
    wait_for(lambda: read(out) == "run 0\n")
    manager.requeue(user, str(job_id))
    wait_for(lambda: read(out) == "run 0\nrun 1\n")
    job = manager.job(str(job_id))[0]
    assert job.state is JobState.RUNNING and job.restart_count == 1
    manager.cancel(user, str(job_id))
    wait_state(manager, job_id, JobState.CANCELLED)


def test_requeue_refusals_and_requeue_of_a_finished_job(make_manager, user, tmp_path):
    manager = make_manager()
    pending = manager.submit(user, desc(tmp_path, "true", hold=True)).job_id
    once = manager.submit(user, desc(tmp_path, "true", requeue=False)).job_id
    again = manager.submit(user, desc(tmp_path, 'echo "run $SLURM_RESTART_COUNT" >> runs')).job_id
    wait_state(manager, once, JobState.COMPLETED)
    wait_state(manager, again, JobState.COMPLETED)
    for job_id, errno in ((pending, Errno.JOB_PENDING), (once, Errno.DISABLED)):
        with pytest.raises(SlurmError) as err:
            manager.requeue(user, str(job_id))
        assert err.value.errno == errno
    with pytest.raises(SlurmError) as err:
        manager.hold(user, str(once))
    assert err.value.errno == Errno.JOB_NOT_PENDING
    manager.requeue(user, str(again))
    job = wait_state(manager, again, JobState.COMPLETED)
    assert job.restart_count == 1 and read(tmp_path / "runs") == "run 0\nrun 1\n"


def test_licenses_are_counted(make_manager, user, tmp_path):
    conf = (
        "Licenses=lic:1\nNodeName=vm CPUs=4 RealMemory=1000\nPartitionName=d Nodes=vm Default=YES"
    )
    manager = make_manager(conf)
    gate = tmp_path / "gate"
    first = manager.submit(
        user, desc(tmp_path, f"while [ ! -e {gate} ]; do sleep 0.05; done", licenses="lic")
    ).job_id
    second = manager.submit(user, desc(tmp_path, "true", licenses="lic:1")).job_id
    wait_state(manager, first, JobState.RUNNING)
    assert manager.wait_until(lambda: manager.job(str(second))[0].reason is Reason.LICENSES, 5)
    assert [(u.name, u.total, u.used) for u in manager.licenses()] == [("lic", 1, 1)]
    gate.touch()
    wait_state(manager, second, JobState.COMPLETED)


def test_memory_request_sets_rlimit_as(make_manager, user, tmp_path):
    manager = make_manager()
    job_id = manager.submit(user, desc(tmp_path, "ulimit -v", memory_per_node=300)).job_id
    wait_state(manager, job_id, JobState.COMPLETED)
    assert (tmp_path / f"slurm-{job_id}.out").read_text() == f"{300 * 1024}\n"


def test_unexplained_sigkill_with_memory_request_is_out_of_memory(make_manager, user, tmp_path):
    manager = make_manager()
    oom = manager.submit(user, desc(tmp_path, "kill -9 $$", memory_per_node=300)).job_id
    plain = manager.submit(user, desc(tmp_path, "kill -9 $$")).job_id
    job = wait_state(manager, oom, JobState.OUT_OF_MEMORY)
    assert job.reason is Reason.OUT_OF_MEMORY and job.term_signal == signal.SIGKILL
    job = wait_state(manager, plain, JobState.FAILED)
    assert job.reason is Reason.RAISED_SIGNAL


def test_launch_failures(make_manager, user, tmp_path):
    manager = make_manager()
    no_dir = manager.submit(
        user, desc(tmp_path, "true", standard_output=str(tmp_path / "missing" / "out"))
    ).job_id
    job = wait_state(manager, no_dir, JobState.FAILED)
    assert job.reason is Reason.LAUNCH_FAILURE
    from slurmrestd.model.job_desc import JobDescription

    bad_interpreter = manager.submit(
        user,
        JobDescription(
            script="#!/no/such/shell\ntrue\n",
            environment={},
            current_working_directory=str(tmp_path),
        ),
    ).job_id
    job = wait_state(manager, bad_interpreter, JobState.FAILED)
    assert job.reason is Reason.LAUNCH_FAILURE
    assert "execve()" in (tmp_path / f"slurm-{bad_interpreter}.out").read_text()


def test_node_usage_view(make_manager, user, tmp_path):
    manager = make_manager()
    gate = tmp_path / "gate"
    job_id = manager.submit(
        user,
        desc(
            tmp_path,
            f"while [ ! -e {gate} ]; do sleep 0.05; done",
            cpus_per_task=3,
            memory_per_node=100,
        ),
    ).job_id
    wait_state(manager, job_id, JobState.RUNNING)
    (node,) = manager.nodes()
    assert (node.alloc_cpus, node.alloc_memory, node.jobs, node.state) == (
        3,
        100,
        (job_id,),
        "MIXED",
    )
    assert node.partitions == ("debug", "small")
    gate.touch()
    wait_state(manager, job_id, JobState.COMPLETED)
    assert manager.nodes()[0].state == "IDLE"
    assert os.path.exists(tmp_path / f"slurm-{job_id}.out")


def test_reload_takes_new_partitions_and_node_states(make_manager, user, tmp_path):
    manager = make_manager()
    queued = manager.submit(user, desc(tmp_path, "true", partition="small", hold=True)).job_id
    gate = tmp_path / "gate"
    running = manager.submit(user, desc(tmp_path, f"while [ ! -e {gate} ]; do sleep 0.05; done"))
    wait_state(manager, running.job_id, JobState.RUNNING)
    without_small = "\n".join(line for line in CONF.splitlines() if "small" not in line)
    manager.reload(
        parse_text(without_small.replace("RealMemory=4096", "RealMemory=4096 State=DOWN"))
    )
    manager.release(user, str(queued))
    assert manager.wait_until(
        lambda: manager.job(str(queued))[0].reason is Reason.PARTITION_INACTIVE, 5
    )
    blocked = manager.submit(user, desc(tmp_path, "true")).job_id
    assert manager.wait_until(lambda: manager.job(str(blocked))[0].reason is Reason.RESOURCES, 5)
    gate.touch()  # the job on the node that went down still finishes normally
    wait_state(manager, running.job_id, JobState.COMPLETED)
    manager.reload(parse_text(CONF))
    wait_state(manager, queued, JobState.COMPLETED)
    wait_state(manager, blocked, JobState.COMPLETED)
