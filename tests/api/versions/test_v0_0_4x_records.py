"""v0.0.40 ... v0.0.45 record shapes: the canonical records the v0.0.46 tests build,
rendered by every in-between version, fit that version's schema with exactly its
property set; then the deltas themselves, value by value."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import test_db_hand_built as db
from test_db_v0_0_46 import CONFIG_KINDS
from test_diag import busy_diag
from test_jobs_v0_0_46 import all_captured_jobs
from test_nodes import busy_node
from test_partitions import odd_partition
from test_reservations import purging_reservation

from schema_check import SPECS, schema_errors
from slurmrestd.api.numbers import INFINITE, no_val
from slurmrestd.model.job import AllocatedCore, AllocatedNode, Job, JobResources, JobState
from slurmrestd.model.node import NodeFlag
from slurmrestd.model.partition import OverSubscribe
from slurmrestd.model.reservation import ReservationFlag

VERSIONS = range(40, 46)


def module(version: int, name: str) -> Any:
    return importlib.import_module(f"slurmrestd.api.versions.v0_0_{version}.{name}")


@cache
def schemas(version: int) -> dict[str, Any]:
    return json.loads((SPECS / f"v0.0.{version}.json").read_text())["components"]["schemas"]


def key_problems(version: int, schema: str, value: Any) -> list[str]:
    """Keys missing from or extra to each object's schema properties, recursively."""
    found: list[str] = []

    def walk(node: dict[str, Any], data: Any, path: str) -> None:
        while "$ref" in node:
            node = schemas(version)[node["$ref"].rsplit("/", 1)[1]]
        props = node.get("properties")
        if props and isinstance(data, dict):
            found.extend(f"missing {path}{key}" for key in props if key not in data)
            found.extend(f"extra {path}{key}" for key in data if key not in props)
            for key in props.keys() & data.keys():
                walk(props[key], data[key], f"{path}{key}/")
        elif node.get("type") == "array" and isinstance(data, list):
            for index, item in enumerate(data):
                walk(node.get("items", {}), item, f"{path}{index}/")

    walk({"$ref": f"#/components/schemas/v0.0.{version}_{schema}"}, value, "")
    return found


def allocated_job() -> Job:
    """A running job with every field a delta touches set to something visible."""
    node = AllocatedNode(
        "node1",
        (AllocatedCore(0, 0, in_use=True), AllocatedCore(0, 1)),
        cpus=2,
        memory_allocated=512,
    )
    return Job(
        job_id=7,
        state=JobState.RUNNING,
        state_flags=frozenset({"EXPEDITING", "REQUEUED"}),
        flags=frozenset(
            {
                "RESET_SPREAD_SEGMENTS",
                "JOB_IMPLICIT_MAX_NODES",
                "SPREAD_SEGMENTS",
                "EXTERNAL_JOB",
                "STEPMGR_ENABLED",
                "JOB_WAS_RUNNING",
            }
        ),
        runtime="crun",
        shared="topo",
        required_switches=2,
        priority_by_partition=(("debug", 10),),
        submit_line="sbatch x.sh",
        segment_size=4,
        stdout_expanded="/tmp/out.7",
        nodes="node1",
        job_resources=JobResources(
            nodes="node1",
            cpus=2,
            host_count=1,
            allocated_nodes=(node,),
            select_type=("CR_CORE_MEMORY",),
            node_select_type=("AVAILABLE",),
        ),
    )


# Records of the controller: (schema suffix, module, renderer, record builders).
CONTROLLER: list[tuple[str, str, str, Callable[[Path], list[Any]]]] = [
    ("job_info", "jobs", "render_job", lambda ref: [allocated_job(), *all_captured_jobs(ref)]),
    ("node", "resources", "render_node", lambda ref: [busy_node()]),
    ("partition_info", "resources", "render_partition", lambda ref: [odd_partition()]),
    ("reservation_info", "resources", "render_reservation", lambda ref: [purging_reservation()]),
    ("stats_msg", "resources", "render_diag", lambda ref: [busy_diag()]),
]
# slurmdbd records: (schema suffix, shape name in the slurmdb modules, records).
SLURMDB: list[tuple[str, str, list[Any]]] = [
    ("account", "ACCOUNT", [db.ACCOUNT]),
    ("user", "USER", [db.USER]),
    ("assoc", "ASSOCIATION", [db.ASSOCIATION]),
    ("qos", "QOS", [db.QOS_HIGH, replace(db.QOS_HIGH, flags=("DELETED", "PARTITION_QOS"))]),
    ("tres", "TRES", [db.GPU]),
    ("wckey", "WCKEY", [db.WCKEY]),
    ("cluster_rec", "CLUSTER", [db.CLUSTER, replace(db.CLUSTER, flags=("DELETED",))]),
    ("job", "JOB", [db.JOB, replace(db.JOB, flags=("JOB_ALTERED",))]),
    ("step", "STEP", [db.STEP]),
    ("instance", "INSTANCE", [db.INSTANCE]),
    ("stats_rec", "STATS", [db.STATS]),
]

