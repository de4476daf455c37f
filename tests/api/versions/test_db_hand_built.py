"""Hand-built canonical accounting records of every kind, rendered in dbv0.0.38 and
v0.0.46 and checked against each version's schema, with selected values."""

from __future__ import annotations

from dataclasses import replace

import pytest

from schema_check import schema_errors
from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.versions.dbv0_0_38 import (
    accounts,
    associations,
    clusters,
    diag,
    jobs,
    qos,
    tres,
    users,
    wckeys,
)
from slurmrestd.api.versions.v0_0_46 import (
    slurmdb_accounts,
    slurmdb_associations,
    slurmdb_clusters,
    slurmdb_diag,
    slurmdb_instances,
    slurmdb_jobs,
    slurmdb_qos,
    slurmdb_tres,
    slurmdb_users,
    slurmdb_wckeys,
)
from slurmrestd.model.accounting import (
    QOS,
    Account,
    AccountingUsage,
    AdminLevel,
    Association,
    AssocShort,
    AssocUsage,
    Cluster,
    Coordinator,
    DbdStats,
    Instance,
    RollupPeriod,
    RollupStat,
    RpcStat,
    Tres,
    User,
    WCKey,
)
from slurmrestd.model.accounting_job import AccountingJob, AccountingStep

CPU = Tres("cpu", id=1, count=4)
GPU = Tres("gres", name="gpu", id=1001, count=2)
SHORT = AssocShort("ops", "testbed", None, "alice", id=7)

ACCOUNT = Account(
    "ops",
    "operations",
    "it",
    associations=(SHORT,),
    coordinators=(Coordinator("bob", direct=True),),
)
WCKEY = WCKey(
    "proj",
    user="alice",
    cluster="testbed",
    id=3,
    accounting=(AccountingUsage(id=3, start=1700000000, allocated_seconds=3600, tres=CPU),),
)
USER = User(
    "alice",
    administrator_level=AdminLevel.OPERATOR,
    associations=(SHORT, AssocShort("research", "testbed", "debug", "alice", id=8)),
    coordinators=(Coordinator("ops", direct=True), Coordinator("dev", direct=False)),
    default_account="ops",
    default_wckey="proj",
    default_qos=1,
    wckeys=(WCKEY,),
)
ASSOCIATION = Association(
    "ops",
    "testbed",
    None,
    "alice",
    id=7,
    parent_account="root",
    lineage="/root/ops/0-alice/",
    is_default=True,
    default_qos="normal",
    qos=("normal", "high"),
    priority=10,
    shares_raw=1,
    grp_jobs=20,
    grp_wall=INFINITE,
    grp_tres=(CPU,),
    max_jobs=5,
    max_tres_per_job=(CPU, GPU),
    min_priority_threshold=None,
    usage=AssocUsage(job_count=2, fairshare_factor=0.5, raw_usage=100),
)
QOS_HIGH = QOS(
    "high",
    id=2,
    description="high",
    flags=("DENY_LIMIT",),
    priority=100,
    usage_factor=2.0,
    grace_time=60,
    preempt_list=("normal",),
    preempt_mode=("REQUEUE",),
    grp_jobs=5,
    grp_submit_jobs=50,
    max_jobs_per_user=INFINITE,
    max_wall_per_job=120,
    max_tres_per_user=(GPU,),
)
CLUSTER = Cluster(
    "testbed",
    controller_host="127.0.0.1",
    controller_port=6817,
    flags=("MULTIPLE_SLURMD",),
    nodes="node[1-4]",
    select_plugin="cons_tres",
    root_association=AssocShort("root", "testbed", None, None, id=1),
    rpc_version=9728,
    tres=(CPU,),
)
STEP = AccountingStep(
    42,
    "0",
    name="hostname",
    state="CANCELLED",
    exit_code=9,
    nodes="node[1-2]",
    node_count=2,
    task_count=2,
    task_distribution="Block",
    cpu_governor=("Performance",),
    start=1700000010,
    end=1700000070,
    elapsed=60,
    time_limit=30,
    tres_allocated=(CPU,),
    tres_requested_max=(Tres("mem", id=2, count=1024),),
)
JOB = AccountingJob(
    42,
    name="sim",
    user="alice",
    group="alice",
    account="ops",
    cluster="testbed",
    partition="debug",
    qos="normal",
    association=SHORT,
    state="FAILED",
    state_reason="None",
    exit_code=2 << 8,
    derived_exit_code=9,
    flags=("STARTED_ON_SCHEDULE",),
    priority=100,
    nodes="node[1-2]",
    allocation_nodes=2,
    required_cpus=4,
    required_memory=512,
    required_memory_per_cpu=True,
    submission=1700000000,
    eligible=1700000000,
    start=1700000005,
    end=1700000070,
    elapsed=65,
    time_limit=INFINITE,
    tres_allocated=(CPU,),
    tres_requested=(CPU, Tres("mem", id=2, count=2048)),
    working_directory="/home/alice",
    steps=(STEP, AccountingStep(42, "batch", state="PENDING")),
)
STATS = DbdStats(
    1700000000,
    rollups=(
        RollupStat(RollupPeriod.HOURLY, count=2, last_run=1700003600, last_cycle=10, total_time=30),
        RollupStat(RollupPeriod.DAILY),
    ),
    rpcs=(RpcStat("DBD_GET_JOBS_COND", count=3, time_total=300, time_average=100),),
    users=(RpcStat("alice", count=3, time_total=300, time_average=100),),
)
INSTANCE = Instance("testbed", "node1", "i-123", "t3.large", time_start=1700000000)

