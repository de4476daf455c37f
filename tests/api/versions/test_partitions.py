"""Partition records: v0.0.38 render/parse against the real 22.05 captures, v0.0.46 shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schema_check import schema_errors
from slurmrestd.api.numbers import INFINITE, no_val
from slurmrestd.api.versions.v0_0_38 import partitions as v38
from slurmrestd.api.versions.v0_0_46 import partitions as v46
from slurmrestd.model.partition import (
    OverSubscribe,
    Partition,
    PartitionFlag,
    PartitionState,
    PreemptMode,
)

CAPTURES = (
    "GET_slurm_v0.0.38_partitions.json",
    "GET_slurm_v0.0.38_partition_{partition_name}.json",
)


def captured(reference: Path) -> dict[str, list[dict]]:
    responses = reference / "slurm-22.05" / "responses"
    return {name: json.loads((responses / name).read_text())["partitions"] for name in CAPTURES}


def test_every_captured_partition_round_trips_byte_for_byte(shared_reference):
    records = [rec for recs in captured(shared_reference).values() for rec in recs]
    assert [rec["name"] for rec in records] == ["debug", "batch", "batch"]
    for record in records:
        again = v38.render_partition(v38.parse_partition(record))
        assert json.dumps(again) == json.dumps(record)
        # 22.05 writes "min nodes per job" where its schema says min_nodes_per_job;
        # the schema allows extra keys, so that quirk is not a validation error.
        assert schema_errors("v0.0.38", "v0.0.38_partition", record, allow_null=True) == []


def test_captured_partitions_in_v0_0_46(shared_reference):
    debug, batch = captured(shared_reference)["GET_slurm_v0.0.38_partitions.json"]
    debug_body = v46.render_partition(v38.parse_partition(debug))
    batch_body = v46.render_partition(v38.parse_partition(batch))
    for body in (debug_body, batch_body):
        assert schema_errors("v0.0.46", "v0.0.46_partition_info", body) == []
    assert debug_body["flags"] == ["DEFAULT"]
    assert debug_body["maximums"]["time"] == no_val(INFINITE)
    assert debug_body["maximums"]["nodes"] == {"set": False, "infinite": True, "number": 0}
    assert debug_body["defaults"]["time"] == no_val(None)
    assert batch_body["maximums"]["time"] == no_val(1440)
    assert batch_body["defaults"]["time"] == no_val(60)
    assert batch_body["nodes"] == {"allowed_allocation": "", "configured": "node[3-4]", "total": 2}
    assert batch_body["partition"]["state"] == ["UP"]
    assert batch_body["preempt_mode"] == ["DISABLED"]


def odd_partition() -> Partition:
    return Partition(
        name="gpu",
        nodes="gpu[1-8]",
        state=PartitionState.DRAIN,
        flags=frozenset(
            {PartitionFlag.EXCLUSIVE_USER, PartitionFlag.HIDDEN, PartitionFlag.DEFAULT}
        ),
        max_time=2880,
        default_time=INFINITE,
        max_nodes=4,
        max_cpus_per_node=None,
        over_time_limit=INFINITE,
        def_mem_per_cpu=2048,
        max_mem_per_node=INFINITE,
        preempt_mode=frozenset({PreemptMode.GANG, PreemptMode.SUSPEND}),
        allowed_accounts="research,ops",
        oversubscribe=OverSubscribe.FORCE,
        oversubscribe_jobs=4,
        total_cpus=512,
        total_nodes=8,
    )


def test_hand_built_partition_in_v0_0_38():
    body = v38.render_partition(odd_partition())
    assert schema_errors("v0.0.38", "v0.0.38_partition", body, allow_null=True) == []
    assert body["flags"] == ["default", "hidden", "exclusive_user"]
    assert body["preemption_mode"] == ["suspend", "gang_schedule"]
    assert body["state"] == "DRAIN"
    assert body["max_time_limit"] == 2880
    assert body["default_time_limit"] == -1
    assert body["maximum_cpus_per_node"] is None
    assert body["maximum_memory_per_node"] == -1
    assert body["default_memory_per_cpu"] == 2048
    assert body["over_time_limit"] == 65535
    assert body["min nodes per job"] == 0
    again = v38.parse_partition(body)
    assert again.flags == odd_partition().flags
    assert again.over_time_limit == INFINITE
    assert again.default_time == INFINITE


def test_parse_partition_rejects_unknown_flag():
    body = {**v38.render_partition(Partition(name="p")), "flags": ["sticky"]}
    with pytest.raises(ValueError, match="sticky"):
        v38.parse_partition(body)


def test_hand_built_partition_in_v0_0_46():
    body = v46.render_partition(odd_partition())
    assert schema_errors("v0.0.46", "v0.0.46_partition_info", body) == []
    # exclusive flags leave the flag list for partition/exclusive
    assert body["flags"] == ["DEFAULT", "HIDDEN"]
    assert body["partition"] == {
        "exclusive": "USER",
        "oversubscribe": "FORCE:4",
        "state": ["DRAIN"],
    }
    assert body["preempt_mode"] == ["SUSPEND"]
    assert body["maximums"]["over_time_limit"] == no_val(INFINITE)
    assert body["maximums"]["cpus_per_node"] == no_val(None)
    assert body["defaults"]["partition_memory_per_cpu"] == no_val(2048)
    assert body["accounts"] == {"allowed": "research,ops", "deny": ""}


@pytest.mark.parametrize(
    ("mode", "jobs", "text"),
    [
        (OverSubscribe.NO, 1, "NO"),
        (OverSubscribe.EXCLUSIVE, 1, "EXCLUSIVE"),
        (OverSubscribe.YES, 4, "YES:4"),
        (OverSubscribe.FORCE, 2, "FORCE:2"),
    ],
)
def test_oversubscribe_text(mode, jobs, text):
    assert (
        v46.oversubscribe_text(Partition("p", oversubscribe=mode, oversubscribe_jobs=jobs)) == text
    )


@pytest.mark.parametrize(
    ("flags", "text"),
    [
        (frozenset(), "NO"),
        (frozenset({PartitionFlag.EXCLUSIVE_TOPO}), "TOPO"),
        (frozenset({PartitionFlag.EXCLUSIVE_TOPO, PartitionFlag.EXCLUSIVE_USER}), "USER,TOPO"),
    ],
)
def test_exclusive_text(flags, text):
    assert v46.exclusive_text(Partition("p", flags=flags)) == text


def test_is_default():
    assert Partition("p", flags=frozenset({PartitionFlag.DEFAULT})).is_default
    assert not Partition("p").is_default


def test_preempt_modes_a_version_cannot_name_are_left_out():
    part = Partition("p", preempt_mode=frozenset({PreemptMode.CLUSTER_GLOBAL, PreemptMode.GANG}))
    assert v38.render_partition(part)["preemption_mode"] == ["gang_schedule"]
    assert v46.render_partition(part)["preempt_mode"] == ["CLUSTER_GLOBAL"]
