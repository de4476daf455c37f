"""Admission and updates: #SBATCH directives, configuration, and every refusal with its errno."""

from __future__ import annotations

import math
import os

import pytest
from engine_helpers import CONF, ENV

from slurmrestd.cluster.embedded.engine import HoldKind, JobState, Submitter
from slurmrestd.cluster.embedded.engine.admission import admit, instantiate
from slurmrestd.cluster.embedded.engine.config import ConfigError, PartitionState, load_config
from slurmrestd.cluster.embedded.engine.sbatch import (
    DirectiveError,
    merge,
    parse_script_options,
)
from slurmrestd.cluster.embedded.engine.updates import hold, release, update
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.job_desc import JobDescription
from slurmrestd.slurmconf import parse_text

USER = Submitter(1000, 100, "alice", "users")
OPERATOR = Submitter(0, 0, "root", "root", is_operator=True)
NOW = 1_900_000_000.0
CONFIG = load_config(
    parse_text(
        CONF + "Licenses=fluent:4\nPartitionName=down Nodes=vm State=DOWN\n"
        "PartitionName=off Nodes=vm State=INACTIVE\n"
    )
)


def job_desc(body: str = "true", **fields) -> JobDescription:
    fields.setdefault("environment", dict(ENV))
    return JobDescription(script="#!/bin/sh\n" + body + "\n", **fields)


def admitted(desc: JobDescription, user: Submitter = USER, exists=lambda ref: ref.job_id == 5):
    return admit(user, desc, CONFIG, NOW, exists, "submithost")


# ------------------------------------------------------------------ sbatch --


def test_directives_are_read_until_the_first_command():
    script = """#!/bin/bash
# a comment
#SBATCH --job-name=sim -N 1-2
#SBATCH -t 1:00:00 --mem=2G  # trailing comment
#SBATCH --hold --nice --exclusive
#SBATCH -o out-%j.txt --begin=now+60 --signal=B:USR1@30 --gres=gpu:1
#SBATCHX --ignored-because-not-a-directive
#SBATCH --export=ALL
echo start
#SBATCH --partition=after-command-is-ignored
"""
    found = parse_script_options(script, NOW)
    assert found == JobDescription(
        name="sim",
        minimum_nodes=1,
        maximum_nodes=2,
        time_limit=60,
        memory_per_node=2048,
        hold=True,
        nice=100,
        exclusive=True,
        standard_output="out-%j.txt",
        begin_time=int(NOW) + 60,
        signal="B:USR1@30",
        tres_per_node="gres/gpu:1",
    )


@pytest.mark.parametrize(
    "line",
    [
        "--no-such-option",
        "-Z",
        "--time=soon",
        "--mem=lots",
        "--hold=yes",
        "--ntasks",
        "--open-mode=sometimes",
        '--comment="unclosed',
    ],
)
def test_bad_directives(line):
    with pytest.raises(DirectiveError):
        parse_script_options(f"#!/bin/sh\n#SBATCH {line}\ntrue\n", NOW)


def test_api_fields_win_over_directives():
    api = JobDescription(name="api", tasks=None, extra={"k": 1})
    script = JobDescription(name="script", tasks=4, extra={"k": 0, "other": 2})
    merged = merge(api, script)
    assert (merged.name, merged.tasks, merged.extra) == ("api", 4, {"k": 1, "other": 2})


# ------------------------------------------------------------------ config --


def test_default_config_is_this_host():
    config = load_config(None, hostname="box.example.org")
    (node,) = config.nodes
    assert node.name == "box" and node.cpus == os.cpu_count() and node.real_memory > 1
    assert config.default_partition.name == "debug" and config.default_partition.nodes == ("box",)
    assert (config.kill_wait, config.first_job_id, config.cluster_name) == (30, 1, "localhost")


