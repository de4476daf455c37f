"""Scheduling rules without processes: lifecycle, placement, backfill, dependencies, eligibility."""

from __future__ import annotations

import math
import signal

import pytest

from slurmrestd.cluster.embedded.engine.arrays import JobRef
from slurmrestd.cluster.embedded.engine.config import (
    NodeConfig,
    PartitionConfig,
    PartitionState,
)
from slurmrestd.cluster.embedded.engine.dependencies import DepStatus, evaluate, parse_dependency
from slurmrestd.cluster.embedded.engine.eligibility import JobIndex, blocked_reason
from slurmrestd.cluster.embedded.engine.lifecycle import (
    TRANSITIONS,
    Event,
    IllegalTransition,
    outcome,
    transition,
)
from slurmrestd.cluster.embedded.engine.records import (
    HoldKind,
    JobFlag,
    JobRecord,
    JobState,
    NodeAlloc,
    Reason,
)
from slurmrestd.cluster.embedded.engine.scheduler import Holding, Pool, Request, fit, plan

# ---------------------------------------------------------------- lifecycle --

C, RQ = JobFlag.COMPLETING, JobFlag.COMPLETING | JobFlag.REQUEUED


@pytest.mark.parametrize(
    ("state", "flags", "event", "expected"),
    [
        (JobState.PENDING, JobFlag.NONE, Event.START, (JobState.RUNNING, JobFlag.NONE)),
        (JobState.PENDING, JobFlag.NONE, Event.CANCEL, (JobState.CANCELLED, JobFlag.NONE)),
        (JobState.RUNNING, JobFlag.NONE, Event.CANCEL, (JobState.CANCELLED, C)),
        (JobState.RUNNING, JobFlag.NONE, Event.TIME_LIMIT, (JobState.TIMEOUT, C)),
        (JobState.RUNNING, JobFlag.NONE, Event.REQUEUE, (JobState.PENDING, RQ)),
        (JobState.PENDING, RQ, Event.REAPED, (JobState.PENDING, JobFlag.NONE)),
        (JobState.TIMEOUT, C, Event.REAPED, (JobState.TIMEOUT, JobFlag.NONE)),
        (JobState.FAILED, JobFlag.NONE, Event.REQUEUE, (JobState.PENDING, JobFlag.NONE)),
        (JobState.RUNNING, JobFlag.NONE, Event.EXIT_OOM, (JobState.OUT_OF_MEMORY, JobFlag.NONE)),
    ],
)
def test_transitions(state, flags, event, expected):
    assert transition(state, flags, event) == expected


@pytest.mark.parametrize(
    ("state", "flags", "event"),
    [
        (JobState.COMPLETED, JobFlag.NONE, Event.CANCEL),
        (JobState.PENDING, JobFlag.NONE, Event.EXIT_OK),
        (JobState.RUNNING, JobFlag.NONE, Event.START),
        (JobState.TIMEOUT, C, Event.CANCEL),
        (JobState.RUNNING, JobFlag.NONE, Event.REAPED),
    ],
)
def test_illegal_transitions(state, flags, event):
    with pytest.raises(IllegalTransition) as err:
        transition(state, flags, event)
    assert event.value in str(err.value) and str(state) in str(err.value)


def test_every_transition_ends_in_a_known_combination():
    # Only kills leave a job COMPLETING: cancel, time limit, requeue.
    completing_states = {state for state, flags in TRANSITIONS.values() if flags}
    assert completing_states == {JobState.CANCELLED, JobState.TIMEOUT, JobState.PENDING}


