"""The records of the 22.05 captures, parsed once, rendered in v0.0.46: every one
fits its v0.0.46 schema and says the same thing."""

from __future__ import annotations

import json

import pytest

from schema_check import schema_errors
from slurmrestd.api.versions.dbv0_0_38 import (
    accounts,
    associations,
    clusters,
    diag,
    jobs,
    qos,
    tres,
    users,
)
from slurmrestd.api.versions.v0_0_46 import (
    slurmdb_accounts,
    slurmdb_associations,
    slurmdb_clusters,
    slurmdb_diag,
    slurmdb_jobs,
    slurmdb_qos,
    slurmdb_tres,
    slurmdb_users,
)

# Key of the 22.05 config dump -> (dbv0.0.38 parse, v0.0.46 render, v0.0.46 schema).
CONFIG_KINDS = {
    "accounts": (accounts.parse_account, slurmdb_accounts.render_account, "v0.0.46_account"),
    "users": (users.parse_user, slurmdb_users.render_user, "v0.0.46_user"),
    "associations": (
        associations.parse_association,
        slurmdb_associations.render_assoc,
        "v0.0.46_assoc",
    ),
    "QOS": (qos.parse_qos, slurmdb_qos.render_qos, "v0.0.46_qos"),
    "TRES": (tres.parse_tres, slurmdb_tres.render_tres, "v0.0.46_tres"),
    "clusters": (clusters.parse_cluster, slurmdb_clusters.render_cluster, "v0.0.46_cluster_rec"),
}


@pytest.fixture
def capture(shared_reference):
    base = shared_reference / "slurm-22.05" / "responses"
    return lambda name: json.loads((base / f"GET_slurmdb_v0.0.38_{name}.json").read_text())


def test_config_records_fit_v0_0_46(capture):
    config = capture("config")
    checked = 0
    for key, (parse, render, schema) in CONFIG_KINDS.items():
        for record in config[key]:
            assert schema_errors("v0.0.46", schema, render(parse(record))) == [], key
            checked += 1
    assert checked >= 15


def test_jobs_fit_v0_0_46(capture):
    for record in capture("jobs")["jobs"]:
        out = slurmdb_jobs.render_job(jobs.parse_job(record))
        assert schema_errors("v0.0.46", "v0.0.46_job", out) == [], record["job_id"]


def test_signaled_job_in_v0_0_46(capture):
    job3 = next(j for j in capture("jobs")["jobs"] if j["job_id"] == 3)
    out = slurmdb_jobs.render_job(jobs.parse_job(job3))
    assert out["state"]["current"] == ["FAILED"]
    assert out["exit_code"]["status"] == ["SIGNALED"]
    assert out["exit_code"]["signal"] == {
        "id": {"set": True, "infinite": False, "number": 10},
        "name": "USR1",
    }
    assert out["time"]["limit"] == {"set": True, "infinite": False, "number": 60}
    assert [t["type"] for t in out["tres"]["allocated"]] == ["cpu", "energy", "node", "billing"]
    assert out["tres"]["requested"][1] == {"type": "mem", "name": "", "id": 2, "count": 6025}
    (step,) = out["steps"]
    assert step["step"]["id"] == "batch"
    assert step["state"] == ["CANCELLED"]
    assert step["nodes"]["list"] == ["node1"]
    assert step["tres"]["allocated"][0] == {"type": "cpu", "name": "", "id": 1, "count": 1}
    assert step["time"]["total"] == {"seconds": 0, "microseconds": 3132}


def test_association_and_qos_in_v0_0_46(capture):
    assoc = next(
        a for a in capture("associations")["associations"] if a["user"] == "alice" and a["flags"]
    )
    out = slurmdb_associations.render_assoc(associations.parse_association(assoc))
    assert out["is_default"] is True
    assert out["flags"] == []  # "DEFAULT" was 22.05's way to say is_default
    assert out["max"]["jobs"]["per"]["count"] == {"set": False, "infinite": False, "number": 0}
    assert out["qos"] == ["normal"]
    high = next(q for q in capture("qos")["QOS"] if q["name"] == "high")
    out = slurmdb_qos.render_qos(qos.parse_qos(high))
    assert out["priority"] == {"set": True, "infinite": False, "number": 100}
    assert out["usage_factor"] == {"set": True, "infinite": False, "number": 1.0}
    assert out["preempt"]["exempt_time"]["set"] is False


def test_diag_in_v0_0_46(capture):
    out = slurmdb_diag.render_stats(diag.parse_diag(capture("diag")["statistics"]))
    assert out["rollups"]["hourly"]["duration"] == {"last": 2385, "max": 2385, "time": 2385}
    assert out["RPCs"][0] == {
        "rpc": "SLURM_PERSIST_INIT",
        "count": 48,
        "time": {"average": 902, "total": 43305},
    }
    assert [u["user"] for u in out["users"]] == ["root", "slurm", "alice"]
