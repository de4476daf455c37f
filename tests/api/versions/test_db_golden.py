"""dbv0.0.38 golden round trip: every record of every 200 slurmdb capture of the
real 22.05 daemon parses into canonical records and renders back identically,
key order included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
from slurmrestd.model.accounting import AdminLevel, RollupPeriod

# Top-level key of a slurmdb body -> (parse, render) of one record under it.
RECORD_KINDS = {
    "accounts": (accounts.parse_account, accounts.render_account),
    "users": (users.parse_user, users.render_user),
    "associations": (associations.parse_association, associations.render_association),
    "QOS": (qos.parse_qos, qos.render_qos),
    "TRES": (tres.parse_tres, tres.render_tres),
    "clusters": (clusters.parse_cluster, clusters.render_cluster),
    "wckeys": (wckeys.parse_wckey, wckeys.render_wckey),
    "jobs": (jobs.parse_job, jobs.render_job),
}
ENVELOPE_KEYS = {"meta", "errors", "warnings"}


def slurmdb_captures(reference: Path) -> list[tuple[str, dict]]:
    index = json.loads((reference / "slurm-22.05" / "index.json").read_text())
    out = []
    for entry in index:
        if (
            entry["method"] == "GET"
            and entry["status"] == 200
            and entry["path"].startswith("/slurmdb/v0.0.38/")
        ):
            body = json.loads((reference / "slurm-22.05" / entry["file"]).read_text())
            out.append((entry["file"], body))
    return out


def test_every_slurmdb_record_round_trips(shared_reference):
    captures = slurmdb_captures(shared_reference)
    assert len(captures) >= 15  # accounts, users, associations, qos, tres, clusters, jobs, diag...
    seen: dict[str, int] = {}
    for name, body in captures:
        for key, value in body.items():
            if key in ENVELOPE_KEYS:
                continue
            if key == "statistics":
                out = diag.render_diag(diag.parse_diag(value))
                records = [(value, out)]
            else:
                assert key in RECORD_KINDS, f"{name}: no shape for {key!r}"
                parse, render = RECORD_KINDS[key]
                records = [(rec, render(parse(rec))) for rec in value]
            for original, rendered in records:
                assert rendered == original, name
                # Same key order all the way down (dict equality ignores order).
                assert json.dumps(rendered) == json.dumps(original), name
            seen[key] = seen.get(key, 0) + len(records)
    for kind in ("accounts", "users", "associations", "QOS", "TRES", "clusters", "jobs"):
        assert seen.get(kind), f"no {kind} record checked"
    assert seen["statistics"] >= 1


@pytest.fixture
def responses(shared_reference):
    base = shared_reference / "slurm-22.05" / "responses"
    return lambda name: json.loads((base / f"GET_slurmdb_v0.0.38_{name}.json").read_text())


def test_parsed_jobs_hold_raw_exit_codes(responses):
    by_id = {j["job_id"]: jobs.parse_job(j) for j in responses("jobs")["jobs"]}
    assert by_id[3].exit_code == 10  # killed by SIGUSR1
    assert by_id[3].steps[0].exit_code == 10
    assert by_id[27].steps[0].exit_code == 15
    assert by_id[1].exit_code == 0
    assert by_id[1].steps[0].step_id == "batch"
    assert by_id[1].constraints is None  # "" in 22.05 means unset
    assert by_id[6].steps == ()
    assert [t.type for t in by_id[1].tres_allocated] == ["cpu", "energy", "node", "billing"]


def test_parsed_association_default_flag_becomes_is_default(responses):
    assocs = [associations.parse_association(a) for a in responses("associations")["associations"]]
    bob = next(a for a in assocs if a.user == "bob")
    assert bob.is_default is True
    assert bob.flags == ()  # "DEFAULT" is derived from is_default, not stored
    assert bob.qos == ("normal",)
    assert bob.grp_jobs is None


def test_parsed_records_keep_their_meaning(responses):
    normal = qos.parse_qos(responses("qos")["QOS"][0])
    assert (normal.name, normal.usage_factor, normal.priority) == ("normal", 1.0, 0)
    root = next(u for u in responses("users")["users"] if u["name"] == "root")
    assert users.parse_user(root).administrator_level is AdminLevel.ADMINISTRATOR
    carol = users.parse_user(responses("user_{user_name}__created")["users"][0])
    assert carol.default_account is None and carol.default_wckey is None
    testbed = clusters.parse_cluster(responses("clusters")["clusters"][0])
    assert testbed.root_association is None
    assert testbed.controller_port == 6817
    stats = diag.parse_diag(responses("diag")["statistics"])
    assert stats.rollups[0].period is RollupPeriod.HOURLY
    assert stats.rollups[0].mean_cycle == 2385
    assert stats.rpcs[0].name == "SLURM_PERSIST_INIT"
