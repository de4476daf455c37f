"""v0.0.46 answers to requests the embedded backend refuses: a 4xx naming what is
wrong, never the 500 of errno 22 (EINVAL) or of a crash."""

from __future__ import annotations

import pytest

from slurmrestd.api.versions.request import RequestInvalid
from slurmrestd.api.versions.v0_0_46.reservation_desc import parse_many, parse_one
from slurmrestd.cluster.embedded.accounting.associations import INVALID_CLUSTER_NAME
from slurmrestd.cluster.errors import Errno

INFINITE = {"infinite": True, "set": True, "number": 1}
MEMORY = {"set": True, "number": 10}


@pytest.mark.parametrize("field", ["start_time", "node_count", "core_count", "max_start_delay"])
def test_reservation_numbers_that_cannot_be_infinite_are_refused(field):
    with pytest.raises(RequestInvalid) as info:
        parse_one({field: INFINITE, "users": ["root"]})
    assert info.value.errno == Errno.DATA_CONV_FAILED
    assert [e["description"] for e in info.value.entries] == [f"{field}: cannot be infinite"]


def test_an_open_end_stays_infinite():
    (req,), _ = parse_one({"end_time": INFINITE, "duration": INFINITE})
    assert req.end_time == req.duration == float("inf")


def test_reservations_name_the_entry_with_the_infinite_start():
    body = {"reservations": [{"name": "a"}, {"name": "b", "start_time": INFINITE}]}
    with pytest.raises(RequestInvalid) as info:
        parse_many(body)
    assert info.value.entries[0]["description"] == "reservations/1/start_time: cannot be infinite"


def test_refusal_keeps_the_warnings_gathered(api):
    body = {"start_time": INFINITE, "node_count": "1"}  # "1" is converted with a warning
    status, doc = api("POST", "/slurm/v0.0.46/reservation", body)
    assert status == 400
    assert doc["errors"][0]["description"] == "start_time: cannot be infinite"
    assert doc["warnings"][0]["description"].startswith("node_count:")


def test_association_on_an_unknown_cluster_is_a_422(api):
    body = {"associations": [{"account": "root", "cluster": "nosuch", "user": "root"}]}
    status, doc = api("POST", "/slurmdb/v0.0.46/associations/", body)
    assert status == 422
    assert doc["errors"][0]["error_number"] == INVALID_CLUSTER_NAME


@pytest.mark.parametrize(
    "fields",
    [
        {"memory_per_cpu": MEMORY, "memory_per_node": MEMORY},
        {"environment": ["A=1\u0000"]},
    ],
    ids=["mem-and-mem-per-cpu", "nul-in-environment"],
)
def test_an_invalid_job_description_is_a_400(api, tmp_path, fields):
    job = {"hold": True, "current_working_directory": str(tmp_path), "environment": ["A=1"]}
    body = {"script": "#!/bin/sh\ntrue\n", "job": {**job, **fields}}
    status, doc = api("POST", "/slurm/v0.0.46/job/submit", body)
    assert status == 400, doc["errors"]
    assert doc["errors"][0]["error_number"] == Errno.REST_INVALID_JOBS_DESC