# Known deviations, as data:
# - a job without resources has job_resources {} (upstream writes it so), which
#   lacks what the newer job_res schemas require;
UNALLOCATED = ("job_resources: '", "missing job_resources/")
# - the canonical accounting job has no sluid, so neither v0.0.46 nor v0.0.45 can
#   write sluid/original_sluid (v0.0.44 and older have no such keys).
NO_SLUID = {45: {"missing sluid", "missing original_sluid"}}


def unexplained(version: int, schema: str, record: Any, out: Any) -> list[str]:
    problems = schema_errors(f"v0.0.{version}", f"v0.0.{version}_{schema}", out)
    problems += key_problems(version, schema, out)
    if schema == "job_info" and record.job_resources is None:
        problems = [p for p in problems if not p.startswith(UNALLOCATED)]
    if schema == "job":
        problems = [p for p in problems if p not in NO_SLUID.get(version, set())]
    return problems


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("schema", "name", "render", "build"), CONTROLLER)
def test_controller_records_fit_the_schema_exactly(
    shared_reference: Path, version: int, schema: str, name: str, render: str, build: Any
) -> None:
    renderer = getattr(module(version, name), render)
    for record in build(shared_reference):
        assert unexplained(version, schema, record, renderer(record)) == [], record


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("schema", "shape", "records"), SLURMDB)
def test_slurmdb_records_fit_the_schema_exactly(
    version: int, schema: str, shape: str, records: list[Any]
) -> None:
    render = getattr(module(version, "slurmdb"), shape).render
    for record in records:
        assert unexplained(version, schema, record, render(record)) == [], record


def test_deviation_filters_still_match(shared_reference: Path) -> None:
    pending = next(j for j in all_captured_jobs(shared_reference) if j.job_resources is None)
    out = module(40, "jobs").render_job(pending)
    assert out["job_resources"] == {}
    assert key_problems(40, "job_info", out)  # the filter above has something to drop
    assert set(key_problems(45, "job", module(45, "slurmdb").JOB.render(db.JOB))) == NO_SLUID[45]


# v0.0.46 schema of test_db_v0_0_46.CONFIG_KINDS -> (schema suffix, slurmdb shape name)
CONFIG_SHAPES = {
    "v0.0.46_account": ("account", "ACCOUNT"),
    "v0.0.46_user": ("user", "USER"),
    "v0.0.46_assoc": ("assoc", "ASSOCIATION"),
    "v0.0.46_qos": ("qos", "QOS"),
    "v0.0.46_tres": ("tres", "TRES"),
    "v0.0.46_cluster_rec": ("cluster_rec", "CLUSTER"),
}


def test_captured_slurmdb_records_fit(shared_reference: Path) -> None:
    base = shared_reference / "slurm-22.05" / "responses"
    config = json.loads((base / "GET_slurmdb_v0.0.38_config.json").read_text())
    for version in VERSIONS:
        for key, (parse, _, schema46) in CONFIG_KINDS.items():
            schema, shape = CONFIG_SHAPES[schema46]
            render = getattr(module(version, "slurmdb"), shape).render
            for item in config[key]:
                record = parse(item)
                assert unexplained(version, schema, record, render(record)) == [], (version, key)


# --- jobs -------------------------------------------------------------------------------


def render_job(version: int, job: Job | None = None) -> dict[str, Any]:
    return module(version, "jobs").render_job(job or allocated_job())


def test_v45_calls_the_runtime_container_type() -> None:
    out = render_job(45)
    assert out["container_type"] == "crun" and "runtime" not in out
    assert "RESET_SPREAD_SEGMENTS" not in out["flags"]
    assert "JOB_IMPLICIT_MAX_NODES" in out["flags"]


def test_v44_select_type_parts_and_power() -> None:
    out = render_job(44)
    assert out["job_resources"]["select_type"] == ["CORE", "MEMORY"]
    assert out["power"] == {"flags": []}
    assert "JOB_IMPLICIT_MAX_NODES" not in out["flags"]
    assert "memory_update_delay" not in out and "container_type" not in out