# (schema name, renderer, record, known deviations) for dbv0.0.38. The
# deviations are the real 22.05 daemon's: its bodies disagree with its own
# schema there (GET_slurmdb_v0.0.38_qos.json and _jobs.json show the same).
DBV0_0_38 = [
    ("dbv0.0.38_account", accounts.render_account, ACCOUNT, []),
    ("dbv0.0.38_user", users.render_user, USER, []),
    ("dbv0.0.38_association", associations.render_association, ASSOCIATION, []),
    ("dbv0.0.38_qos", qos.render_qos, QOS_HIGH, ["id: 2 is not of type 'string', 'null'"]),
    ("dbv0.0.38_wckey", wckeys.render_wckey, WCKEY, []),
    ("dbv0.0.38_cluster_info", clusters.render_cluster, CLUSTER, []),
    (
        "dbv0.0.38_job",
        jobs.render_job,
        JOB,
        [
            "allocation_nodes: 2 is not of type 'string', 'null'",
            "steps/0/step/id: 0 is not of type 'string', 'null'",
            "steps/0/task: {'distribution': 'Block'} is not of type 'string', 'null'",
            "steps/1/task: {'distribution': None} is not of type 'string', 'null'",
        ],
    ),
]


@pytest.mark.parametrize(("schema", "render", "record", "deviations"), DBV0_0_38)
def test_dbv0_0_38_hand_built(schema, render, record, deviations):
    assert sorted(schema_errors("dbv0.0.38", schema, render(record), allow_null=True)) == sorted(
        deviations
    )


def test_dbv0_0_38_tres_and_diag():
    assert schema_errors("dbv0.0.38", "dbv0.0.38_tres_list", [tres.render_tres(GPU)]) == []
    body = {"statistics": diag.render_diag(STATS)}
    assert schema_errors("dbv0.0.38", "dbv0.0.38_diag", body, allow_null=True) == []
    # A rollup that never ran is not listed; the mean is total / count.
    assert [r["type"] for r in body["statistics"]["rollups"]] == ["internal"]
    assert body["statistics"]["rollups"][0]["mean_cycles"] == 15


def test_dbv0_0_38_selected_values():
    out = qos.render_qos(QOS_HIGH)
    assert out["limits"]["max"]["jobs"]["active_jobs"]["per"]["user"] is None  # infinite
    assert out["limits"]["max"]["active_jobs"]["count"] == 5
    assert out["limits"]["max"]["tres"]["per"]["user"] == [
        {"type": "gres", "name": "gpu", "id": 1001, "count": 2}
    ]
    assoc = associations.render_association(ASSOCIATION)
    assert assoc["flags"] == ["DEFAULT"]
    assert assoc["is_default"] == 1
    assert assoc["max"]["per"]["account"]["wall_clock"] is None
    job = jobs.render_job(JOB)
    assert job["steps"][0]["nodes"] == {
        "list": ["node1", "node2"],
        "count": 2,
        "range": "node[1-2]",
    }
    assert job["steps"][1]["exit_code"] == {"status": "PENDING", "return_code": None}
    # Parsing inverts rendering, except for what 22.05 cannot say: no id or
    # lineage, no GrpSubmitJobs for a QOS, and "infinite" reads back as unset.
    assert associations.parse_association(assoc) == replace(
        ASSOCIATION, id=None, lineage=None, grp_wall=None
    )
    assert qos.parse_qos(out) == replace(QOS_HIGH, max_jobs_per_user=None, grp_submit_jobs=None)


