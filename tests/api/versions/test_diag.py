"""Controller statistics: derived means, v0.0.38 against the 22.05 capture, v0.0.46 shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schema_check import schema_errors
from slurmrestd.api.numbers import no_val
from slurmrestd.api.versions.v0_0_38 import diag as v38
from slurmrestd.api.versions.v0_0_46 import diag as v46
from slurmrestd.model.diag import (
    BackfillExitCounts,
    ControllerDiag,
    PendingRpc,
    PendingRpcHosts,
    RpcTypeStats,
    RpcUserStats,
)


def captured(reference: Path) -> dict:
    path = reference / "slurm-22.05" / "responses" / "GET_slurm_v0.0.38_diag.json"
    return json.loads(path.read_text())["statistics"]


def test_captured_statistics_round_trip_byte_for_byte(shared_reference):
    record = captured(shared_reference)
    again = v38.render_diag(v38.parse_diag(record))
    assert json.dumps(again) == json.dumps(record)
    # validated without `meta`: 22.05 writes its version numbers as integers
    # where its own schema says string, which is the envelope's business.
    wrapped = {"statistics": record}
    assert schema_errors("v0.0.38", "v0.0.38_diag", wrapped, allow_null=True) == []


def test_parse_diag_rebuilds_sums_from_means(shared_reference):
    diag = v38.parse_diag(captured(shared_reference))
    assert diag.schedule_cycle_counter == 5
    assert diag.schedule_cycle_sum == 659 * 5
    assert diag.schedule_cycle_depth == 5
    assert diag.rpcs_by_type[0] == RpcTypeStats(1008, "REQUEST_PING", 13, 2191)
    assert diag.rpcs_by_user[2] == RpcUserStats(1001, "alice", 70, 21944)


def test_captured_statistics_in_v0_0_46(shared_reference):
    body = v46.render_diag(v38.parse_diag(captured(shared_reference)))
    assert schema_errors("v0.0.46", "v0.0.46_stats_msg", body) == []
    assert body["req_time"] == no_val(1795218505)
    assert body["job_states_ts"] == no_val(1795218478)
    assert (body["jobs_submitted"], body["jobs_pending"], body["jobs_canceled"]) == (20, 9, 5)
    assert body["schedule_cycle_total"] == 5
    assert body["schedule_cycle_mean"] == 659
    assert body["schedule_cycle_sum"] == 3295
    ping = body["rpcs_by_message_type"][0]
    assert ping["message_type"] == "REQUEST_PING"
    assert ping["average_time"] == no_val(168)
    assert body["rpcs_by_user"][0]["average_time"] == no_val(825)
    assert body["bf_active"] is False


@pytest.mark.parametrize(
    ("total", "count", "mean"),
    [(2191, 13, 168), (100, 0, 0), (7, 7, 1)],
)
def test_rpc_average_truncates_like_the_controller(total, count, mean):
    assert RpcTypeStats(1, "X", count, total).average_time == mean
    assert RpcUserStats(0, "root", count, total).average_time == mean


@pytest.mark.parametrize(
    ("elapsed", "cycles", "per_minute"),
    [(57, 5, 0), (60, 5, 0), (61, 5, 5), (180, 10, 3), (600, 7, 0)],
)
def test_schedule_cycle_per_minute_needs_more_than_a_minute(elapsed, cycles, per_minute):
    diag = ControllerDiag(
        req_time=1000 + elapsed, req_time_start=1000, schedule_cycle_counter=cycles
    )
    assert diag.schedule_cycle_per_minute == per_minute


def busy_diag() -> ControllerDiag:
    return ControllerDiag(
        req_time=1700000600,
        req_time_start=1700000000,
        schedule_cycle_sum=1000,
        schedule_cycle_counter=3,
        schedule_cycle_depth=10,
        bf_cycle_counter=4,
        bf_cycle_sum=4002,
        bf_depth_sum=9,
        bf_depth_try_sum=5,
        bf_queue_len_sum=12,
        bf_table_size_sum=40,
        bf_active=True,
        bf_exit=BackfillExitCounts(end_job_queue=3, bf_max_time=1),
        rpcs_by_type=(RpcTypeStats(2003, "REQUEST_JOB_INFO", 3, 10, queued=1),),
        rpcs_by_user=(RpcUserStats(1001, "alice", 2, 9),),
        pending_rpcs=(PendingRpc(1008, "REQUEST_PING", 2),),
        pending_rpcs_by_hostlist=(PendingRpcHosts(1008, "REQUEST_PING", ("node1", "node2")),),
    )


def test_hand_built_statistics_in_v0_0_38():
    body = v38.render_diag(busy_diag())
    assert schema_errors("v0.0.38", "v0.0.38_diag", {"statistics": body}, allow_null=True) == []
    assert body["schedule_cycle_mean"] == 333
    assert body["schedule_cycle_mean_depth"] == 3
    assert body["schedule_cycle_per_minute"] == 0  # 3 cycles over 10 minutes
    assert (body["bf_cycle_mean"], body["bf_depth_mean"], body["bf_depth_mean_try"]) == (1000, 2, 1)
    assert (body["bf_queue_len_mean"], body["bf_table_size_mean"]) == (3, 10)
    assert body["rpcs_by_message_type"] == [
        {
            "message_type": "REQUEST_JOB_INFO",
            "type_id": 2003,
            "count": 3,
            "average_time": 3,
            "total_time": 10,
        }
    ]
    assert "pending_rpcs" not in body


def test_hand_built_statistics_in_v0_0_46():
    body = v46.render_diag(busy_diag())
    assert schema_errors("v0.0.46", "v0.0.46_stats_msg", body) == []
    assert body["bf_exit"]["end_job_queue"] == 3
    assert body["bf_exit"]["bf_max_time"] == 1
    assert body["schedule_cycle_depth"] == 10
    # upstream's v0.0.46 row for the table-size mean shows the queue-length mean
    assert body["bf_table_size_mean"] == body["bf_queue_len_mean"] == 3
    assert body["pending_rpcs"] == [{"type_id": 1008, "message_type": "REQUEST_PING", "count": 2}]
    assert body["pending_rpcs_by_hostlist"][0]["count"] == ["node1", "node2"]
    assert body["rpcs_by_message_type"][0]["queued"] == 1
