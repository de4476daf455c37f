"""GET /slurmdb/v0.0.38/... through our app over SlurmAccounting, side by side with the C
slurmrestd of the testbed, same token, same moment.

The store is not wired into SlurmCluster yet, so the app is built in process over a
SlurmCluster whose `accounting` is set here; the token of each request reaches the
commands as SLURM_JWT exactly as it does behind rest_auth/jwt. Never send the C
daemon a malformed job id: 22.05's slurmrestd exits on GET /slurmdb/.../job/abc.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from slurm.rest import c_port, get
from slurm.testbed import Testbed
from slurm.testbed.daemons import wait_for
from slurmrestd.api import plugins
from slurmrestd.api.app import RestApp
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.accounting import JobFilter
from slurmrestd.cluster.slurm.accounting import SlurmAccounting
from slurmrestd.cluster.slurm.cluster import SlurmCluster
from slurmrestd.cluster.slurm.commands import SlurmCommands
from slurmrestd.http.message import Headers, HttpRequest, PeerCredentials, PeerInfo, TransportKind

pytestmark = pytest.mark.slurm

PEER = PeerInfo(TransportKind.TCP, "127.0.0.1", PeerCredentials(os.getpid(), 0, 0))
TAG = f"h32-{os.getpid()}"
H36 = f"h36-{os.getpid()}"  # the deleted wckey case's records


class TokenAuth:
    """rest_auth/jwt as far as this test needs it: the headers' user and token, unchecked
    (slurmdbd checks the token, as it does for the C daemon)."""

    name = "rest_auth/jwt"

    def authenticate(self, request: HttpRequest, peer: PeerInfo) -> Identity:
        user = request.headers.get("X-SLURM-USER-NAME") or ""
        entry = pwd.getpwnam(user)
        token = request.headers.get("X-SLURM-USER-TOKEN")
        return Identity(user, entry.pw_uid, entry.pw_gid, self.name, token)

    def reload(self, context: object) -> None:
        return None


@pytest.fixture(scope="module")
def app(slurm_testbed: Testbed) -> RestApp:
    commands = SlurmCommands(str(slurm_testbed.conf), base_env=slurm_testbed.env())
    cluster = SlurmCluster.connect_with(commands)
    cluster.accounting = SlurmAccounting(commands, cluster.name)
    return RestApp(units=plugins.resolve(None, None), auth_plugins=[TokenAuth()], cluster=cluster)


@pytest.fixture(scope="module")
def root_token(slurm_testbed: Testbed) -> str:
    return slurm_testbed.token("root", lifespan=1800)


def ours(app: RestApp, path: str, token: str, user: str) -> tuple[int, dict[str, Any]]:
    path, _, query = path.partition("?")
    headers = Headers([("X-SLURM-USER-NAME", user), ("X-SLURM-USER-TOKEN", token)])
    response = asyncio.run(app(HttpRequest("GET", path, query, "1.1", headers, b""), PEER))
    return response.status, orjson.loads(response.body)


def both(
    app: RestApp, bed: Testbed, path: str, token: str, user: str = "root"
) -> tuple[tuple[int, dict[str, Any]], tuple[int, dict[str, Any]]]:
    return ours(app, path, token, user), get(c_port(bed), path, token, user)


@pytest.mark.parametrize("path", ["qos", "accounts", "users", "associations", "tres", "clusters"])
def test_listing_is_the_c_daemons_answer(
    app: RestApp, slurm_testbed: Testbed, root_token: str, path: str
) -> None:
    url = f"/slurmdb/v0.0.38/{path}"
    for _ in range(3):  # another session may change the records between the two reads
        (status, body), (c_status, c_body) = both(app, slurm_testbed, url, root_token)
        if body == c_body:
            break
    assert (status, c_status) == (200, 200)
    assert body == c_body


def test_plain_users_read_the_same(app: RestApp, slurm_testbed: Testbed) -> None:
    token = slurm_testbed.token("alice", lifespan=600)
    for path in ("qos", "account/ops", "user/alice", "associations?user=alice"):
        (status, body), (c_status, c_body) = both(
            app, slurm_testbed, f"/slurmdb/v0.0.38/{path}", token, "alice"
        )
        assert (status, body) == (c_status, c_body), path


@pytest.mark.parametrize("path", ["wckeys", "diag", "account/h15-no-such-account"])
def test_refusals_and_empty_answers_match(app: RestApp, slurm_testbed: Testbed, path: str) -> None:
    token = slurm_testbed.token("alice", lifespan=600)
    url = f"/slurmdb/v0.0.38/{path}"
    (status, body), (c_status, c_body) = both(app, slurm_testbed, url, token, "alice")
    assert status == c_status == 500
    assert body == c_body


@pytest.fixture(scope="module")
def wckey_user(slurm_testbed: Testbed) -> Iterator[str]:
    """A tagged user with two wckeys: the first added is its default (and flagged so)."""
    user = f"{TAG}u"
    add = ["sacctmgr", "-i", "add", "user", f"name={user}", "account=ops"]
    slurm_testbed.run([*add, f"wckeys={TAG}-a,{TAG}-b"])
    yield user
    # Deleting the user deletes its wckeys with it.
    slurm_testbed.run(["sacctmgr", "-i", "delete", "user", f"name={user}"], check=False)


def test_wckeys_are_the_c_daemons_answer(
    app: RestApp, slurm_testbed: Testbed, root_token: str, wckey_user: str
) -> None:
    for path in ("wckeys", f"wckey/{TAG}-a", f"wckey/{TAG}-b"):
        url = f"/slurmdb/v0.0.38/{path}"
        for _ in range(3):  # another session may add or remove wckeys between the reads
            (status, body), (c_status, c_body) = both(app, slurm_testbed, url, root_token)
            if body == c_body:
                break
        assert (status, c_status) == (200, 200)
        assert body == c_body, path
    # The comparison covered both kinds: a default wckey and another one.
    _, body = ours(app, "/slurmdb/v0.0.38/wckeys", root_token, "root")
    tagged = {w["name"]: w["flags"] for w in body["wckeys"] if w["user"] == wckey_user}
    assert tagged == {f"{TAG}-a": ["DEFAULT"], f"{TAG}-b": []}


@pytest.fixture
def deleted_wckey(slurm_testbed: Testbed) -> Iterator[tuple[str, str]]:
    """(kept, deleted): two wckeys of a tagged user, the first one since removed.

    slurmdbd keeps a removed wckey (listed with DELETED) only once a job was charged
    to it or after a day; this testbed has TrackWCKey=No, so it drops it outright:
    what is compared here is that both daemons ask alike and agree on the result.
    The DELETED rendering itself is checked over a fake runner and the embedded store.
    """
    user, kept, gone = f"{H36}-u", f"{H36}-kept", f"{H36}-gone"
    add = ["sacctmgr", "-i", "add", "user", f"name={user}", "account=ops"]
    slurm_testbed.run([*add, f"wckeys={gone},{kept}"])
    try:
        slurm_testbed.run(["sacctmgr", "-i", "delete", "user", f"name={user}", f"wckeys={gone}"])
        yield kept, gone
    finally:
        slurm_testbed.run(["sacctmgr", "-i", "delete", "user", f"name={user}"], check=False)


def test_a_deleted_wckey_reads_as_the_c_daemon_reads_it(
    app: RestApp, slurm_testbed: Testbed, root_token: str, deleted_wckey: tuple[str, str]
) -> None:
    kept, gone = deleted_wckey
    for path in ("wckeys", f"wckey/{kept}", f"wckey/{gone}"):
        url = f"/slurmdb/v0.0.38/{path}"
        for _ in range(3):  # another session may add or remove wckeys between the reads
            ours_answer, c_answer = both(app, slurm_testbed, url, root_token)
            if ours_answer == c_answer:
                break
        assert ours_answer == c_answer, path
    # The removed key was the default; slurmdbd hands that on to no other key.
    _, body = ours(app, "/slurmdb/v0.0.38/wckeys", root_token, "root")
    tagged = {w["name"]: w["flags"] for w in body["wckeys"] if w["user"] == f"{H36}-u"}
    assert tagged == {kept: []}


def test_diag_reports_the_same_counters(
    app: RestApp, slurm_testbed: Testbed, root_token: str
) -> None:
    (c_status, c_body) = get(c_port(slurm_testbed), "/slurmdb/v0.0.38/diag", root_token, "root")
    status, body = ours(app, "/slurmdb/v0.0.38/diag", root_token, "root")
    assert (status, c_status) == (200, 200)
    mine, theirs = body["statistics"], c_body["statistics"]
    assert (mine["time_start"], mine["rollups"]) == (theirs["time_start"], theirs["rollups"])
    # Read a moment later: every RPC the C daemon counted is there, not fewer times.
    counted = {r["rpc"]: r["count"] for r in mine["RPCs"]}
    assert all(counted.get(r["rpc"], 0) >= r["count"] for r in theirs["RPCs"])
    assert [set(r) for r in mine["RPCs"]] == [set(r) for r in mine["RPCs"][:1]] * len(mine["RPCs"])


# Finished jobs of alice, each a case where sacct's JSON and the C daemon could part:
# a normal exit, an `exit 3` (22.05 says SUCCESS/0), a failed step in a job that
# succeeds (derived exit code), a batch script killed by a signal, an array, and a
# two-node step sampled every second (its max/min usage says on which node and task
# it peaked; its id is a number).
JOB_OPTIONS = (
    ["--wrap=true"],
    ["--wrap=exit 3"],
    ["--wrap=srun false; true"],
    ["--wrap=kill -TERM $$"],
    ["--array=1-2", "--wrap=true"],
    ["-N2", "-n2", "--acctg-freq=1", "--wrap=srun sleep 2; exit 2"],
)
FINISHED = {"COMPLETED", "FAILED", "CANCELLED"}


@pytest.fixture(scope="module")
def finished_jobs(app: RestApp, slurm_testbed: Testbed) -> list[int]:
    out = []
    for options in JOB_OPTIONS:
        argv = ["sbatch", "--parsable", "--output=/dev/null", f"--job-name={TAG}", *options]
        out.append(int(slurm_testbed.run(argv, user="alice").stdout.strip().split(";")[0]))
    store = app.cluster.accounting  # type: ignore[attr-defined]
    root = Identity("root", 0, 0, "rest_auth/jwt", slurm_testbed.token("root", lifespan=600))

    def done() -> bool:
        records = store.jobs(root, JobFilter(job_names=(TAG,)))
        return len(records) == len(JOB_OPTIONS) + 1 and all(r.state in FINISHED for r in records)

    wait_for("the test jobs to finish", done, 120)
    return out


def test_the_jobs_show_the_cases_they_stand_for(
    app: RestApp, root_token: str, finished_jobs: list[int]
) -> None:
    """The C daemon's answer equals ours below; here: the cases really happened."""
    _, body = ours(app, f"/slurmdb/v0.0.38/jobs?job_name={TAG}", root_token, "root")
    by_id = {j["job_id"]: j for j in body["jobs"]}
    killed = by_id[finished_jobs[3]]["exit_code"]
    assert (killed["status"], killed["signal"]["signal_id"]) == ("SIGNALED", 15)
    steps = by_id[finished_jobs[-1]]["steps"]
    numbered = [s for s in steps if s["step"]["id"] == 0]
    assert numbered and {"node", "task"} <= set(numbered[0]["tres"]["requested"]["max"][0])
    # Newer versions show the code 22.05's JSON hides.
    _, newer = ours(app, f"/slurmdb/v0.0.46/job/{finished_jobs[1]}", root_token, "root")
    assert newer["jobs"][0]["exit_code"]["return_code"]["number"] == 3
    _, newer = ours(app, f"/slurmdb/v0.0.46/job/{finished_jobs[2]}", root_token, "root")
    assert newer["jobs"][0]["derived_exit_code"]["return_code"]["number"] == 1


