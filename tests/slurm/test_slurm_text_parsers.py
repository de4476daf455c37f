"""Parsers of Slurm 22.05's text output: scontrol partitions/reservations and sdiag.

The inputs are real output captured on the testbed; the expected values are
what the 22.05 C daemon served for the same controller at the same time.
"""

from __future__ import annotations

import pytest

from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.versions.v0_0_38.diag import render_diag
from slurmrestd.api.versions.v0_0_38.partitions import render_partition
from slurmrestd.api.versions.v0_0_38.reservations import render_reservation
from slurmrestd.cluster.slurm import textfields as tf
from slurmrestd.cluster.slurm.partition_text import parse_partitions
from slurmrestd.cluster.slurm.reservation_text import parse_reservations
from slurmrestd.cluster.slurm.sdiag_text import parse_sdiag
from slurmrestd.model.partition import OverSubscribe, PartitionFlag, PartitionState, PreemptMode
from slurmrestd.model.reservation import CoreSpec, ReservationFlag

# `scontrol --all --oneliner show partition` (testbed + two partitions made to differ).
PARTITIONS = """\
PartitionName=debug AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL AllocNodes=ALL Default=YES QoS=N/A DefaultTime=NONE DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO MaxNodes=UNLIMITED MaxTime=UNLIMITED MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED Nodes=node[1-4] PriorityJobFactor=1 PriorityTier=1 RootOnly=NO ReqResv=NO OverSubscribe=NO OverTimeLimit=NONE PreemptMode=OFF State=UP TotalCPUs=8 TotalNodes=4 SelectTypeParameters=NONE JobDefaults=(null) DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED TRES=cpu=8,mem=24104M,node=4,billing=8
PartitionName=batch AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL AllocNodes=ALL Default=NO QoS=N/A DefaultTime=01:00:00 DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO MaxNodes=UNLIMITED MaxTime=1-00:00:00 MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED Nodes=node[3-4] PriorityJobFactor=1 PriorityTier=1 RootOnly=NO ReqResv=NO OverSubscribe=NO OverTimeLimit=NONE PreemptMode=OFF State=UP TotalCPUs=4 TotalNodes=2 SelectTypeParameters=NONE JobDefaults=(null) DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED TRES=cpu=4,mem=12052M,node=2,billing=4
PartitionName=h8probe AllowGroups=ALL AllowAccounts=research DenyQos=high AllocNodes=vm Alternate=debug Default=NO QoS=high DefaultTime=00:10:00 DisableRootJobs=YES ExclusiveUser=YES GraceTime=30 Hidden=YES MaxNodes=2 MaxTime=01:40:00 MinNodes=1 LLN=YES MaxCPUsPerNode=1 Nodes=node1 PriorityJobFactor=5 PriorityTier=3 RootOnly=NO ReqResv=YES OverSubscribe=FORCE:2 OverTimeLimit=5 PreemptMode=OFF State=DRAIN TotalCPUs=2 TotalNodes=1 SelectTypeParameters=NONE JobDefaults=(null) DefMemPerCPU=100 MaxMemPerCPU=200 TRES=cpu=2,mem=6026M,node=1,billing=2 TRESBillingWeights=CPU=1.0
PartitionName=h8probe2 AllowGroups=users DenyAccounts=ops AllowQos=ALL AllocNodes=ALL Default=NO QoS=N/A DefaultTime=UNLIMITED DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO MaxNodes=UNLIMITED MaxTime=UNLIMITED MinNodes=1 LLN=NO MaxCPUsPerNode=UNLIMITED Nodes=node2 PriorityJobFactor=1 PriorityTier=1 RootOnly=YES ReqResv=NO OverSubscribe=NO OverTimeLimit=UNLIMITED PreemptMode=REQUEUE State=INACTIVE TotalCPUs=2 TotalNodes=1 SelectTypeParameters=NONE JobDefaults=(null) DefMemPerNode=300 MaxMemPerNode=400 TRES=cpu=2,mem=6026M,node=1,billing=2
"""  # noqa: E501