@pytest.mark.parametrize(
    ("status", "memory", "engine_killed", "expected"),
    [
        (0, False, False, (Event.EXIT_OK, Reason.NONE)),
        (3 << 8, False, False, (Event.EXIT_FAILED, Reason.NON_ZERO_EXIT)),
        (signal.SIGSEGV, False, False, (Event.EXIT_FAILED, Reason.RAISED_SIGNAL)),
        (signal.SIGKILL, True, False, (Event.EXIT_OOM, Reason.OUT_OF_MEMORY)),
        (signal.SIGKILL, True, True, (Event.EXIT_FAILED, Reason.RAISED_SIGNAL)),
        (signal.SIGKILL, False, False, (Event.EXIT_FAILED, Reason.RAISED_SIGNAL)),
        (None, False, False, (Event.PROCESS_LOST, Reason.SYSTEM_FAILURE)),
    ],
)
def test_outcomes(status, memory, engine_killed, expected):
    assert outcome(status, memory_limited=memory, engine_killed=engine_killed) == expected


# ---------------------------------------------------------------- placement --

NODES = [NodeConfig("n1", 4, 1000), NodeConfig("n2", 4, 1000)]


def request(job_id: int, cpus: int = 1, **fields) -> Request:
    fields.setdefault("nodes", ("n1", "n2"))
    return Request(job_id=job_id, cpus=cpus, **fields)


def test_fit_packs_cpus_across_nodes_and_honours_memory():
    pool = Pool.empty(NODES)
    assert fit(request(1, 6), pool) == (NodeAlloc("n1", 4, 0), NodeAlloc("n2", 2, 0))
    assert fit(request(1, 6, max_nodes=1), pool) is None
    assert fit(request(1, 2, memory_per_cpu=400), pool) == (NodeAlloc("n1", 2, 800),)
    assert fit(request(1, 4, memory_per_cpu=400), pool) == (
        NodeAlloc("n1", 2, 800),
        NodeAlloc("n2", 2, 800),
    )
    assert fit(request(1, 1, memory_per_node=1001), pool) is None
    assert fit(request(1, 3, cpus_per_task=3), pool) == (NodeAlloc("n1", 3, 0),)
    assert fit(request(1, 1, required=frozenset({"n2"})), pool) == (NodeAlloc("n2", 1, 0),)


def test_fit_spreads_over_min_nodes_and_exclusive_takes_whole_nodes():
    pool = Pool.empty(NODES)
    assert fit(request(1, 4, min_nodes=2), pool) == (NodeAlloc("n1", 2, 0), NodeAlloc("n2", 2, 0))
    assert fit(request(1, 1, exclusive=True, memory_per_cpu=10), pool) == (NodeAlloc("n1", 4, 40),)
    pool.take([NodeAlloc("n1", 1, 0)])
    assert fit(request(1, 1, exclusive=True), pool) == (NodeAlloc("n2", 4, 0),)
    assert fit(request(1, 2, min_nodes=2, exclusive=True), pool) is None


def test_pool_ignores_nodes_it_does_not_have_and_counts_licenses():
    pool = Pool.empty(NODES[:1], licenses=[("lic", 2)])
    pool.take([NodeAlloc("n1", 1, 10), NodeAlloc("gone", 4, 0)], [("lic", 1), ("old", 1)])
    assert (pool.cpus, pool.memory, pool.licenses) == (
        {"n1": 3},
        {"n1": 990},
        {"lic": 1, "old": -1},
    )


def test_plan_starts_in_order_and_labels_the_blocked():
    pool = Pool.empty(NODES[:1])
    reqs = [request(i, 2, nodes=("n1",)) for i in (1, 2, 3, 4)]
    decisions = plan(reqs, pool, [], {}, now=0)
    assert [(d.job_id, d.allocation is not None, d.reason) for d in decisions] == [
        (1, True, Reason.NONE),
        (2, True, Reason.NONE),
        (3, False, Reason.RESOURCES),
        (4, False, Reason.PRIORITY),
    ]
    assert pool.cpus == {"n1": 0}