def test_v43_has_no_expediting_state_or_step_id() -> None:
    out = render_job(43)
    assert out["job_state"] == ["RUNNING", "REQUEUED"]
    assert render_job(44)["job_state"] == ["RUNNING", "REQUEUED", "EXPEDITING"]
    assert "step_id" not in out and "SPREAD_SEGMENTS" not in out["flags"]


def test_v42_has_no_expanded_paths() -> None:
    out = render_job(42)
    assert "stdout_expanded" not in out and "segment_size" not in out
    assert "EXTERNAL_JOB" not in out["flags"] and "EXTERNAL_JOB" in render_job(43)["flags"]
    assert render_job(43)["stdout_expanded"] == "/tmp/out.7"


@pytest.mark.parametrize(
    ("shared", "exclusive", "oversubscribe"),
    [
        (None, [], False),
        ("none", ["true"], False),
        ("oversubscribe", ["false"], True),
        ("user", ["user"], False),
        ("topo", ["topo"], False),
    ],
)
def test_v41_deprecated_sharing_fields(shared, exclusive, oversubscribe) -> None:
    out = render_job(41, Job(job_id=1, shared=shared))
    assert (out["exclusive"], out["oversubscribe"]) == (exclusive, oversubscribe)


def test_v41_switches_show_flags_and_no_partition_priorities() -> None:
    out = render_job(41)
    assert out["minimum_switches"] == 2 and "required_switches" not in out
    assert out["show_flags"] == ["ALL", "DETAIL", "LOCAL"]
    assert "priority_by_partition" not in out
    assert render_job(42)["priority_by_partition"] == [{"partition": "debug", "priority": 10}]


def test_v40_flat_job_resources_and_no_topo() -> None:
    out = render_job(40)
    assert out["job_resources"] == {
        "nodes": "node1",
        "allocated_cores": 2,
        "allocated_cpus": 2,
        "allocated_hosts": 1,
        "allocated_nodes": [
            {
                "nodename": "node1",
                "cpus_used": 0,
                "memory_used": 0,
                "memory_allocated": 512,
                "sockets": {"0": {"cores": {"0": "allocated_and_in_use", "1": "allocated"}}},
            }
        ],
    }
    assert out["exclusive"] == [] and out["shared"] == []  # "topo" is not a 23.11 name
    assert "STEPMGR_ENABLED" not in out["flags"]
    assert render_job(40, Job(job_id=2))["job_resources"] == {}


# --- nodes, partitions, reservations, statistics ----------------------------------------


def resources(version: int) -> Any:
    return module(version, "resources")


def test_v44_node_keeps_power_fields_and_drops_combined_states() -> None:
    node = replace(
        busy_node(), flags=frozenset({NodeFlag.POWER_DOWN, NodeFlag.POWER_DRAIN}), suspend_time=60
    )
    out = resources(44).render_node(node)
    assert out["state"] == ["MIXED", "POWER_DOWN", "POWER_DRAIN"]
    assert resources(45).render_node(node)["state"][-1] == "POWER_DOWN_ASAP"
    assert (out["external_sensors"], out["power"], out["tres_weighted"]) == ({}, {}, 48.5)
    assert "suspend_time" not in out
    assert resources(45).render_node(node)["suspend_time"] == no_val(60)


def test_v43_node_without_blocked_and_v42_without_certificates() -> None:
    node = replace(busy_node(), flags=frozenset({NodeFlag.BLOCKED, NodeFlag.DRAIN}))
    assert resources(43).render_node(node)["state"] == ["MIXED", "DRAIN"]
    assert resources(44).render_node(node)["state"] == ["MIXED", "DRAIN", "BLOCKED"]
    out = resources(42).render_node(node)
    assert not {"cert_flags", "tls_cert_last_renewal", "topology"} & set(out)
    assert "gpu_spec" in out and "gpu_spec" not in resources(40).render_node(node)


def test_v45_partition_keeps_oversubscribe_count() -> None:
    out = resources(45).render_partition(odd_partition())  # FORCE:4, DefMemPerCPU=2048
    assert out["maximums"]["oversubscribe"] == {"jobs": 4, "flags": ["force"]}
    assert out["maximums"]["shares"] == 4
    assert out["maximums"]["memory_per_cpu"] == 0  # MaxMemPerCPU not set
    assert out["defaults"]["memory_per_cpu"] == 2048
    exclusive = replace(odd_partition(), oversubscribe=OverSubscribe.EXCLUSIVE)
    assert resources(45).render_partition(exclusive)["maximums"]["shares"] == 0


