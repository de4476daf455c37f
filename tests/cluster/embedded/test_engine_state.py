"""Durable state and derived views: the SQLite store, job environment, node/license usage."""

from __future__ import annotations

import math
import sqlite3
import time

import pytest
from engine_helpers import CONF

from slurmrestd.cluster.embedded.engine import HoldKind, JobFlag, JobRecord, JobState, NodeAlloc
from slurmrestd.cluster.embedded.engine.config import load_config
from slurmrestd.cluster.embedded.engine.environment import counts_per_node, slurm_variables
from slurmrestd.cluster.embedded.engine.store import JobStore, StoreError, decode, encode
from slurmrestd.cluster.embedded.engine.views import license_usage, node_usage
from slurmrestd.slurmconf import parse_text


def record(job_id: int, **fields) -> JobRecord:
    base = dict(
        name="j",
        user_id=1,
        group_id=2,
        user_name="u",
        group_name="g",
        partition="debug",
        submit_time=100,
        script="#!/bin/sh\n",
        cwd="/w",
        environment={"A": "1"},
    )
    return JobRecord(job_id=job_id, **{**base, **fields})


FULL = record(
    7,
    state=JobState.TIMEOUT,
    flags=JobFlag.COMPLETING,
    held=HoldKind.ADMIN,
    time_limit=math.inf,
    time_minimum=3.0,
    argv=("a", "b"),
    mail_type=("END",),
    licenses=(("lic", 2),),
    allocation=(NodeAlloc("vm", 2, 10), NodeAlloc("vm2", 1, 5)),
    exit_code=15,
    array_job_id=7,
    array_task_id=0,
    array_spec="0-3",
    array_max_tasks=2,
)


def test_records_round_trip_through_the_codec():
    assert decode(encode(FULL)) == FULL
    assert decode(encode(record(1))) == record(1)


def test_store_saves_loads_and_replaces(tmp_path):
    store = JobStore(tmp_path / "jobs.db")
    store.save([record(1), FULL], {"next_job_id": 8})
    store.save([record(1, name="renamed")], {"next_priority": 5})
    store.close()
    store = JobStore(tmp_path / "jobs.db")
    jobs, counters = store.load()
    assert jobs == [record(1, name="renamed"), FULL]
    assert counters == {"next_job_id": 8, "next_priority": 5}
    store.close()
    db = sqlite3.connect(tmp_path / "jobs.db")
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert db.execute("PRAGMA user_version").fetchone() == (1,)
    assert db.execute("SELECT job_id, state FROM jobs").fetchall() == [
        (1, "PENDING"),
        (7, "TIMEOUT"),
    ]


def test_a_newer_schema_is_refused(tmp_path):
    db = sqlite3.connect(tmp_path / "jobs.db")
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(StoreError, match="newer"):
        JobStore(tmp_path / "jobs.db")


def test_fields_missing_from_an_older_record_take_their_defaults(tmp_path):
    import orjson

    old = orjson.loads(encode(record(3)))
    del old["restart_count"], old["licenses"]
    assert decode(orjson.dumps(old)) == record(3)


def test_counts_per_node():
    assert counts_per_node([2, 2, 2, 1]) == "2(x3),1"
    assert counts_per_node([4]) == "4"


def test_slurm_variables_of_an_array_task_on_two_nodes():
    job = record(
        12,
        array_job_id=10,
        array_task_id=4,
        array_spec="0-8:2",
        tasks=3,
        cpus_per_task=2,
        allocation=(NodeAlloc("n1", 4, 0), NodeAlloc("n2", 2, 0)),
        start_time=1000,
        time_limit=5,
        memory_per_cpu=100,
        account="acct",
        qos="normal",
        restart_count=2,
    )
    env = slurm_variables(job, "cl", "login")
    expected = {
        "SLURM_JOB_ID": "12",
        "SLURM_ARRAY_JOB_ID": "10",
        "SLURM_ARRAY_TASK_ID": "4",
        "SLURM_ARRAY_TASK_COUNT": "5",
        "SLURM_ARRAY_TASK_MIN": "0",
        "SLURM_ARRAY_TASK_MAX": "8",
        "SLURM_ARRAY_TASK_STEP": "2",
        "SLURM_JOB_NODELIST": "n[1-2]",
        "SLURM_NNODES": "2",
        "SLURM_JOB_CPUS_PER_NODE": "4,2",
        "SLURM_TASKS_PER_NODE": "2,1",
        "SLURM_NTASKS": "3",
        "SLURM_CPUS_ON_NODE": "4",
        "SLURMD_NODENAME": "n1",
        "SLURM_MEM_PER_CPU": "100",
        "SLURM_JOB_ACCOUNT": "acct",
        "SLURM_JOB_QOS": "normal",
        "SLURM_RESTART_COUNT": "2",
        "SLURM_JOB_END_TIME": "1300",
        "SLURM_SUBMIT_HOST": "login",
        "SLURM_CLUSTER_NAME": "cl",
        "SLURM_SUBMIT_DIR": "/w",
        "SLURM_JOB_UID": "1",
        "SLURM_JOB_USER": "u",
    }
    assert {k: env[k] for k in expected} == expected
    assert "SLURM_MEM_PER_NODE" not in env and "SLURM_JOB_RESERVATION" not in env


def test_usage_views_count_running_and_completing_jobs_only():
    config = load_config(parse_text(CONF + "Licenses=lic:3\n"))
    jobs = [
        record(
            1, state=JobState.RUNNING, allocation=(NodeAlloc("vm", 3, 100),), licenses=(("lic", 1),)
        ),
        record(
            2,
            state=JobState.CANCELLED,
            flags=JobFlag.COMPLETING,
            allocation=(NodeAlloc("vm", 1, 0),),
            licenses=(("lic", 1),),
        ),
        record(3, state=JobState.COMPLETED, allocation=(NodeAlloc("vm", 4, 0),)),
        record(4, licenses=(("lic", 1),)),
    ]
    (node,) = node_usage(config, jobs)
    assert (node.alloc_cpus, node.alloc_memory, node.jobs, node.state) == (4, 100, (1, 2), "MIXED")
    assert [(u.name, u.total, u.used) for u in license_usage(config, jobs)] == [("lic", 3, 2)]


def test_ten_thousand_jobs_read_fast(make_manager, tmp_path):
    (tmp_path / "state").mkdir()
    store = JobStore(tmp_path / "state" / "jobs.db")
    store.save([record(i, state=JobState.COMPLETED) for i in range(1, 10_001)])
    store.close()
    manager = make_manager(start=False)
    began = time.perf_counter()
    jobs = manager.jobs()
    elapsed = time.perf_counter() - began
    assert len(jobs) == 10_000 and elapsed < 0.1
    assert [j.job_id for j in manager.job("9999")] == [9999]
