"""Run-time administration refusing values a field cannot hold: an infinite or
unbounded reservation window, a partition state or limit Slurm never takes.

Each is a refusal with Slurm's error number (4xx on v0.0.40+), not a crash or
errno 22 (which upstream answers with 500).
"""

from __future__ import annotations

import os
import pwd

import pytest

from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.status import GENERATION_2311, status_for
from slurmrestd.cluster.embedded.engine import partition_admin, reservations
from slurmrestd.cluster.embedded.engine.config import EngineConfig, NodeConfig, PartitionConfig
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.partition import PartitionState
from slurmrestd.model.partition_update import PartitionUpdate
from slurmrestd.model.reservation_request import ReservationRequest

ME = pwd.getpwuid(os.getuid()).pw_name
CONFIG = EngineConfig(
    cluster_name="c",
    control_host="h",
    nodes=(NodeConfig("n1", 2, 1000),),
    partitions=(PartitionConfig("debug", ("n1",), default=True),),
)
NOW = 1_000_000.0


def put_reservation(**fields) -> reservations.ReservationRecord:
    return reservations.put(
        ReservationRequest(users=ME, node_list="n1", **fields), {}, CONFIG, [], NOW
    )


@pytest.mark.parametrize(
    "fields",
    [
        dict(start_time=INFINITE, duration=5),
        dict(start_time=INFINITE, end_time=INFINITE),
        dict(start_time=int(NOW), end_time=reservations.LATEST_TIME + 1),
        dict(start_time=reservations.LATEST_TIME - 10, duration=5),
        dict(start_time=reservations.LATEST_TIME - 10, duration=INFINITE),
    ],
    ids=["infinite-start", "infinite-both", "end-past-int64", "duration-past-int64", "year-past"],
)
def test_reservation_windows_beyond_time_are_refused(fields):
    with pytest.raises(SlurmError) as info:
        put_reservation(**fields)
    assert info.value.errno == Errno.INVALID_TIME_VALUE
    assert status_for(info.value.errno, GENERATION_2311) == 422


def test_an_open_end_still_becomes_a_year():
    made = put_reservation(end_time=INFINITE)
    assert made.end_time - made.start_time == reservations.YEAR_SECONDS


@pytest.mark.parametrize(
    "change",
    [
        PartitionUpdate("p", state=PartitionState.UNKNOWN),
        PartitionUpdate("p", max_time=-1),
        PartitionUpdate("p", max_nodes=-3),
        PartitionUpdate("p", max_cpus_per_node=-1),
    ],
    ids=["state-unknown", "max-time", "max-nodes", "max-cpus"],
)
def test_partition_values_it_cannot_hold_are_a_bad_request(change):
    with pytest.raises(SlurmError) as info:
        partition_admin.put(change, CONFIG)
    assert info.value.errno == Errno.DATA_CONV_FAILED
    assert status_for(info.value.errno, GENERATION_2311) == 400