# (schema, renderer, record) for v0.0.46.
V0_0_46 = [
    ("v0.0.46_account", slurmdb_accounts.render_account, ACCOUNT),
    ("v0.0.46_user", slurmdb_users.render_user, USER),
    ("v0.0.46_assoc", slurmdb_associations.render_assoc, ASSOCIATION),
    ("v0.0.46_qos", slurmdb_qos.render_qos, QOS_HIGH),
    ("v0.0.46_tres", slurmdb_tres.render_tres, GPU),
    ("v0.0.46_wckey", slurmdb_wckeys.render_wckey, WCKEY),
    ("v0.0.46_cluster_rec", slurmdb_clusters.render_cluster, CLUSTER),
    ("v0.0.46_job", slurmdb_jobs.render_job, JOB),
    ("v0.0.46_step", slurmdb_jobs.render_step, STEP),
    ("v0.0.46_instance", slurmdb_instances.render_instance, INSTANCE),
]


@pytest.mark.parametrize(("schema", "render", "record"), V0_0_46)
def test_v0_0_46_hand_built(schema, render, record):
    assert schema_errors("v0.0.46", schema, render(record)) == []


def test_v0_0_46_stats():
    out = slurmdb_diag.render_stats(STATS)
    # The schema's flattened required paths ("hourly/count") are dropped by
    # schema_check; the nested objects satisfy everything else.
    assert schema_errors("v0.0.46", "v0.0.46_stats_rec", out) == []
    assert out["rollups"]["hourly"] == {
        "count": 2,
        "last_run": 1700003600,
        "duration": {"last": 10, "max": 0, "time": 30},
    }
    assert out["rollups"]["monthly"]["count"] == 0  # every period is present
    assert out["users"] == [{"user": "alice", "count": 3, "time": {"average": 100, "total": 300}}]


def test_v0_0_46_qos_limits_infinite_vs_set():
    limits = slurmdb_qos.render_qos(QOS_HIGH)["limits"]
    assert limits["max"]["jobs"]["active_jobs"]["per"]["user"] == {
        "set": False,
        "infinite": True,
        "number": 0,
    }
    assert limits["max"]["jobs"]["count"] == {"set": True, "infinite": False, "number": 50}
    assert limits["max"]["active_jobs"]["accruing"] == {
        "set": False,
        "infinite": False,
        "number": 0,
    }
    assert limits["max"]["wall_clock"]["per"]["job"]["number"] == 120
    assert limits["grace_time"] == 60
    assert slurmdb_qos.render_qos(QOS_HIGH)["usage_factor"] == {
        "set": True,
        "infinite": False,
        "number": 2.0,
    }


def test_v0_0_46_user_associations_and_coordinators():
    out = slurmdb_users.render_user(USER)
    assert out["administrator_level"] == ["Operator"]
    assert out["coordinators"] == [
        {"name": "ops", "direct": True},
        {"name": "dev", "direct": False},
    ]
    assert out["associations"][1] == {
        "account": "research",
        "cluster": "testbed",
        "partition": "debug",
        "user": "alice",
        "id": 8,
    }
    assert out["default"] == {"qos": 1, "account": "ops", "wckey": "proj"}
    assert out["wckeys"][0]["accounting"][0]["TRES"] == {
        "type": "cpu",
        "name": "",
        "id": 1,
        "count": 4,
    }


def test_v0_0_46_job_steps_exit_codes_and_tres():
    out = slurmdb_jobs.render_job(JOB)
    assert out["exit_code"]["status"] == ["ERROR"]
    assert out["exit_code"]["return_code"]["number"] == 2
    assert out["derived_exit_code"]["signal"]["name"] == "KILL"
    assert out["time"]["limit"] == {"set": False, "infinite": True, "number": 0}
    assert out["required"]["memory_per_cpu"] == {"set": True, "infinite": False, "number": 512}
    assert out["required"]["memory_per_node"]["set"] is False
    assert out["tres"]["requested"][1] == {"type": "mem", "name": "", "id": 2, "count": 2048}
    assert [s["step"]["id"] for s in out["steps"]] == ["0", "batch"]
    first = out["steps"][0]
    assert first["exit_code"]["signal"]["id"]["number"] == 9
    assert first["state"] == ["CANCELLED"]
    assert first["nodes"] == {"count": 2, "range": "node[1-2]", "list": ["node1", "node2"]}
    assert first["time"]["end"] == {"set": True, "infinite": False, "number": 1700000070}
    assert first["CPU"]["governor"] == "Performance"
    assert out["steps"][1]["time"]["start"]["set"] is False