def test_config_from_slurm_conf():
    conf = parse_text(
        "ClusterName=c\nKillWait=5\nFirstJobId=1000\nMaxArraySize=10\nLicenses=a:2,b\n"
        "NodeName=n[1-2] Sockets=2 CoresPerSocket=2 ThreadsPerCore=2 RealMemory=500\n"
        "NodeName=n3 CPUs=4 State=DRAIN\nDownNodes=n2\n"
        "PartitionName=p Nodes=ALL Default=YES MaxTime=2-00:00:00 DefaultTime=30 MaxNodes=2\n"
        "PartitionName=q Nodes=n[1,3] State=DOWN PriorityTier=5\n"
    )
    config = load_config(conf)
    assert [(n.name, n.cpus, n.real_memory, n.usable) for n in config.nodes] == [
        ("n1", 8, 500, True),
        ("n2", 8, 500, False),
        ("n3", 4, 1, False),
    ]
    p, q = config.partitions
    assert (p.nodes, p.max_time, p.default_time, p.max_nodes) == (("n1", "n2", "n3"), 2880, 30, 2)
    assert (q.nodes, q.state, q.priority_tier, q.default) == (
        ("n1", "n3"),
        PartitionState.DOWN,
        5,
        False,
    )
    assert config.licenses == (("a", 2), ("b", 1))
    assert (config.kill_wait, config.first_job_id, config.max_array_size) == (5, 1000, 10)
    assert config.queue_depth == 500  # bf_max_job_test's default


@pytest.mark.parametrize(
    ("parameters", "depth"),
    [("bf_max_job_test=20", 20), ("defer,BF_MAX_JOB_TEST=7 ", 7), ("bf_max_job_test=0", 1)],
)
def test_queue_depth_is_bf_max_job_test(parameters, depth):
    assert load_config(parse_text(f"SchedulerParameters={parameters}\n")).queue_depth == depth


@pytest.mark.parametrize(
    "text",
    [
        "NodeName=n1 CPUs=x",
        "NodeName=n1\nPartitionName=p Nodes=n9",
        "Licenses=a:0",
        "NodeName=n1\nPartitionName=p Nodes=n1 State=SLEEPY",
        "KillWait=soon",
        "SchedulerParameters=bf_max_job_test=many",
    ],
)
def test_bad_config(text):
    with pytest.raises(ConfigError):
        load_config(parse_text(text))


# --------------------------------------------------------------- admission --


def test_admission_fills_defaults_from_the_partition():
    result = admitted(job_desc(partition="small", current_working_directory="/w"))
    job = result.template
    assert (job.partition, job.time_limit, job.cwd, job.cpus, job.tasks) == ("small", 5, "/w", 1, 1)
    assert (job.user_id, job.user_name, job.submit_host, job.requeue) == (
        1000,
        "alice",
        "submithost",
        True,
    )
    assert admitted(job_desc()).template.time_limit == math.inf  # debug: MaxTime=UNLIMITED


def test_instantiated_array_tasks_share_a_priority_and_take_consecutive_ids():
    result = admitted(job_desc(array="3,5,7%2", standard_output="o-%A-%a"))
    tasks = instantiate(result, 10, 999, "vm")
    assert [(t.job_id, t.array_job_id, t.array_task_id) for t in tasks] == [
        (10, 10, 3),
        (11, 10, 5),
        (12, 10, 7),
    ]
    assert {t.base_priority for t in tasks} == {999} and tasks[0].array_max_tasks == 2
    assert tasks[2].stdout_path == "/tmp/o-10-7" and tasks[2].stderr_path == "/tmp/o-10-7"


def test_hold_and_operator_fields():
    assert admitted(job_desc(hold=True)).template.held is HoldKind.USER
    op = admitted(job_desc(priority=0), OPERATOR).template
    assert op.held is HoldKind.ADMIN
    assert admitted(job_desc(priority=math.inf), OPERATOR).template.base_priority == 0xFFFFFFFD
    assert admitted(job_desc(user_id=1234, group_id=0), OPERATOR).template.user_id == 1234