# What the C daemon served as /slurm/v0.0.38/partitions for the two that differ.
C_H8PROBE = {
    "flags": ["hidden", "no_root", "reservation_required", "least_loaded_nodes", "exclusive_user"],
    "preemption_mode": ["disabled"], "allowed_allocation_nodes": "vm",
    "allowed_accounts": "research", "allowed_groups": "", "allowed_qos": "",
    "alternative": "debug", "billing_weights": "CPU=1.0", "default_memory_per_cpu": 100,
    "default_memory_per_node": None, "default_time_limit": 10, "denied_accounts": "",
    "denied_qos": "high", "preemption_grace_time": 30, "maximum_cpus_per_node": 1,
    "maximum_memory_per_cpu": 200, "maximum_memory_per_node": None,
    "maximum_nodes_per_job": 2, "max_time_limit": 100, "min nodes per job": 1,
    "name": "h8probe", "nodes": "node1", "over_time_limit": 5, "priority_job_factor": 5,
    "priority_tier": 3, "qos": "high", "state": "DRAIN", "total_cpus": 2, "total_nodes": 1,
    "tres": "cpu=2,mem=6026M,node=1,billing=2",
}  # fmt: skip
C_H8PROBE2 = {
    "flags": ["root_only"], "preemption_mode": ["requeue"], "allowed_allocation_nodes": "",
    "allowed_accounts": "", "allowed_groups": "users", "allowed_qos": "", "alternative": "",
    "billing_weights": "", "default_memory_per_cpu": None, "default_memory_per_node": 300,
    # 22.05 wrote DefaultTime=UNLIMITED as 4294967295; the v0.0.38 renderer writes -1.
    "default_time_limit": -1, "denied_accounts": "ops", "denied_qos": "",
    "preemption_grace_time": 0, "maximum_cpus_per_node": -1, "maximum_memory_per_cpu": None,
    "maximum_memory_per_node": 400, "maximum_nodes_per_job": -1, "max_time_limit": -1,
    "min nodes per job": 1, "name": "h8probe2", "nodes": "node2", "over_time_limit": 65535,
    "priority_job_factor": 1, "priority_tier": 1, "qos": "", "state": "INACTIVE",
    "total_cpus": 2, "total_nodes": 1, "tres": "cpu=2,mem=6026M,node=1,billing=2",
}  # fmt: skip


def test_partitions_render_as_the_c_daemon_served_them() -> None:
    parts = parse_partitions(PARTITIONS)
    assert [p.name for p in parts] == ["debug", "batch", "h8probe", "h8probe2"]
    assert render_partition(parts[2]) == C_H8PROBE
    assert render_partition(parts[3]) == C_H8PROBE2


def test_partition_defaults_and_limits() -> None:
    debug, batch, probe, probe2 = parse_partitions(PARTITIONS)
    assert debug.flags == {PartitionFlag.DEFAULT}
    assert (debug.max_time, debug.default_time, debug.max_nodes) == (INFINITE, None, INFINITE)
    assert (debug.def_mem_per_node, debug.over_time_limit) == (None, None)
    assert (debug.allowed_groups, debug.qos, debug.job_defaults, debug.select_type) == (
        "",
        "",
        "",
        (),
    )
    assert (batch.max_time, batch.default_time) == (1440, 60)
    assert (probe.oversubscribe, probe.oversubscribe_jobs) == (OverSubscribe.FORCE, 2)
    assert probe.state is PartitionState.DRAIN
    assert probe2.preempt_mode == {PreemptMode.REQUEUE}
    assert (probe2.default_time, probe2.over_time_limit) == (INFINITE, INFINITE)


def test_lines_without_a_partition_are_skipped() -> None:
    assert parse_partitions("No partitions in the system\n\n") == ()


# `scontrol --oneliner show reservation` under SLURM_TIME_FORMAT=%s; the second
# is core-based and lists its cores after Flags once they are chosen.
RESERVATIONS = """\
ReservationName=h8probe StartTime=1795311774 EndTime=1795317174 Duration=01:30:00 Nodes=node4 NodeCnt=1 CoreCnt=2 Features=(null) PartitionName=(null) Flags=MAINT,DAILY,SPEC_NODES TRES=cpu=2 Users=alice,bob Groups=(null) Accounts=(null) Licenses=matlab:1 State=INACTIVE BurstBuffer=(null) Watts=n/a MaxStartDelay=(null)
ReservationName=h8probe2 StartTime=1795398174 EndTime=1826934174 Duration=365-00:00:00 Nodes=node3 NodeCnt=1 CoreCnt=1 Features=(null) PartitionName=debug Flags=SPEC_NODES,PURGE_COMP=00:05:00   NodeName=node3 CoreIDs=0 TRES=cpu=1 Users=(null) Groups=(null) Accounts=research Licenses=(null) State=INACTIVE BurstBuffer=(null) Watts=n/a MaxStartDelay=(null)
"""  # noqa: E501

