"""Builders and parsers of the slurm backend's administration and job control (22.05).

Command lines are checked against the forms scontrol/scancel/salloc accepted
on the testbed; parsers read output captured there (tests/slurm/data/admin/).
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from schema_check import schema_errors
from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.versions.v0_0_46.conf import render_conf
from slurmrestd.api.versions.v0_0_46.shares import render_shares
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm import (
    admin_commands,
    bulk_kill,
    job_control_more,
    reservation_commands,
    salloc_args,
)
from slurmrestd.cluster.slurm.config_text import parse_controller_config
from slurmrestd.cluster.slurm.sbatch_args import local_time
from slurmrestd.cluster.slurm.sshare_text import filter_shares, parse_sshare
from slurmrestd.model.conf import Controller
from slurmrestd.model.job import AllocatedCore, AllocatedNode, Job, JobResources, JobState
from slurmrestd.model.job_control import JobOutcome, KillJobsFilter
from slurmrestd.model.job_desc import JobDescription
from slurmrestd.model.node import Node
from slurmrestd.model.node_update import NodeUpdate
from slurmrestd.model.partition import PartitionState
from slurmrestd.model.partition_update import PartitionUpdate
from slurmrestd.model.reservation_request import ReservationRequest
from slurmrestd.model.shares import ShareKind

DATA = Path(__file__).parent / "data" / "admin"


def refused(call: object, *args: object) -> SlurmError:
    with pytest.raises(SlurmError) as info:
        call(*args)  # type: ignore[operator]
    return info.value


# ------------------------------------------------------------------- nodes --


def test_a_drain_is_one_command_with_its_reason_and_the_names_compressed() -> None:
    update = NodeUpdate(names=("node1", "node2"), state=("DRAIN",), reason="disk", weight=5.0)
    assert admin_commands.node_update_commands(update) == [
        ["scontrol", "update", "NodeName=node[1-2]", "State=DRAIN", "Reason=disk", "Weight=5"]
    ]


def test_several_states_are_several_commands_each_with_the_reason() -> None:
    update = NodeUpdate(names=("n1",), state=("down", "DRAIN"), reason="r", comment="c")
    assert admin_commands.node_update_commands(update) == [
        ["scontrol", "update", "NodeName=n1", "State=DOWN", "Reason=r", "Comment=c"],
        ["scontrol", "update", "NodeName=n1", "State=DRAIN", "Reason=r"],
    ]


@pytest.mark.parametrize(
    ("words", "sent"),
    [
        (("POWER_DOWN", "POWER_DRAIN"), ["POWER_DOWN_ASAP"]),
        (("POWERED_DOWN", "POWER_DOWN"), ["POWER_DOWN_FORCE"]),
        (("NO_RESPOND",), ["NoResp"]),
        (("REBOOT_CANCELED",), ["CANCEL_REBOOT"]),
        (("RESUME",), ["RESUME"]),
    ],
)
def test_state_words_are_spelled_as_scontrol_reads_them(
    words: tuple[str, ...], sent: list[str]
) -> None:
    assert admin_commands.node_states(words) == sent


def test_node_fields_without_a_state() -> None:
    update = NodeUpdate(
        names=("n1",),
        extra="x",
        features=("a", "b"),
        active_features=("a",),
        other={"address": "10.0.0.1", "reason_uid": 5},
    )
    assert admin_commands.node_update_commands(update) == [
        ["scontrol", "update", "NodeName=n1", "Extra=x", "AvailableFeatures=a,b",
         "ActiveFeatures=a", "NodeAddr=10.0.0.1"]
    ]  # fmt: skip
    assert admin_commands.node_update_commands(NodeUpdate(names=("n1",))) == []


def test_node_fields_scontrol_cannot_set_are_refused() -> None:
    error = refused(admin_commands.node_update_commands, NodeUpdate(("n1",), other={"x": 1}))
    assert (error.errno, error.description) == (
        Errno.NOT_SUPPORTED,
        "scontrol cannot update x of a node",
    )
    assert refused(admin_commands.node_update_commands, NodeUpdate()).errno == 2018


def test_a_node_conf_line_names_its_nodes() -> None:
    line = 'NodeName=dyn[1-2] CPUs=1 Features="a b" State=FUTURE'
    assert admin_commands.node_conf_names(line) == ("dyn1", "dyn2")
    assert admin_commands.create_node_command(line) == [
        "scontrol", "create", "NodeName=dyn[1-2]", "CPUs=1", "Features=a b", "State=FUTURE",
    ]  # fmt: skip
    assert refused(admin_commands.node_conf_names, "CPUs=1").errno == Errno.INVALID_NODE_NAME
    assert refused(admin_commands.node_conf_names, "NodeName=a[1-").errno == 2018


def test_nodes_scontrol_did_not_show_are_missing() -> None:
    shown = "NodeName=dyn1 Arch=x86_64 CoresPerSocket=1\nNode dyn2 not found\n"
    assert admin_commands.missing_nodes(("dyn1", "dyn2"), shown) == ["dyn2"]
    error = admin_commands.nodes_not_created(["dyn2", "dyn3"])
    assert (error.errno, error.source) == (Errno.NOT_SUPPORTED, "slurm_create_node")
    assert "dyn[2-3]" in error.description


# -------------------------------------------------------------- partitions --


def test_a_new_partition_is_created_with_its_fields() -> None:
    update = PartitionUpdate(
        name="p1",
        nodes="node[1-2]",
        state=PartitionState.DOWN,
        default=False,
        max_time=INFINITE,
        default_time=30,
        max_nodes=2,
        priority_tier=3,
    )
    argv, notes = admin_commands.partition_command(update, exists=False)
    assert argv == [
        "scontrol", "create", "PartitionName=p1", "Nodes=node[1-2]", "State=DOWN", "Default=NO",
        "MaxTime=UNLIMITED", "DefaultTime=30", "MaxNodes=2", "PriorityTier=3",
    ]  # fmt: skip
    assert notes == []


def test_other_partition_fields_map_or_are_noted() -> None:
    update = PartitionUpdate(
        name="p1",
        other={
            "accounts/allowed": "ops",
            "maximums/partition_memory_per_cpu": {"set": True, "infinite": False, "number": 200},
            "maximums/over_time_limit": {"set": False, "infinite": True, "number": 0},
            "flags": ["HIDDEN", "ROOT_ONLY_CLEAR"],
            "node_sets": "x",
        },
    )
    argv, notes = admin_commands.partition_command(update, exists=True)
    assert argv == [
        "scontrol", "update", "PartitionName=p1", "AllowAccounts=ops", "MaxMemPerCPU=200",
        "OverTimeLimit=UNLIMITED", "Hidden=YES", "RootOnly=NO",
    ]  # fmt: skip
    assert notes == ["partition p1: node_sets cannot be set by scontrol; ignored"]


def test_an_existing_partition_without_changes_needs_no_command() -> None:
    argv, notes = admin_commands.partition_command(
        PartitionUpdate(name="p1", other={"flags": ["BOGUS"]}), exists=True
    )
    assert argv is None
    assert notes == ["partition p1: flags cannot be set by scontrol; ignored"]
    assert admin_commands.partition_command(PartitionUpdate(name="p1"), exists=False)[0] == [
        "scontrol",
        "create",
        "PartitionName=p1",
    ]


# ------------------------------------------------------------ reservations --


def test_times_and_flags_are_written_as_scontrol_reads_them() -> None:
    assert reservation_commands.timespec(90) == "00:01:30"
    assert reservation_commands.timespec(90061) == "1-01:01:01"
    assert reservation_commands.flag_words(
        ("MAINT", "no_daily", "NO_HOLD_JOBS_AFTER_END"), None
    ) == [
        "MAINT",
        "-DAILY",
        "NO_HOLD_JOBS_AFTER_END",
    ]
    assert reservation_commands.flag_words(("PURGE_COMP",), 300) == ["PURGE_COMP=00:05:00"]
    assert reservation_commands.flag_words((), 60) == ["PURGE_COMP=00:01:00"]


def test_a_reservation_without_a_start_starts_now_and_one_without_a_name_is_named_by_slurm() -> (
    None
):
    req = ReservationRequest(node_list="node4", duration=10, users="alice", max_start_delay=120)
    assert reservation_commands.reservation_command(req, exists=False) == [
        "scontrol", "create", "reservation", "StartTime=now", "Duration=10", "Nodes=node4",
        "Users=alice", "MaxStartDelay=00:02:00",
    ]  # fmt: skip
    named = ReservationRequest(name="r1", start_time=1795230000, end_time=INFINITE)
    assert reservation_commands.reservation_command(named, exists=False) == [
        "scontrol", "create", "ReservationName=r1", f"StartTime={local_time(1795230000)}",
        "Duration=UNLIMITED",
    ]  # fmt: skip


def test_an_existing_reservation_is_updated_only_when_something_changes() -> None:
    req = ReservationRequest(name="r1", end_time=1795230600, flags=("NO_MAINT",))
    assert reservation_commands.reservation_command(req, exists=True) == [
        "scontrol", "update", "ReservationName=r1", f"EndTime={local_time(1795230600)}",
        "Flags=-MAINT",
    ]  # fmt: skip
    assert reservation_commands.reservation_command(ReservationRequest(name="r1"), True) is None


def test_the_name_slurm_gave_a_reservation_is_read_back() -> None:
    assert reservation_commands.created_name("Reservation created: alice_61\n") == "alice_61"
    assert reservation_commands.created_name("") is None


# ------------------------------------------------------------ configuration --


def test_show_config_keeps_values_as_slurm_conf_writes_them() -> None:
    config = parse_controller_config((DATA / "scontrol_show_config.txt").read_text())
    assert config.last_update == 1795234844
    assert config.controllers == (Controller("vm", "127.0.0.1"),)
    expected = {
        "KillWait": "5",
        "ResumeRate": "300",
        "EpilogMsgTime": "2000",
        "VSizeFactor": "0",
        "SlurmUser": "slurm",
        "SlurmUserId": "64030",
        "SlurmdUserId": "0",
        "PreemptExemptTime": "0",
        "SelectTypeParameters": "CR_CORE",
        "ClusterName": "testbed",
    }
    assert {key: config.get(key) for key in expected} == expected
    # Unset values are left out, as slurm.conf leaves them out.
    assert [config.get(k) for k in ("BurstBufferType", "PowerPlugin", "TaskPluginParam")] == [
        None,
        None,
        None,
    ]
    assert config.get("SlurmctldHost") is None


def test_show_config_renders_schema_valid_for_v0_0_46() -> None:
    config = parse_controller_config((DATA / "scontrol_show_config.txt").read_text())
    rendered = render_conf(config)
    assert schema_errors("v0.0.46", "v0.0.46_slurm_conf", rendered) == []
    assert (rendered["KillWait"], rendered["SlurmctldPort"], rendered["SlurmUserId"]) == (
        5,
        16817,
        64030,
    )
    assert rendered["controllers"] == [{"machine": "vm", "address": "127.0.0.1"}]


def test_show_config_in_local_time_and_a_host_without_address() -> None:
    text = (
        "Configuration data as of 2026-01-02T03:04:05\n"
        "SlurmctldHost[0]        = ctl1\nSlurmctldHost[1]        = ctl2(10.0.0.2)\n"
        "KillWait                = 30 sec\n\nSlurmctld(primary) at ctl1 is UP\n"
    )
    config = parse_controller_config(text)
    local = time.strptime("2026-01-02T03:04:05", "%Y-%m-%dT%H:%M:%S")
    assert config.last_update == int(time.mktime(local))
    assert config.controllers == (Controller("ctl1", "ctl1"), Controller("ctl2", "10.0.0.2"))
    assert config.options == (("KillWait", "30"),)


# --------------------------------------------------------------- fair share --


def test_sshare_rows_take_their_parents_from_the_indentation() -> None:
    snapshot = parse_sshare((DATA / "sshare.txt").read_text(), "testbed")
    rows = [(r.id, r.kind.value, r.name, r.parent, r.shares) for r in snapshot.rows]
    assert rows == [
        (101, "ASSOCIATION", "h15-1644-a", "", 1),  # outside the root tree (see module doc)
        (102, "USER", "h15-1644-u", "h15-1644-a", 1),
        (1, "ASSOCIATION", "root", "", None),
        (2, "USER", "root", "root", 1),
        (4, "ASSOCIATION", "ops", "root", 1),
        (6, "USER", "alice", "ops", 1),
        (7, "USER", "bob", "ops", 1),
        (3, "ASSOCIATION", "research", "root", 1),
        (5, "USER", "alice", "research", 1),
    ]
    assert snapshot.total_shares == 3  # root's user row, ops and research
    root = snapshot.rows[2]
    assert (root.cluster, root.shares_normalized, root.effective_usage, root.fairshare_level) == (
        "testbed",
        None,
        0.0,
        0.0,
    )


def test_sshare_numbers_parent_shares_and_infinite_levels() -> None:
    text = (
        "ID|Account|User|RawShares|NormShares|RawUsage|FairShare|LevelFS\n"
        "1|root|||1.000000|120||\n"
        "2| a||parent|0.5|120||inf\n"
        "3|  a|u|7|0.25|60|0.5|1.5\n"
    )
    snapshot = parse_sshare(text, "blue")
    assert [(r.name, r.cluster, r.shares, r.usage) for r in snapshot.rows] == [
        ("root", "blue", None, 120),
        ("a", "blue", INFINITE, 120),
        ("u", "blue", 7, 60),
    ]
    assert snapshot.rows[1].fairshare_level == INFINITE
    assert (snapshot.rows[2].shares_normalized, snapshot.rows[2].fairshare_factor) == (0.25, 0.5)
    assert snapshot.total_shares == 0  # root's only child takes its parent's shares
    error = refused(parse_sshare, "ID|Cluster\n1|x\n", "blue")
    assert error.errno == Errno.REST_FAIL_PARSING


def test_sshare_filters_keep_the_parent_accounts() -> None:
    snapshot = parse_sshare((DATA / "sshare.txt").read_text(), "testbed")

    def names(accounts: list[str], users: list[str]) -> list[tuple[str, str]]:
        kept = filter_shares(snapshot, accounts, users).rows
        return [(r.name, r.parent) for r in kept]

    assert names(["ops"], ["bob"]) == [("ops", "root"), ("bob", "ops")]
    assert names([], ["alice"]) == [
        ("ops", "root"),
        ("alice", "ops"),
        ("research", "root"),
        ("alice", "research"),
    ]
    assert names(["research"], []) == [("root", ""), ("research", "root"), ("alice", "research")]
    assert filter_shares(snapshot, [], []) is snapshot


def test_sshare_renders_schema_valid_for_v0_0_46() -> None:
    snapshot = parse_sshare((DATA / "sshare.txt").read_text(), "testbed")
    rendered = render_shares(snapshot)
    assert schema_errors("v0.0.46", "v0.0.46_shares_resp_msg", rendered) == []
    assert {row["type"][0] for row in rendered["shares"]} == {k.value for k in ShareKind}


# -------------------------------------------------------------- job control --


def test_requeue_options_pick_the_scontrol_form() -> None:
    build = job_control_more.requeue_command
    assert build("7", frozenset()) == ["scontrol", "requeue", "7"]
    assert build("7", frozenset({"INCOMPLETE"})) == ["scontrol", "requeue", "Incomplete", "7"]
    assert build("7", frozenset({"HOLD"})) == ["scontrol", "requeuehold", "7"]
    assert build("7_2", frozenset({"SPECIAL_EXIT", "INCOMPLETE"})) == [
        "scontrol",
        "requeuehold",
        "State=SpecialExit",
        "7_2",
    ]
    assert refused(build, "7;x", frozenset()).errno == Errno.INVALID_JOB_ID


def running(job_id: int, cores: tuple[tuple[int, int], ...], **kw: object) -> Job:
    alloc = AllocatedNode(
        "node1", cores=tuple(AllocatedCore(s, c) for s, c in cores), memory_allocated=512
    )
    resources = JobResources(nodes="node1", allocated_nodes=(alloc,))
    return Job(job_id=job_id, state=JobState.RUNNING, job_resources=resources, **kw)  # type: ignore[arg-type]


def test_states_are_compact_and_in_job_id_order() -> None:
    jobs = [
        Job(job_id=9, state=JobState.PENDING, array_job_id=8, array_task_id=1),
        Job(job_id=3, state=JobState.CANCELLED, state_flags=frozenset({"COMPLETING"})),
        Job(job_id=3, state=JobState.CANCELLED, state_flags=frozenset({"COMPLETING"})),
    ]
    entries = job_control_more.state_entries(jobs)
    assert [(e.job_id, e.state, e.flags, e.array_job_id, e.array_task_id) for e in entries] == [
        (3, JobState.CANCELLED, frozenset({"COMPLETING"}), None, None),
        (9, JobState.PENDING, frozenset(), 8, 1),
    ]


def test_a_layout_numbers_cores_across_the_node() -> None:
    assert job_control_more.ranges([5, 0, 1, 2, 7, 8]) == "0-2,5,7-8"
    job = running(4, ((0, 1), (1, 0), (1, 1)))
    nodes = {"node1": Node(name="node1", sockets=2, cores=2)}
    [layout] = job_control_more.job_layouts("4", [job], nodes)
    assert (layout.node, layout.sockets_per_node, layout.cores_per_socket) == ("node1", 2, 2)
    assert (layout.core_bitmap, layout.mem_alloc) == ("1-3", 512)


def test_only_jobs_holding_resources_have_a_layout() -> None:
    done = running(4, ((0, 0),))
    done = Job(job_id=4, state=JobState.COMPLETED, job_resources=done.job_resources)
    error = refused(job_control_more.job_layouts, "4", [done, Job(job_id=5)], {})
    assert (error.errno, error.description) == (Errno.JOB_NOT_RUNNING, "job 4 holds no resources")
    completing = Job(
        job_id=4,
        state=JobState.CANCELLED,
        state_flags=frozenset({"COMPLETING"}),
        job_resources=done.job_resources,
    )
    assert job_control_more.holds_resources(completing)


# ---------------------------------------------------------------- bulk kill --

JOBS = [
    Job(job_id=1, name="a", user_name="alice", state=JobState.RUNNING, nodes="node[1-2]"),
    Job(job_id=2, name="a", user_name="bob", state=JobState.PENDING, partition="batch"),
    Job(job_id=3, name="a", user_name="alice", state=JobState.COMPLETED, nodes="node3"),
    Job(job_id=4, name="b", user_name="alice", state=JobState.PENDING, array_job_id=4,
        array_task_string="2-5%2"),
    Job(job_id=5, name="b", user_name="alice", state=JobState.RUNNING, array_job_id=4,
        array_task_id=1, nodes="node3"),
]  # fmt: skip


def picked(selection: KillJobsFilter, operator: bool = False) -> list[int]:
    targets, _ = bulk_kill.select_targets(JOBS, selection, "alice", operator)
    return [job.job_id for job in targets]


def test_a_filter_selects_the_callers_active_jobs_unless_operator() -> None:
    assert picked(KillJobsFilter(job_name="a")) == [1]
    assert picked(KillJobsFilter(job_name="a"), operator=True) == [1, 2]
    assert picked(KillJobsFilter(job_name="a", states=frozenset({JobState.COMPLETED}))) == [3]
    assert picked(KillJobsFilter(nodes=("node2", "node3"))) == [1, 5]
    assert picked(KillJobsFilter(partition="batch"), operator=True) == [2]
    error = refused(bulk_kill.select_targets, JOBS, KillJobsFilter(), "alice", True)
    assert error.errno == Errno.REST_INVALID_QUERY


def test_named_jobs_are_taken_whatever_their_state_and_unknown_ones_answered() -> None:
    targets, known = bulk_kill.select_targets(
        JOBS, KillJobsFilter(jobs=("3", "4", "99_1")), "alice", False
    )
    assert [job.job_id for job in targets] == [3, 4, 5]
    assert known == [JobOutcome(99, Errno.INVALID_JOB_ID, "Invalid job id specified")]
    targets, _ = bulk_kill.select_targets(
        JOBS, KillJobsFilter(jobs=("4",), states=frozenset({JobState.RUNNING})), "alice", False
    )
    assert [job.job_id for job in targets] == [5]


def test_scancel_ids_name_exactly_each_record() -> None:
    assert [bulk_kill.target_id(job) for job in JOBS[3:]] == ["4_[2-5]", "4_1"]
    assert bulk_kill.target_id(Job(job_id=8, het_job_id=7, het_job_offset=1)) == "7"
    assert bulk_kill.scancel_command(["1", "4_1", "1"], signal.SIGKILL, frozenset()) == [
        "scancel", "-v", "1", "4_1",
    ]  # fmt: skip
    assert bulk_kill.scancel_command(["1"], 10, frozenset({"BATCH_JOB", "FULL_JOB"})) == [
        "scancel", "-v", "--signal=10", "--batch", "--full", "1",
    ]  # fmt: skip


def test_a_pending_job_is_not_sent_anything_but_sigkill() -> None:
    assert bulk_kill.would_retry(JOBS[1], signal.SIGUSR1)
    assert not bulk_kill.would_retry(JOBS[1], signal.SIGKILL)
    assert not bulk_kill.would_retry(JOBS[0], signal.SIGUSR1)


# What `scancel -v 3267 3269 999999 3245` printed as alice on the testbed.
SCANCEL_STDERR = """\
scancel: select/cons_tres: common_init: select/cons_tres loaded
scancel: Terminating job 3267
scancel: Terminating job 3269
scancel: Terminating job 999999
scancel: Terminating job 3245
scancel: error: Kill job error on job id 3245: Job/step already completing or completed
scancel: error: Kill job error on job id 3269: Access/permission denied
scancel: error: Kill job error on job id 999999: Invalid job id specified
"""


def test_each_job_gets_what_scancel_said_about_it() -> None:
    jobs = [Job(job_id=3267), Job(job_id=3269), Job(job_id=3245)]
    assert bulk_kill.outcomes(jobs, SCANCEL_STDERR, gave_up=False) == [
        JobOutcome(3267),
        JobOutcome(3269, Errno.ACCESS_DENIED, "Access/permission denied"),
        JobOutcome(3245, Errno.ALREADY_DONE, "Job/step already completing or completed"),
    ]
    stopped = bulk_kill.outcomes(jobs[:2], SCANCEL_STDERR, gave_up=True)
    assert [(o.job_id, o.errno) for o in stopped] == [(3267, 2020), (3269, Errno.ACCESS_DENIED)]


# -------------------------------------------------------------- allocations --


def test_an_allocation_is_salloc_without_a_shell() -> None:
    desc = JobDescription(name="al", partition="debug", time_limit=2, minimum_nodes=1, hold=True)
    assert salloc_args.salloc_command([desc]) == [
        "salloc", "--no-shell", "--nodes=1", "--job-name=al", "--partition=debug", "--time=2",
        "--hold",
    ]  # fmt: skip
    two = salloc_args.salloc_command([JobDescription(name="x"), JobDescription(name="y")])
    assert two == ["salloc", "--no-shell", "--job-name=x", ":", "--job-name=y"]


def test_what_salloc_cannot_ask_for_is_refused() -> None:
    error = refused(salloc_args.salloc_command, [JobDescription(standard_output="/tmp/o")])
    assert (error.errno, error.description) == (Errno.NOT_SUPPORTED, "salloc has no --output")
    assert refused(salloc_args.salloc_command, [JobDescription(script="#!/bin/sh")]).errno == 2036
    assert refused(salloc_args.salloc_command, []).errno == Errno.REST_INVALID_JOBS_DESC


def test_salloc_output_gives_the_job_id_or_slurms_error() -> None:
    assert salloc_args.parse_job_id("salloc: Granted job allocation 3245\n") == 3245
    queued = (
        "salloc: Pending job allocation 3252\nsalloc: job 3252 queued and waiting for resources"
    )
    assert salloc_args.parse_job_id(queued) == 3252
    assert salloc_args.parse_job_id("") is None
    stderr = "salloc: error: Job submit/allocate failed: Invalid user id\n"
    error = salloc_args.allocate_error(["salloc"], 1, stderr)
    assert (error.errno, error.description, error.source) == (
        Errno.USER_ID_MISSING,
        "Invalid user id",
        "slurm_allocate_resources",
    )