def test_jobs_are_the_c_daemons_answer(
    app: RestApp, slurm_testbed: Testbed, root_token: str, finished_jobs: list[int]
) -> None:
    # 22.05 takes a time text, not unix seconds (":" percent-encoded, as it requires).
    since = time.strftime("%Y-%m-%dT%H%%3A%M%%3A%S", time.localtime(time.time() - 3600))
    for path in (f"jobs?job_name={TAG}", f"jobs?job_name={TAG}&start_time={since}"):
        (status, body), (c_status, c_body) = both(
            app, slurm_testbed, f"/slurmdb/v0.0.38/{path}", root_token
        )
        assert (status, c_status) == (200, 200)
        assert len(body["jobs"]) == len(JOB_OPTIONS) + 1
        assert body == c_body, path
    for job_id in finished_jobs:
        (status, body), (c_status, c_body) = both(
            app, slurm_testbed, f"/slurmdb/v0.0.38/job/{job_id}", root_token
        )
        assert (status, body) == (c_status, c_body)


# Without any parameter 22.05 lists one record per job; with one, every record.
@pytest.mark.parametrize("path", ["jobs", "jobs?account=research"])
def test_all_finished_jobs_match(
    app: RestApp, slurm_testbed: Testbed, root_token: str, finished_jobs: list[int], path: str
) -> None:
    (status, body), (c_status, c_body) = both(
        app, slurm_testbed, f"/slurmdb/v0.0.38/{path}", root_token
    )
    assert (status, c_status) == (200, 200)
    # Jobs of other sessions may start or end between the two reads: finished ones are stable.
    done = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY"}
    mine = [j for j in body["jobs"] if j["state"]["current"] in done]
    theirs = [j for j in c_body["jobs"] if j["state"]["current"] in done]
    shared = {j["job_id"] for j in mine} & {j["job_id"] for j in theirs}
    assert set(finished_jobs) <= shared
    assert [j for j in mine if j["job_id"] in shared] == [
        j for j in theirs if j["job_id"] in shared
    ]