def test_backfill_only_when_the_top_job_is_not_delayed():
    # n1 has 4 CPUs; a running job holds 3 until t=100. The top job needs 4.
    pool = Pool.empty(NODES[:1])
    running = [Holding((NodeAlloc("n1", 3, 0),), end=100)]
    pool.take(running[0].allocation)
    top = request(1, 4, nodes=("n1",), time_limit=50)
    short = request(2, 1, nodes=("n1",), time_limit=60)  # ends at 60 <= 100: backfills
    long = request(3, 1, nodes=("n1",), time_limit=500)  # would delay the top job
    decisions = plan([top, short, long], pool, running, {}, now=0)
    assert [(d.job_id, d.allocation is not None, d.reason) for d in decisions] == [
        (1, False, Reason.RESOURCES),
        (2, True, Reason.NONE),
        (3, False, Reason.PRIORITY),
    ]


def test_backfill_may_use_what_the_top_job_leaves_free():
    pool = Pool.empty(NODES[:1])
    running = [Holding((NodeAlloc("n1", 3, 0),), end=100)]
    pool.take(running[0].allocation)
    top = request(1, 3, nodes=("n1",))  # at t=100 it takes 3 of 4 CPUs
    long = request(2, 1, nodes=("n1",), time_limit=math.inf)
    decisions = plan([top, long], pool, running, {}, now=0)
    assert [d.allocation is not None for d in decisions] == [False, True]


def test_unlimited_running_jobs_leave_no_reservation():
    pool = Pool.empty(NODES[:1])
    running = [Holding((NodeAlloc("n1", 3, 0),), end=math.inf)]
    pool.take(running[0].allocation)
    decisions = plan(
        [request(1, 4, nodes=("n1",)), request(2, 1, nodes=("n1",))], pool, running, {}, now=0
    )
    assert [d.allocation is not None for d in decisions] == [False, True]


def test_array_throttle_and_licenses():
    pool = Pool.empty(NODES, licenses=[("lic", 1)])
    reqs = [request(i, 1, array_job_id=10, array_max_tasks=2) for i in (10, 11, 12)]
    reqs += [request(20, licenses=(("lic", 1),)), request(21, licenses=(("lic", 1),))]
    decisions = plan(reqs, pool, [], {10: 1}, now=0)
    assert [(d.job_id, d.reason) for d in decisions if d.allocation is None] == [
        (11, Reason.ARRAY_TASK_LIMIT),
        (12, Reason.ARRAY_TASK_LIMIT),
        (21, Reason.LICENSES),
    ]
    assert pool.licenses == {"lic": 0}


# ------------------------------------------------------------- dependencies --


def record(job_id: int, state: JobState = JobState.PENDING, **fields) -> JobRecord:
    base = dict(
        name="j",
        user_id=1,
        group_id=1,
        user_name="u",
        group_name="g",
        partition="p",
        submit_time=0,
        script="#!/bin/sh\n",
        cwd="/",
        environment={},
    )
    return JobRecord(job_id=job_id, state=state, **{**base, **fields})


def status_of(text: str, targets: dict[int, list[JobRecord]], job=None, now=0.0, free=True):
    return evaluate(
        parse_dependency(text),
        job or record(99),
        lambda ref: targets.get(ref.job_id, []),
        lambda j: free,
        now,
    )


DONE, FAIL, RUN = JobState.COMPLETED, JobState.FAILED, JobState.RUNNING


@pytest.mark.parametrize(
    ("text", "states", "expected"),
    [
        ("afterok:1", [DONE], DepStatus.SATISFIED),
        ("afterok:1", [RUN], DepStatus.WAITING),
        ("afterok:1", [FAIL], DepStatus.NEVER),
        ("afterok:1", [DONE, FAIL], DepStatus.NEVER),
        ("afternotok:1", [FAIL], DepStatus.SATISFIED),
        ("afternotok:1", [DONE], DepStatus.NEVER),
        ("afternotok:1", [DONE, RUN], DepStatus.WAITING),
        ("afterany:1", [JobState.CANCELLED], DepStatus.SATISFIED),
        ("afterany:1", [JobState.PENDING], DepStatus.WAITING),
        ("afterok:2", [DONE], DepStatus.SATISFIED),  # a job that is gone counts as done
        ("afterok:1?afternotok:1", [DONE], DepStatus.SATISFIED),
        ("afterok:1,afternotok:1", [DONE], DepStatus.NEVER),
    ],
)
def test_dependency_status(text, states, expected):
    targets = {1: [record(1, s) for s in states]}
    assert status_of(text, targets) == expected


