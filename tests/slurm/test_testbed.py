"""The harness really brings up a working Slurm 22.05 cluster and the C slurmrestd."""

from __future__ import annotations

import http.client
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from slurm.testbed import Testbed
from slurm.testbed.daemons import wait_for

pytestmark = pytest.mark.slurm


def rest_get(bed: Testbed, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    url = urlsplit(bed.rest_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=20)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_controller_answers_scontrol_ping(slurm_testbed: Testbed) -> None:
    out = slurm_testbed.run(["scontrol", "ping"]).stdout
    assert f"Slurmctld(primary) at {slurm_testbed.host} is UP" in out


def test_sinfo_shows_every_node_idle_in_both_partitions(slurm_testbed: Testbed) -> None:
    out = slurm_testbed.run(["sinfo", "-h", "-N", "-o", "%N %P %t"]).stdout
    rows = {tuple(line.split()) for line in out.splitlines() if line.strip()}
    partitions: dict[str, set[str]] = {}
    for node, partition, state in rows:
        partitions.setdefault(partition.rstrip("*"), set()).add(node)
        assert state in ("idle", "mix", "alloc"), (node, state)
    assert partitions == {
        "debug": {"node1", "node2", "node3", "node4"},
        "batch": {"node3", "node4"},
    }
    assert "debug*" in {partition for _, partition, _ in rows}  # the default partition


def test_accounting_knows_accounts_users_and_qos(slurm_testbed: Testbed) -> None:
    assoc = slurm_testbed.run(
        ["sacctmgr", "-n", "-P", "show", "assoc", "format=cluster,account,user"]
    ).stdout
    pairs = {tuple(line.split("|")) for line in assoc.splitlines()}
    for account, user in (("research", "alice"), ("ops", "alice"), ("ops", "bob")):
        assert ("testbed", account, user) in pairs
    assert ("testbed", "research", "bob") not in pairs
    qos = slurm_testbed.run(["sacctmgr", "-n", "-P", "show", "qos", "format=name"]).stdout
    assert {"normal", "high"} <= set(qos.split())


def test_jwt_is_configured_for_the_controller(slurm_testbed: Testbed) -> None:
    token = slurm_testbed.token("alice", lifespan=120)
    # A command run by root with alice's token acts as alice.
    out = slurm_testbed.run(["scontrol", "show", "config"], token=token).stdout
    assert re.search(r"^AuthAltTypes\s*=\s*auth/jwt$", out, re.M)
    assert re.search(r"^ClusterName\s*=\s*testbed$", out, re.M)


def test_sbatch_job_of_alice_runs_completes_and_is_accounted(slurm_testbed: Testbed) -> None:
    bed = slurm_testbed
    out_dir = Path("/tmp")
    job_id = bed.run(
        [
            "sbatch",
            "--parsable",
            "--account=research",
            "--job-name=testbed-check",
            f"--output={out_dir}/testbed-check-%j.out",
            "--chdir=/tmp",
            "--wrap",
            'echo "hello from $SLURM_JOB_ID on $SLURMD_NODENAME"',
        ],
        user="alice",
    ).stdout.strip()
    assert job_id.isdigit(), job_id
    output = out_dir / f"testbed-check-{job_id}.out"
    try:

        def job_state() -> str:
            shown = bed.run(["scontrol", "show", "job", "-o", job_id]).stdout
            match = re.search(r"\bJobState=(\S+)", shown)
            return match.group(1) if match else ""

        wait_for(f"job {job_id} to complete", lambda: job_state() == "COMPLETED", 60)
        assert re.fullmatch(rf"hello from {job_id} on node\d\n", output.read_text())

        def accounted() -> list[str]:
            return bed.run(
                ["sacct", "-n", "-P", "-X", "-j", job_id, "-o", "JobID,User,Account,State"]
            ).stdout.split()

        wait_for(f"sacct to list job {job_id}", lambda: bool(accounted()), 30)
        assert accounted() == [f"{job_id}|alice|research|COMPLETED"]
    finally:
        output.unlink(missing_ok=True)


def test_c_slurmrestd_answers_ping_with_alices_token(slurm_testbed: Testbed) -> None:
    token = slurm_testbed.token("alice", lifespan=120)
    status, body = rest_get(
        slurm_testbed,
        "/slurm/v0.0.38/ping",
        {"X-SLURM-USER-NAME": "alice", "X-SLURM-USER-TOKEN": token},
    )
    assert status == 200, body
    answer = json.loads(body)
    assert answer["meta"]["Slurm"]["release"].startswith("22.05.")
    assert answer["pings"] == [
        {"hostname": slurm_testbed.host, "ping": "UP", "status": 0, "mode": "primary"}
    ]


def test_c_slurmrestd_requires_authentication(slurm_testbed: Testbed) -> None:
    status, body = rest_get(slurm_testbed, "/slurm/v0.0.38/ping", {})
    assert status == 401, body