C_RESERVATION = {
    "flags": ["MAINT", "DAILY", "SPEC_NODES"], "accounts": "", "burst_buffer": "",
    "core_count": 2, "core_spec_cnt": 0, "end_time": 1795317174, "features": "", "groups": "",
    "licenses": "matlab:1", "max_start_delay": 0, "name": "h8probe", "node_count": 1,
    "node_list": "node4", "partition": "", "start_time": 1795311774, "watts": 4294967294,
    "tres": "cpu=2", "users": "alice,bob",
}  # fmt: skip


def test_reservations_render_as_the_c_daemon_served_them() -> None:
    first, second = parse_reservations(RESERVATIONS)
    assert render_reservation(first) == C_RESERVATION
    assert second.flags == {ReservationFlag.SPEC_NODES, ReservationFlag.PURGE_COMP}
    assert second.purge_completed_time == 300
    assert second.core_specializations == (CoreSpec("node3", "0"),)
    assert (second.partition, second.accounts, second.users) == ("debug", "research", "")
    rendered = render_reservation(second)
    assert (rendered["purge_completed"], rendered["core_spec_cnt"]) == ({"time": 300}, 1)


def test_reservation_extras_watts_delay_and_several_core_specs() -> None:
    line = (
        "ReservationName=r StartTime=10 EndTime=20 Nodes=n[1-2] NodeCnt=2 CoreCnt=2 "
        "Flags=OVERLAP,NOSUCHFLAG NodeName=n1 CoreIDs=0 NodeName=n2 CoreIDs=1 "
        "Watts=2K MaxStartDelay=00:01:30"
    )
    [res] = parse_reservations(line)
    assert res.flags == {ReservationFlag.OVERLAP}
    assert res.core_specializations == (CoreSpec("n1", "0"), CoreSpec("n2", "1"))
    assert (res.watts, res.max_start_delay) == (2000, 90)


def test_reservation_times_in_local_clock_form_are_read_too() -> None:
    [res] = parse_reservations("ReservationName=r StartTime=1970-01-02T00:00:00 EndTime=(null)")
    assert res.start_time == tf.timestamp("1970-01-02T00:00:00") > 0
    assert res.end_time == 0
    assert parse_reservations("No reservations in the system\n") == ()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("5", 300), ("01:30", 90), ("01:00:00", 3600), ("1-00:00:00", 86400), ("2-3", 183600),
     ("1-0:1", 86460), ("bad", None)],
)  # fmt: skip
def test_durations(text: str, seconds: int | None) -> None:
    assert tf.duration_seconds(text) == seconds


def test_split_fields_keeps_equals_signs_and_spaces_inside_values() -> None:
    fields = tf.split_fields("A=1 TRES=cpu=8,mem=1G Comment=two words B=(null)")
    assert fields == {"A": "1", "TRES": "cpu=8,mem=1G", "Comment": "two words", "B": "(null)"}
    assert tf.limit_minutes("UNLIMITED") == INFINITE
    assert (tf.limit_minutes("NONE"), tf.number("N/A"), tf.count("x")) == (None, None, 0)