@pytest.mark.parametrize(
    ("desc", "errno"),
    [
        (JobDescription(environment={}), Errno.JOB_SCRIPT_MISSING),
        (JobDescription(script="echo no shebang", environment={}), Errno.JOB_SCRIPT_MISSING),
        (job_desc(environment=None), Errno.ENVIRONMENT_MISSING),
        (job_desc(partition="nosuch"), Errno.INVALID_PARTITION_NAME),
        (job_desc(partition="off"), Errno.PARTITION_NOT_AVAIL),
        (job_desc(cpus_per_task=9), Errno.REQUESTED_NODE_CONFIG_UNAVAILABLE),
        (job_desc(tasks=3, cpus_per_task=3), Errno.REQUESTED_NODE_CONFIG_UNAVAILABLE),
        (job_desc(memory_per_node=5000), Errno.REQUESTED_NODE_CONFIG_UNAVAILABLE),
        (job_desc(memory_per_cpu=600, cpus_per_task=8), Errno.REQUESTED_NODE_CONFIG_UNAVAILABLE),
        (job_desc(minimum_nodes=2), Errno.INVALID_NODE_COUNT),
        (job_desc(required_nodes="ghost"), Errno.INVALID_NODE_NAME),
        (job_desc(licenses="fluent:5"), Errno.INVALID_LICENSES),
        (job_desc(licenses="matlab"), Errno.INVALID_LICENSES),
        (job_desc(array="0-5000"), Errno.INVALID_ARRAY),
        (job_desc(dependency="afterok:6"), Errno.DEPENDENCY),
        (job_desc(dependency="whenever:5"), Errno.DEPENDENCY),
        (job_desc(priority=10), Errno.ACCESS_DENIED),
        (job_desc(nice=-5), Errno.ACCESS_DENIED),
        (job_desc(nice=2**31), Errno.INVALID_NICE),
        (job_desc(user_id=0), Errno.USER_ID_MISSING),
        (job_desc(time_limit=-3), Errno.INVALID_TIME_LIMIT),
        (job_desc(tasks=0), Errno.BAD_TASK_COUNT),
        # An invalid description is Slurm's 9002 (a 400), never errno 22 (a 500).
        (job_desc("#SBATCH --bogus"), Errno.REST_INVALID_JOBS_DESC),
        (job_desc(signal="B:NOPE@5"), Errno.REST_INVALID_JOBS_DESC),
        (job_desc(signal="99999999999999999999@5"), Errno.REST_INVALID_JOBS_DESC),
        (job_desc(signal="\u00b9@5"), Errno.REST_INVALID_JOBS_DESC),  # "¹": isdigit() only
        (job_desc(signal="USR1@99999999999999999999"), Errno.REST_INVALID_JOBS_DESC),
        (job_desc(open_mode="sideways"), Errno.REST_INVALID_JOBS_DESC),
        (job_desc(memory_per_node=1, memory_per_cpu=1), Errno.REST_INVALID_JOBS_DESC),
        (job_desc(environment={"N": 1}), Errno.REST_INVALID_JOBS_DESC),
        (job_desc(environment={"A": "x\0y"}), Errno.REST_INVALID_JOBS_DESC),
    ],
)
def test_refusals(desc, errno):
    with pytest.raises(SlurmError) as err:
        admitted(desc)
    assert err.value.errno == errno and err.value.source == "job_submit"


def test_accepted_edge_cases():
    assert admitted(job_desc(dependency="afterok:5")).template.dependency == "afterok:5"
    assert admitted(job_desc(time_limit=0)).template.time_limit == math.inf  # 0: no limit
    assert admitted(job_desc(licenses="fluent:4")).template.licenses == (("fluent", 4),)
    # A time limit above MaxTime pends (PartitionTimeLimit) unless EnforcePartLimits is set.
    assert admitted(job_desc(partition="small", time_limit=60)).template.time_limit == 60
    strict = load_config(parse_text(CONF + "EnforcePartLimits=ALL\n"))
    with pytest.raises(SlurmError) as err:
        admit(USER, job_desc(partition="small", time_limit=60), strict, NOW, bool, "h")
    assert err.value.errno == Errno.INVALID_TIME_LIMIT
    # A down partition still takes jobs.
    assert admitted(job_desc(partition="down")).template.partition == "down"