def test_v44_partition_binding_mask_and_no_flags() -> None:
    part = replace(
        odd_partition(), cpu_binding=("CPU_BIND_TO_CORES", "VERBOSE"), select_type=("CR_CPU",)
    )
    out = resources(44).render_partition(part)
    assert out["cpus"]["task_binding"] == 0x4 | 0x1
    assert out["select_type"] == ["CPU"]
    assert out["partition"] == {"state": ["DRAIN"]}
    assert "flags" not in out and "preempt_mode" not in out
    assert "topology" in out and "topology" not in resources(42).render_partition(part)
    assert "select_type" not in resources(40).render_partition(part)


def test_reservation_watts_and_flags() -> None:
    res = replace(
        purging_reservation(),
        flags=frozenset({ReservationFlag.MAINT, ReservationFlag.FORCE_START,
                         ReservationFlag.USER_DELETE}),
    )  # fmt: skip
    assert resources(44).render_reservation(res)["watts"] == no_val(INFINITE)
    assert "watts" not in resources(45).render_reservation(res)
    assert "FORCE_START" in resources(44).render_reservation(res)["flags"]
    assert resources(43).render_reservation(res)["flags"] == ["MAINT", "USER_DELETE"]
    assert resources(40).render_reservation(res)["flags"] == ["MAINT"]


def test_statistics_parts_packed_and_23_11_rpcs() -> None:
    diag = replace(busy_diag(), parts_packed=3)
    assert resources(44).render_diag(diag)["parts_packed"] == 3
    assert "parts_packed" not in resources(45).render_diag(diag)
    out = resources(40).render_diag(diag)
    assert out["rpcs_by_message_type"] == [
        {"type_id": 2003, "message_type": "REQUEST_JOB_INFO", "count": 3, "total_time": 10,
         "average_time": 3}
    ]  # fmt: skip
    assert out["rpcs_by_user"][0]["average_time"] == 4
    assert not {"pending_rpcs", "schedule_cycle_depth", "bf_cycle_max"} & set(out)


# --- slurmdbd records -------------------------------------------------------------------


def slurmdb(version: int) -> Any:
    return module(version, "slurmdb")


def test_v44_cluster_select_plugin_and_step_pid() -> None:
    assert slurmdb(44).CLUSTER.render(db.CLUSTER)["select_plugin"] == "cons_tres"
    assert "select_plugin" not in slurmdb(45).CLUSTER.render(db.CLUSTER)
    step = slurmdb(44).STEP.render(replace(db.STEP, pid="1234"))
    assert step["pid"] == "1234" and "submit_line" not in step
    job = slurmdb(44).JOB.render(db.JOB)
    assert "exclusive" not in job and job["steps"][0]["pid"] == ""


def test_v43_user_has_no_default_qos_and_v42_no_deleted_flag() -> None:
    assert slurmdb(43).USER.render(db.USER)["default"] == {"account": "ops", "wckey": "proj"}
    assert slurmdb(42).CLUSTER.render(replace(db.CLUSTER, flags=("DELETED",)))["flags"] == []
    assert slurmdb(43).JOB.render(replace(db.JOB, flags=("JOB_ALTERED",)))["flags"] == []
    steps = slurmdb(42).JOB.render(db.JOB)["steps"]
    assert "limit" not in steps[0]["time"] and "stdout" not in steps[0]["step"]


def test_v41_usage_without_alternate_id_and_fewer_qos_limits() -> None:
    user = slurmdb(41).USER.render(db.USER)
    assert "id_alt" not in user["wckeys"][0]["accounting"][0]
    assert "id_alt" in slurmdb(42).USER.render(db.USER)["wckeys"][0]["accounting"][0]
    limits = slurmdb(41).QOS.render(db.QOS_HIGH)["limits"]["max"]
    assert "count" not in limits["jobs"] and "total" not in limits["tres"]["minutes"]


def test_v40_association_id_object_and_rollup_list() -> None:
    out = slurmdb(40).ASSOCIATION.render(db.ASSOCIATION)
    assert out["id"] == {"account": "ops", "cluster": "testbed", "partition": "", "user": "alice",
                         "id": 7}  # fmt: skip
    rollups = slurmdb(40).STATS.render(db.STATS)["rollups"]
    assert [r["type"] for r in rollups] == ["internal", "user", "unknown"]
    assert rollups[0] == {"type": "internal", "last run": 1700003600, "max_cycle": 0,
                          "total_time": 30, "total_cycles": 2, "mean_cycles": 15}  # fmt: skip
    flags = slurmdb(40).ACCOUNT.render(replace(db.ACCOUNT, flags=("DELETED", "UsersAreCoords")))
    assert flags["flags"] == ["DELETED"]
    assert "stdout" not in slurmdb(40).JOB.render(db.JOB)
