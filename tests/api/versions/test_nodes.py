"""Node records: v0.0.38 render/parse against the real 22.05 captures, v0.0.46 shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schema_check import schema_errors
from slurmrestd.api.numbers import no_val
from slurmrestd.api.versions.v0_0_38 import nodes as v38
from slurmrestd.api.versions.v0_0_46 import nodes as v46
from slurmrestd.model.node import Node, NodeEnergy, NodeFlag, NodeState

CAPTURES = (
    "GET_slurm_v0.0.38_nodes.json",
    "GET_slurm_v0.0.38_node_{node_name}.json",
    "GET_slurm_v0.0.38_node_{node_name}__drained.json",
)


def captured(reference: Path) -> list[dict]:
    responses = reference / "slurm-22.05" / "responses"
    return [rec for name in CAPTURES for rec in json.loads((responses / name).read_text())["nodes"]]


def test_every_captured_node_round_trips_byte_for_byte(shared_reference):
    records = captured(shared_reference)
    assert len(records) == 6
    for record in records:
        again = v38.render_node(v38.parse_node(record))
        # json text compares key order and int/float spelling too
        assert json.dumps(again) == json.dumps(record)
        assert schema_errors("v0.0.38", "v0.0.38_node", record, allow_null=True) == []


def test_captured_nodes_render_valid_v0_0_46(shared_reference):
    for record in captured(shared_reference):
        body = v46.render_node(v38.parse_node(record))
        assert schema_errors("v0.0.46", "v0.0.46_node", body) == []
        assert body["name"] == record["name"]
        assert body["alloc_idle_cpus"] == record["idle_cpus"]
        assert body["boot_time"] == no_val(record["boot_time"])


def test_drained_node_in_v0_0_46(shared_reference):
    responses = shared_reference / "slurm-22.05" / "responses"
    name = "GET_slurm_v0.0.38_node_{node_name}__drained.json"
    record = json.loads((responses / name).read_text())["nodes"][0]
    node = v38.parse_node(record)
    assert node.flags == {NodeFlag.DRAIN}
    body = v46.render_node(node)
    assert body["state"] == ["IDLE", "DRAIN"]
    assert body["reason"] == "capture-reference drain"
    assert body["reason_set_by_user"] == "root"
    assert body["reason_changed_at"] == no_val(1795218506)
    assert body["next_state_after_reboot"] == ["INVALID"]
    assert body["owner"] == ""


def busy_node() -> Node:
    return Node(
        name="gpu7",
        state=NodeState.MIXED,
        flags=frozenset({NodeFlag.NOT_RESPONDING, NodeFlag.DRAIN, NodeFlag.COMPLETING}),
        next_state=NodeState.IDLE,
        next_state_flags=frozenset({NodeFlag.RESERVED}),
        hostname="gpu7.example",
        address="10.0.0.7",
        port=6818,
        cpus=64,
        sockets=2,
        cores=16,
        threads=2,
        real_memory=256000,
        alloc_cpus=48,
        alloc_memory=128000,
        features=("a100", "ib"),
        active_features=("a100",),
        gres="gpu:a100:4",
        partitions=("gpu", "all"),
        reason="bad fan",
        reason_time=1700000000,
        reason_set_by="alice",
        owner="bob",
        tres="cpu=64,mem=250G",
        tres_used="cpu=48",
        tres_weighted=48.5,
    )


def test_hand_built_node_in_v0_0_38():
    body = v38.render_node(busy_node())
    assert schema_errors("v0.0.38", "v0.0.38_node", body, allow_null=True) == []
    assert body["state"] == "mixed"
    # 22.05's own flag table order, not bit order
    assert body["state_flags"] == ["COMPLETING", "DRAIN", "NOT_RESPONDING"]
    assert body["next_state_after_reboot"] == "idle"
    assert body["next_state_after_reboot_flags"] == ["RESERVED"]
    assert body["features"] == "a100,ib"
    assert body["partitions"] == ["gpu", "all"]
    assert body["idle_cpus"] == 16
    assert body["owner"] == "bob"
    assert v38.parse_node(body) == busy_node()


def test_v0_0_38_unset_numbers_are_the_raw_markers():
    body = v38.render_node(Node(name="n"))
    assert body["cpu_load"] == 4294967294
    assert body["free_memory"] == -2
    assert body["next_state_after_reboot"] == "invalid"
    assert body["next_state_after_reboot_flags"] == []
    assert body["tres_used"] is None
    assert body["reason_set_by_user"] is None
    node = v38.parse_node(body)
    assert node.cpu_load is None and node.free_memory is None and node.next_state is None


def test_v0_0_38_skips_flags_it_cannot_name():
    node = Node(name="n", flags=frozenset({NodeFlag.BLOCKED, NodeFlag.DRAIN}))
    assert v38.render_node(node)["state_flags"] == ["DRAIN"]


@pytest.mark.parametrize(
    ("record_change", "error"),
    [({"state_flags": ["NOPE"]}, ValueError), ({"state": "sleepy"}, ValueError)],
)
def test_parse_node_rejects_unknown_names(record_change, error):
    body = {**v38.render_node(Node(name="n")), **record_change}
    with pytest.raises(error):
        v38.parse_node(body)


def test_parse_node_needs_every_key():
    body = v38.render_node(Node(name="n"))
    del body["cpus"]
    with pytest.raises(KeyError):
        v38.parse_node(body)


@pytest.mark.parametrize(
    ("state", "flags", "expected"),
    [
        (None, frozenset({NodeFlag.DRAIN}), ["INVALID"]),
        (NodeState.DOWN, frozenset({NodeFlag.PERFCTRS}), ["DOWN"]),
        (
            NodeState.IDLE,
            frozenset({NodeFlag.POWER_DRAIN, NodeFlag.POWER_DOWN, NodeFlag.DRAIN}),
            ["IDLE", "DRAIN", "POWER_DOWN", "POWER_DRAIN", "POWER_DOWN_ASAP"],
        ),
        (
            NodeState.IDLE,
            frozenset({NodeFlag.POWERED_DOWN, NodeFlag.POWER_DOWN, NodeFlag.BLOCKED}),
            ["IDLE", "POWERED_DOWN", "POWER_DOWN", "POWER_DOWN_FORCE", "BLOCKED"],
        ),
    ],
)
def test_v0_0_46_state_arrays(state, flags, expected):
    assert v46.state_names(state, flags) == expected


def test_hand_built_node_in_v0_0_46():
    body = v46.render_node(busy_node())
    assert schema_errors("v0.0.46", "v0.0.46_node", body) == []
    assert body["state"] == ["MIXED", "DRAIN", "COMPLETING", "NOT_RESPONDING"]
    assert body["next_state_after_reboot"] == ["IDLE", "RESERVED"]
    assert body["features"] == ["a100", "ib"]
    assert body["effective_cpus"] == 64
    assert body["free_mem"] == no_val(None)
    assert body["tres_used"] == "cpu=48"


def test_v0_0_46_newer_only_fields():
    node = Node(
        name="n",
        cpus=8,
        effective_cpus=6,
        cert_token_set=True,
        energy=NodeEnergy(current_watts=120, consumed_energy=5000),
    )
    body = v46.render_node(node)
    assert body["effective_cpus"] == 6
    assert body["cert_flags"] == ["TOKEN_SET"]
    assert body["energy"]["current_watts"] == no_val(120)
    assert body["energy"]["consumed_energy"] == 5000