# ----------------------------------------------------------------- updates --


def pending_job(**fields):
    (job,) = instantiate(admitted(job_desc(time_limit=30, **fields)), 9, 100, "vm")
    return job


def test_updates_change_only_given_fields():
    job = pending_job()
    new = update(
        job,
        USER,
        JobDescription(name="n", time_limit=10, nice=5, partition="small", dependency="afterany:5"),
        CONFIG,
        bool,
        50,
    )
    assert (new.name, new.time_limit, new.nice, new.partition, new.dependency) == (
        "n",
        10,
        5,
        "small",
        "afterany:5",
    )
    assert new.priority == 100 - 5 and new.comment == job.comment


@pytest.mark.parametrize(
    ("desc", "user", "errno"),
    [
        (JobDescription(time_limit=60), USER, Errno.ACCESS_DENIED),
        (JobDescription(priority=5), USER, Errno.ACCESS_DENIED),
        (JobDescription(nice=-1), USER, Errno.ACCESS_DENIED),
        (JobDescription(admin_comment="x"), USER, Errno.ACCESS_DENIED),
        (JobDescription(partition="nosuch"), USER, Errno.INVALID_PARTITION_NAME),
        (JobDescription(dependency="afterok:9"), USER, Errno.DEPENDENCY),
        (JobDescription(dependency="afterok:77"), USER, Errno.DEPENDENCY),
        (JobDescription(tasks=4), OPERATOR, Errno.NOT_SUPPORTED),
    ],
)
def test_update_refusals(desc, user, errno):
    with pytest.raises(SlurmError) as err:
        update(pending_job(), user, desc, CONFIG, lambda ref: ref.job_id == 5, 50)
    assert err.value.errno == errno


def test_updates_of_running_and_finished_jobs():
    running = pending_job().__class__(**{**_fields(pending_job()), "state": JobState.RUNNING})
    assert update(running, USER, JobDescription(name="x"), CONFIG, bool, 1).name == "x"
    with pytest.raises(SlurmError) as err:
        update(running, USER, JobDescription(partition="small"), CONFIG, bool, 1)
    assert err.value.errno == Errno.JOB_NOT_PENDING
    done = running.__class__(**{**_fields(running), "state": JobState.COMPLETED})
    with pytest.raises(SlurmError) as err:
        update(done, USER, JobDescription(name="x"), CONFIG, bool, 1)
    assert err.value.errno == Errno.JOB_FINISHED


def _fields(job):
    return {name: getattr(job, name) for name in job.__dataclass_fields__}


def test_operator_priority_and_holds():
    job = pending_job()
    raised = update(job, OPERATOR, JobDescription(priority=7), CONFIG, bool, 1)
    assert raised.priority == 7
    held = update(job, OPERATOR, JobDescription(priority=0), CONFIG, bool, 1)
    assert held.held is HoldKind.ADMIN and held.priority == 0
    with pytest.raises(SlurmError) as err:
        release(held, USER, 1)
    assert err.value.errno == Errno.ACCESS_DENIED
    assert release(held, OPERATOR, 42).priority == 42  # queues behind the waiting jobs
    assert hold(held, USER).held is HoldKind.ADMIN  # a user hold does not weaken it
    with pytest.raises(SlurmError) as err:
        hold(job, USER, admin=True)
    assert err.value.errno == Errno.ACCESS_DENIED
    user_held = update(job, USER, JobDescription(hold=True), CONFIG, bool, 1)
    assert user_held.held is HoldKind.USER
    assert update(user_held, USER, JobDescription(hold=False), CONFIG, bool, 3).held is None