# `sdiag` as alice (22.05.8); the C daemon's /diag for the same second follows.
SDIAG = """\
*******************************************************
sdiag output at Sat Nov 21 01:42:51 2026 (1795225371)
Data since      Sat Nov 21 01:42:35 2026 (1795225355)
*******************************************************
Server thread count:  3
Agent queue size:     0
Agent count:          0
Agent thread count:   0
DBD Agent queue size: 0

Jobs submitted: 10
Jobs started:   4
Jobs completed: 4
Jobs canceled:  1
Jobs failed:    0

Job states ts:  Sat Nov 21 01:54:05 2026 (1795226045)
Jobs pending:   5
Jobs running:   0

Main schedule statistics (microseconds):
\tLast cycle:   13
\tMax cycle:    1141
\tTotal cycles: 20
\tMean cycle:   96
\tMean depth cycle:  2
\tCycles per minute: 1
\tLast queue length: 0

Backfilling stats (WARNING: data obtained in the middle of backfilling execution.)
\tTotal backfilled jobs (since last slurm start): 3
\tTotal backfilled jobs (since last stats cycle start): 2
\tTotal backfilled heterogeneous job components: 1
\tTotal cycles: 4
\tLast cycle when: Sat Nov 21 01:50:00 2026 (1795225800)
\tLast cycle: 1200
\tMax cycle:  2000
\tMean cycle: 1500
\tLast depth cycle: 4
\tLast depth cycle (try sched): 3
\tDepth Mean: 5
\tDepth Mean (try depth): 4
\tLast queue length: 6
\tQueue length mean: 7
\tLast table size: 8
\tMean table size: 9

Latency for 1000 calls to gettimeofday(): 32 microseconds

Remote Procedure Call statistics by message type
\tREQUEST_PARTITION_INFO                  ( 2009) count:6      ave_time:161    total_time:970
\tREQUEST_JOB_INFO                        ( 2003) count:6      ave_time:148    total_time:888

Remote Procedure Call statistics by user
\talice           (    1001) count:14     ave_time:134    total_time:1879
\troot            (       0) count:13     ave_time:634    total_time:8252

Pending RPC statistics
\tREQUEST_TERMINATE_JOB                   ( 6011) count:2
"""


def test_sdiag_counters_and_means() -> None:
    diag = parse_sdiag(SDIAG)
    assert (diag.req_time, diag.req_time_start, diag.job_states_ts) == (
        1795225371,
        1795225355,
        1795226045,
    )
    assert (diag.jobs_submitted, diag.jobs_pending, diag.server_thread_count) == (10, 5, 3)
    assert (diag.schedule_cycle_counter, diag.schedule_cycle_last, diag.schedule_cycle_max) == (
        20,
        13,
        1141,
    )
    # Same labels, other section: the backfill values stay apart.
    assert (diag.bf_cycle_counter, diag.bf_cycle_last, diag.bf_queue_len) == (4, 1200, 6)
    assert (diag.bf_when_last_cycle, diag.bf_active, diag.parts_packed) == (1795225800, True, 1)
    assert (diag.schedule_cycle_mean, diag.schedule_cycle_mean_depth) == (96, 2)
    assert (diag.bf_cycle_mean, diag.bf_depth_mean, diag.bf_depth_mean_try) == (1500, 5, 4)
    assert (diag.bf_queue_len_mean, diag.bf_table_size_mean, diag.bf_table_size) == (7, 9, 8)
    assert diag.gettimeofday_latency == 32
    assert [(r.message_type, r.type_id, r.count, r.total_time) for r in diag.rpcs_by_type] == [
        ("REQUEST_PARTITION_INFO", 2009, 6, 970),
        ("REQUEST_JOB_INFO", 2003, 6, 888),
    ]
    assert [(r.user, r.user_id, r.average_time) for r in diag.rpcs_by_user] == [
        ("alice", 1001, 134),
        ("root", 0, 634),
    ]
    assert [(p.message_type, p.count) for p in diag.pending_rpcs] == [("REQUEST_TERMINATE_JOB", 2)]


def test_sdiag_without_backfill_cycles_renders_like_the_c_daemon() -> None:
    quiet = SDIAG.replace("\tTotal cycles: 4\n", "\tTotal cycles: 0\n").replace(
        "Backfilling stats (WARNING: data obtained in the middle of backfilling execution.)",
        "Backfilling stats",
    )
    stats = render_diag(parse_sdiag(quiet))
    assert (stats["bf_cycle_counter"], stats["bf_cycle_mean"], stats["bf_active"]) == (0, 0, False)
    assert (stats["schedule_cycle_total"], stats["schedule_cycle_mean"]) == (20, 96)
    assert stats["rpcs_by_user"][0] == {
        "user": "alice",
        "user_id": 1001,
        "count": 14,
        "average_time": 134,
        "total_time": 1879,
    }
