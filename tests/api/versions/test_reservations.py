"""Reservation records: v0.0.38 render/parse against the real 22.05 captures, v0.0.46 shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schema_check import schema_errors
from slurmrestd.api.numbers import INFINITE, no_val
from slurmrestd.api.versions.v0_0_38 import reservations as v38
from slurmrestd.api.versions.v0_0_46 import reservations as v46
from slurmrestd.model.reservation import CoreSpec, Reservation, ReservationFlag

CAPTURES = (
    "GET_slurm_v0.0.38_reservations.json",
    "GET_slurm_v0.0.38_reservation_{reservation_name}.json",
)


def captured(reference: Path) -> list[dict]:
    responses = reference / "slurm-22.05" / "responses"
    return [
        rec
        for name in CAPTURES
        for rec in json.loads((responses / name).read_text())["reservations"]
    ]


def test_every_captured_reservation_round_trips_byte_for_byte(shared_reference):
    records = captured(shared_reference)
    assert len(records) == 2
    for record in records:
        again = v38.render_reservation(v38.parse_reservation(record))
        assert json.dumps(again) == json.dumps(record)
        assert schema_errors("v0.0.38", "v0.0.38_reservation", record, allow_null=True) == []


def test_captured_reservation_in_v0_0_46(shared_reference):
    record = captured(shared_reference)[0]
    res = v38.parse_reservation(record)
    assert res.watts is None  # 22.05 wrote the raw uint32 "not set" marker
    body = v46.render_reservation(res)
    assert schema_errors("v0.0.46", "v0.0.46_reservation_info", body) == []
    assert body["start_time"] == no_val(1795304902)
    assert body["end_time"] == no_val(1795308502)
    assert body["flags"] == ["IGNORE_JOBS", "SPEC_NODES"]
    assert body["users"] == "alice"
    assert body["purge_completed"] == {"time": no_val(None)}
    assert "watts" not in body


def purging_reservation() -> Reservation:
    return Reservation(
        name="weekly",
        node_list="node[1-2]",
        node_count=2,
        core_count=4,
        core_specializations=(CoreSpec("node1", "0-1"), CoreSpec("node2", "0-1")),
        start_time=1700000000,
        end_time=1700003600,
        flags=frozenset(
            {
                ReservationFlag.SPEC_NODES,
                ReservationFlag.PURGE_COMP,
                ReservationFlag.MAINT,
                ReservationFlag.FLEX,
                ReservationFlag.FIRST_CORES,
            }
        ),
        users="alice,bob",
        watts=INFINITE,
        purge_completed_time=300,
    )


def test_hand_built_reservation_in_v0_0_38():
    body = v38.render_reservation(purging_reservation())
    assert schema_errors("v0.0.38", "v0.0.38_reservation", body, allow_null=True) == []
    # 22.05's table order; PURGE_COMP is the purge_completed object, not a name
    assert body["flags"] == ["MAINT", "FLEX", "SPEC_NODES", "FIRST_CORES"]
    keys = list(body)
    assert keys[keys.index("partition") + 1] == "purge_completed"
    assert body["purge_completed"] == {"time": 300}
    assert body["core_spec_cnt"] == 2
    assert body["watts"] == 4294967295
    again = v38.parse_reservation(body)
    assert again.flags == purging_reservation().flags
    assert again.purge_completed_time == 300
    assert again.watts == INFINITE
    assert len(again.core_specializations) == 2


def test_v0_0_38_without_purge_has_no_purge_object():
    body = v38.render_reservation(Reservation(name="r"))
    assert "purge_completed" not in body
    assert body["watts"] == 4294967294
    assert v38.parse_reservation(body).purge_completed_time is None


def test_parse_reservation_rejects_unknown_flag():
    body = {**v38.render_reservation(Reservation(name="r")), "flags": ["SOMETIMES"]}
    with pytest.raises(ValueError):
        v38.parse_reservation(body)


def test_hand_built_reservation_in_v0_0_46():
    body = v46.render_reservation(purging_reservation())
    assert schema_errors("v0.0.46", "v0.0.46_reservation_info", body) == []
    # bit order; FIRST_CORES no longer exists
    assert body["flags"] == ["MAINT", "SPEC_NODES", "PURGE_COMP", "FLEX"]
    assert body["purge_completed"] == {"time": no_val(300)}
    assert body["core_specializations"] == [
        {"node": "node1", "core": "0-1"},
        {"node": "node2", "core": "0-1"},
    ]