def test_after_waits_for_the_start_plus_delay_and_aftercorr_matches_indexes():
    started = record(1, RUN, start_time=100)
    assert status_of("after:1", {1: [started]}, now=100) == DepStatus.SATISFIED
    assert status_of("after:1+2", {1: [started]}, now=219) == DepStatus.WAITING
    assert status_of("after:1+2", {1: [started]}, now=220) == DepStatus.SATISFIED
    tasks = [record(1, DONE, array_task_id=0), record(2, FAIL, array_task_id=1)]
    me0, me1 = record(9, array_task_id=0), record(10, array_task_id=1)
    assert status_of("aftercorr:1", {1: tasks}, job=me0) == DepStatus.SATISFIED
    assert status_of("aftercorr:1", {1: tasks}, job=me1) == DepStatus.NEVER
    assert status_of("singleton", {}, free=False) == DepStatus.WAITING


def test_singleton_waits_for_running_and_earlier_jobs_only():
    jobs = {
        1: record(1, RUN, name="s"),
        2: record(2, name="s"),
        3: record(3, name="s"),
        4: record(4, DONE, name="t"),
    }
    index = JobIndex(jobs, {}, jobs.values())
    assert not index.singleton_free(jobs[2])
    jobs[1] = record(1, DONE, name="s")
    index = JobIndex(jobs, {}, jobs.values())
    assert index.singleton_free(jobs[2]) and not index.singleton_free(jobs[3])
    assert index.targets(JobRef(4)) == (jobs[4],) and index.targets(JobRef(5)) == ()


# -------------------------------------------------------------- eligibility --

PART = PartitionConfig("p", ("n1",), max_time=60, max_nodes=1)


@pytest.mark.parametrize(
    ("fields", "part", "reason"),
    [
        ({"held": HoldKind.USER}, PART, Reason.HELD_USER),
        ({"held": HoldKind.ADMIN, "begin_time": 10**10}, PART, Reason.HELD_ADMIN),
        ({}, PartitionConfig("p", ("n1",), state=PartitionState.DOWN), Reason.PARTITION_DOWN),
        (
            {},
            PartitionConfig("p", ("n1",), state=PartitionState.INACTIVE),
            Reason.PARTITION_INACTIVE,
        ),
        ({"begin_time": 500}, PART, Reason.BEGIN_TIME),
        ({"dependency": "afterok:1"}, PART, Reason.DEPENDENCY),
        ({"dependency": "afternotok:1"}, PART, Reason.DEPENDENCY),
        ({"time_limit": 61}, PART, Reason.PARTITION_TIME_LIMIT),
        ({"min_nodes": 2}, PART, Reason.PARTITION_NODE_LIMIT),
        ({"time_limit": 60, "begin_time": 100}, PART, None),
    ],
)
def test_blocked_reasons(fields, part, reason):
    jobs = {1: record(1, RUN)}
    job = record(2, **fields)
    assert blocked_reason(job, part, JobIndex(jobs, {}, jobs.values()), now=100) == reason


def test_never_satisfiable_dependency_reason():
    jobs = {1: record(1, FAIL)}
    job = record(2, dependency="afterok:1")
    assert (
        blocked_reason(job, PART, JobIndex(jobs, {}, jobs.values()), 0) is Reason.DEPENDENCY_NEVER
    )


def test_record_properties():
    job = record(1, RUN, exit_code=signal.SIGKILL, base_priority=100, nice=10)
    assert (job.term_signal, job.term_signal_name, job.exit_status, job.priority) == (
        9,
        "SIGKILL",
        None,
        90,
    )
    assert record(1, exit_code=2 << 8).exit_status == 2
    assert record(1, held=HoldKind.USER, base_priority=5).priority == 0
