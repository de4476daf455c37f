"""sacctmgr / sacct output of the 22.05 testbed -> canonical records (cluster/slurm).

The fixtures in data/ were captured together on our testbed: each
`sacctmgr -P -n show ...` output (in the formats the parsers ask for) and the
C slurmrestd's dbv0.0.38 answer for the same state a moment later. Parsing
the text and rendering the records with dbv0.0.38 must give the C daemon's
body, record for record and key for key.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import pytest

from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.versions.dbv0_0_38 import accounts as accounts_38
from slurmrestd.api.versions.dbv0_0_38 import associations as assocs_38
from slurmrestd.api.versions.dbv0_0_38 import clusters as clusters_38
from slurmrestd.api.versions.dbv0_0_38 import jobs as jobs_38
from slurmrestd.api.versions.dbv0_0_38 import qos as qos_38
from slurmrestd.api.versions.dbv0_0_38 import tres as tres_38
from slurmrestd.api.versions.dbv0_0_38 import users as users_38
from slurmrestd.api.versions.dbv0_0_38 import wckeys as wckeys_38
from slurmrestd.cluster.accounting import JobFilter
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm import sacct_json
from slurmrestd.cluster.slurm import sacctmgr_limits as limits
from slurmrestd.cluster.slurm import sacctmgr_people as people
from slurmrestd.cluster.slurm import sacctmgr_stats as stats
from slurmrestd.cluster.slurm import sacctmgr_text as st
from slurmrestd.cluster.slurm.commands import CommandResult
from slurmrestd.cluster.slurm.sacctmgr_writes import Outcome, listed_items, outcome
from slurmrestd.model.accounting import (
    QOS,
    AdminLevel,
    Association,
    Coordinator,
    RollupPeriod,
    Tres,
)

DATA = Path(__file__).parent / "data"


def text(name: str) -> str:
    return (DATA / name).read_text()


def c_body(path: str, key: str) -> list[dict[str, Any]]:
    return json.loads(text(f"c_dbv0.0.38_{path}.json"))[key]


TABLE = st.TresTable.parse(text("sacctmgr_tres.txt"))
DEFAULTS = frozenset(int(v) for v in text("sacctmgr_assoc_defaults.txt").split())
PARENTS = people.parse_tree(text("sacctmgr_assoc_tree.txt"))

RENDERED = {
    "qos": lambda: [
        qos_38.render_qos(q) for q in limits.parse_qos(text("sacctmgr_qos.txt"), TABLE)
    ],
    "associations": lambda: [
        assocs_38.render_association(a)
        for a in limits.parse_associations(text("sacctmgr_assoc.txt"), TABLE, DEFAULTS)
    ],
    "accounts": lambda: [
        accounts_38.render_account(a) for a in people.parse_accounts(text("sacctmgr_account.txt"))
    ],
    "users": lambda: [
        users_38.render_user(u) for u in people.parse_users(text("sacctmgr_user.txt"), PARENTS)
    ],
    "clusters": lambda: [
        clusters_38.render_cluster(c)
        for c in st.parse_clusters(text("sacctmgr_cluster.txt"), TABLE)
    ],
    "tres": lambda: [tres_38.render_tres(t) for t in TABLE.definitions],
}
C_KEYS = {
    "qos": "QOS",
    "associations": "associations",
    "accounts": "accounts",
    "users": "users",
    "clusters": "clusters",
    "tres": "TRES",
}


@pytest.mark.parametrize("path", sorted(RENDERED))
def test_listing_renders_as_the_c_daemon_answered(path: str) -> None:
    ours = RENDERED[path]()
    theirs = c_body(path, C_KEYS[path])
    assert [json.dumps(r) for r in ours] == [json.dumps(r) for r in theirs]


def test_wckeys_parse_to_22_05s_answer_with_the_users_default_marked() -> None:
    defaults = people.parse_default_wckeys("h15fxu|h15fxw\nalice|\n")
    assert defaults == {"h15fxu": "h15fxw"}
    [key] = st.parse_wckeys(text("sacctmgr_wckey.txt"), defaults)
    assert (key.name, key.user, key.cluster, key.id) == ("h15fxw", "h15fxu", "testbed", 5)
    assert [wckeys_38.render_wckey(key)] == c_body("wckeys", "wckeys")
    [plain] = st.parse_wckeys(text("sacctmgr_wckey.txt"), {"h15fxu": "other"})
    assert not plain.is_default


def test_wckeys_only_the_withdeleted_listing_holds_are_deleted() -> None:
    live = "7|w-b|testbed|u\n5|w-a|testbed|u\n"
    every = "5|w-a|testbed|u\n6|w-gone|testbed|u\n7|w-b|testbed|u\n"
    found = st.parse_wckeys(live, {"u": "w-a"}, every)
    assert [(w.id, w.flags, w.is_default) for w in found] == [
        (5, (), True),
        (6, ("DELETED",), False),
        (7, (), False),
    ]
    # As 22.05 renders a deleted wckey (and a live default beside it).
    assert [wckeys_38.render_wckey(w)["flags"] for w in found] == [["DEFAULT"], ["DELETED"], []]
    # A deleted key named like the user's default is not it: DefaultWCKey names a live one.
    [gone] = st.parse_wckeys("", {"u": "w-gone"}, "6|w-gone|testbed|u\n")
    assert (gone.flags, gone.is_default) == (("DELETED",), False)
    # Without the second listing nothing is taken for deleted.
    assert [w.flags for w in st.parse_wckeys(live, {})] == [(), ()]


def test_a_cluster_without_flags_has_none() -> None:
    listing = (
        "testbed|127.0.0.1|16817|9728|MultipleSlurmd|node[1-4]|109|cpu=8\n"
        "other|||0|None||0|\n"  # what sacctmgr 22.05 prints for a cluster just added
    )
    found = {c.name: c.flags for c in st.parse_clusters(listing, TABLE)}
    assert found == {"testbed": ("MULTIPLE_SLURMD",), "other": ()}


def test_inherited_coordinators_are_told_from_direct_ones() -> None:
    users = {u.name: u for u in people.parse_users(text("sacctmgr_user.txt"), PARENTS)}
    # alice was made coordinator of h15fx (which covers its child h15fxsub).
    assert users["alice"].coordinators == (
        Coordinator("h15fx", True),
        Coordinator("h15fxsub", False),
    )
    accounts = {a.name: a for a in people.parse_accounts(text("sacctmgr_account.txt"))}
    assert accounts["h15fxsub"].coordinators == (
        Coordinator("bob", True),
        Coordinator("alice", False),
    )
    assert people.needs_tree(users.values())
    assert users["root"].administrator_level is AdminLevel.ADMINISTRATOR


def test_free_text_keeps_its_pipe_and_short_lines_are_refused() -> None:
    accounts = {a.name: a for a in people.parse_accounts(text("sacctmgr_account.txt"))}
    assert accounts["h15fx"].description == "fixture | with a pipe"
    with pytest.raises(SlurmError) as err:
        st.rows("a|b\n", ("X", "Y", "Z"), "slurmdb_qos_get")
    assert (err.value.errno, err.value.source) == (Errno.REST_FAIL_PARSING, "slurmdb_qos_get")


def test_tres_amounts_take_ids_units_and_id_order() -> None:
    found = TABLE.amounts("node=2,mem=1G,fs/disk=3,cpu=4,gres/gpu=1,vmem=1.5K")
    assert found == (
        Tres("cpu", None, 1, 4),
        Tres("mem", None, 2, 1024),
        Tres("node", None, 4, 2),
        Tres("fs", "disk", 6, 3),
        Tres("vmem", None, 7, 0),
        Tres("gres", "gpu", None, 1),  # not known to slurmdbd: last
    )
    with pytest.raises(SlurmError):
        TABLE.amounts("cpu=lots")


def test_qos_values_flags_modes_and_times() -> None:
    qos = {q.name: q for q in limits.parse_qos(text("sacctmgr_qos.txt"), TABLE)}
    fixture = qos["h15fxq"]
    assert fixture.flags == ("NO_RESERVE", "DENY_LIMIT")  # sacctmgr: DenyOnLimit,NoReserve
    assert (fixture.grace_time, fixture.preempt_exempt_time) == (120, 300)  # seconds
    assert (fixture.grp_wall, fixture.max_wall_per_job) == (120, 120)  # minutes
    assert fixture.preempt_mode == ("REQUEUE",)
    assert qos["normal"].preempt_mode == ()  # "cluster": no mode of its own
    assert fixture.max_tres_per_user == (Tres("cpu", None, 1, 3), Tres("mem", None, 2, 1024))


def test_shares_parent_and_defaults_of_associations() -> None:
    found = limits.parse_associations(text("sacctmgr_assoc.txt"), TABLE, DEFAULTS)
    by_place = {(a.account, a.user, a.partition): a for a in found}
    assert by_place[("h15fxsub", None, None)].shares_raw == limits.SHARES_PARENT
    assert by_place[("h15fx", "h15fxu", None)].is_default
    assert not by_place[("h15fxsub", "h15fxu", "batch")].is_default
    assert by_place[("h15fx", None, None)].parent_account == "ops"
    assert by_place[("h15fx", "h15fxu", None)].parent_account is None


def test_stats_and_config() -> None:
    parsed = stats.parse_stats(text("sacctmgr_stats.txt"))
    assert parsed.time_start == 1795233636
    [rollup] = parsed.rollups  # the cluster's own hourly rollup is not part of it
    assert (rollup.period, rollup.count, rollup.last_cycle) == (RollupPeriod.HOURLY, 1, 5034)
    assert parsed.rpcs[0].name == "DBD_FINI" and parsed.rpcs[0].count > 0
    assert {u.name for u in parsed.users} >= {"root", "slurm"}
    assert all(r.time_average * r.count <= r.time_total + r.count for r in parsed.rpcs)
    config = stats.parse_dbd_config(text("sacctmgr_config.txt"))
    assert (config.dbd_host, config.storage_loc) == ("localhost", "slurm_acct_db")
    assert (config.track_wckey, config.default_qos) == (False, None)
    assert stats.storage_host(text("sacctmgr_config.txt")) == "127.0.0.1"


# ---------------------------------------------------------------------- writing


def test_set_options_spell_values_as_sacctmgr_reads_them() -> None:
    record = QOS(
        "q",
        grace_time=120,
        preempt_exempt_time=3900,
        grp_wall=90,
        max_jobs_per_user=INFINITE,
        flags=("DENY_LIMIT", "NO_DECAY"),
        grp_tres=(Tres("cpu", count=4), Tres("mem", count=2048), Tres("", id=6, count=1)),
        preempt_mode=(),
        usage_factor=1.5,
    )
    assert limits.set_options(record, limits.QOS_COLUMNS, TABLE, "q") == [
        "Flags=DenyOnLimit,NoDecay",
        "GraceTime=120",
        "GrpTRES=cpu=4,mem=2048,fs/disk=1",
        "GrpWall=90",
        "MaxJobsPU=-1",
        "PreemptExemptTime=01:05:00",
        "UsageFactor=1.5",
    ]


def test_limits_sacctmgr_cannot_set_are_refused() -> None:
    with pytest.raises(SlurmError) as err:
        limits.set_options(Association(min_priority_threshold=3), limits.ASSOC_COLUMNS, TABLE, "a")
    assert err.value.errno == Errno.NOT_SUPPORTED
    parent = Association(shares_raw=limits.SHARES_PARENT, qos=("a", "b"))
    assert limits.set_options(parent, limits.ASSOC_COLUMNS, TABLE, "a") == [
        "Fairshare=parent",
        "QOS=a,b",
    ]


# ---------------------------------------------------------------------- sacct


def test_sacct_json_round_trips_through_the_dbv0_0_38_renderer() -> None:
    raw = json.loads(text("sacct_jobs.json"))["jobs"]
    parsed = sacct_json.jobs_from_sacct(text("sacct_jobs.json"))
    assert [jobs_38.render_job(j) for j in parsed] == raw
    assert [json.dumps(jobs_38.render_job(j)) for j in parsed] == [json.dumps(j) for j in raw]


def without_peaks(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records less where step usage peaked (compared on their own below)."""
    for record in records:
        for step in record["steps"]:
            for side in ("requested", "consumed"):
                for extreme in ("max", "min"):
                    for tres in step["tres"][side][extreme]:
                        for key in sacct_json.PEAK_KEYS:
                            tres.pop(key, None)
    return records


def test_step_usage_peaks_reach_the_records_and_the_rest_round_trips() -> None:
    raw = json.loads(text("sacct_step_usage.json"))["jobs"]
    [step] = raw[0]["steps"]
    peaks = [(t["node"], t["task"]) for t in step["tres"]["requested"]["max"]]
    parsed = sacct_json.jobs_from_sacct(text("sacct_step_usage.json"))
    [canonical] = parsed[0].steps
    assert [(t.node, t.task) for t in canonical.tres_requested_max] == peaks
    rendered = [jobs_38.render_job(j) for j in parsed]
    assert without_peaks(rendered) == without_peaks(raw)


def test_only_the_unconditioned_list_keeps_one_record_per_job() -> None:
    parsed = sacct_json.jobs_from_sacct(text("sacct_jobs.json"))
    assert [j.job_id for j in parsed] == [3086, 3086, 3096, 3097, 3098, 3099]
    listed = sacct_json.select(parsed, JobFilter())
    assert [(j.job_id, j.state) for j in listed][:2] == [(3086, "CANCELLED"), (3096, "COMPLETED")]
    # Any query parameter asks slurmdbd for duplicates (22.05's jobs.c).
    assert len(sacct_json.select(parsed, JobFilter(job_ids=("3086",)))) == 6
    assert len(sacct_json.select(parsed, JobFilter(accounts=("research",)))) == 6


def test_the_unconditioned_list_starts_a_never_started_job_at_its_end() -> None:
    never = dataclasses.replace(sacct_json.jobs_from_sacct(text("sacct_jobs.json"))[1], start=None)
    [listed] = sacct_json.select([never], JobFilter())
    assert listed.start == listed.end == never.end
    [queried] = sacct_json.select([never], JobFilter(accounts=("research",)))
    assert queried.start is None


def test_nothing_found_is_an_empty_list_and_other_errors_raise() -> None:
    assert sacct_json.jobs_from_sacct(text("sacct_nothing_found.json")) == []
    failing = {"errors": [{"error_number": 1007, "error": "Protocol authentication error"}]}
    with pytest.raises(SlurmError) as err:
        sacct_json.jobs_from_sacct(json.dumps(failing))
    assert (err.value.errno, err.value.source) == (1007, "slurmdb_jobs_get")
    with pytest.raises(SlurmError) as err:
        sacct_json.jobs_from_sacct("sacct: error: oops")
    assert err.value.errno == Errno.REST_FAIL_PARSING


def test_local_filters_and_skip_steps() -> None:
    parsed = sacct_json.jobs_from_sacct(text("sacct_jobs.json"))
    assert sacct_json.select(parsed, JobFilter(reasons=("Priority",))) == []
    # 22.05's sacct --json ignores -u: users are picked here.
    assert sacct_json.select(parsed, JobFilter(users=("bob",))) == []
    assert len(sacct_json.select(parsed, JobFilter(users=("alice",)))) == len(parsed) == 6
    assert len(sacct_json.select(parsed, JobFilter(cpus_min=1, cpus_max=1))) == 6
    assert sacct_json.select(parsed, JobFilter(cpus_min=2)) == []
    assert sacct_json.select(parsed, JobFilter(submit_time=1795233754)) == []
    bare = sacct_json.select(parsed, JobFilter(skip_steps=True))
    assert all(j.steps == () for j in bare) and any(j.steps for j in parsed)


def test_sacct_options_for_a_filter() -> None:
    argv = sacct_json.sacct_command(JobFilter(), time.gmtime)
    assert argv == ("sacct", "--json", "-S", "1970-01-01T00:00:00", "-a", "-L")
    query = JobFilter(
        start_time=86400,
        end_time=90000,
        job_ids=("12_3", "14.batch"),
        users=("alice",),
        clusters=("testbed",),
        accounts=("ops",),
        states=("COMPLETED",),
        nodes=("node[1-2]",),
    )
    assert sacct_json.sacct_command(query, time.gmtime)[2:] == (
        "-S", "1970-01-02T00:00:00", "-E", "1970-01-02T01:00:00",
        "-j", "12_3,14.batch", "-a", "-D", "-M", "testbed", "-A", "ops",
        "-s", "COMPLETED", "-N", "node[1-2]",
    )  # fmt: skip
    # With states and no window, sacct's own default ("now") is the REST default too;
    # with a start only, sacct would end the window at the start: the REST end is now.
    assert "-S" not in sacct_json.sacct_command(JobFilter(states=("RUNNING",)))
    started = sacct_json.sacct_command(JobFilter(states=("FAILED",), start_time=0), time.gmtime)
    assert started[2:6] == ("-S", "1970-01-01T00:00:00", "-E", "now")
    assert sacct_json.empty_window(JobFilter(start_time=101), now=100)
    assert not sacct_json.empty_window(JobFilter(start_time=101, end_time=200), now=100)
    with pytest.raises(SlurmError) as err:
        sacct_json.sacct_command(JobFilter(job_ids=("abc",)))
    assert err.value.errno == Errno.INVALID_JOB_ID


# ---------------------------------------------------------------------- sacctmgr's answers

NOT_ADMIN = "sacctmgr: error: Your user doesn't have privilege to perform this action\n"
# (exit status, stdout, stderr) as sacctmgr 22.05 printed them -> errno (None: no error).
ANSWERS = [
    ((0, " Adding Account(s)\n  lab\n", ""), None),
    ((1, " Nothing new added.\n", ""), None),
    ((1, " Nothing deleted\n", ""), None),
    ((1, "", NOT_ADMIN + " Error with request: Access/permission denied\n"), Errno.ACCESS_DENIED),
    (
        (1, " Parent account 'nosuch' doesn't exist on cluster testbed\n", ""),
        Errno.INVALID_PARENT_ACCOUNT,
    ),
    ((1, " This account 'x' doesn't exist.\n", ""), Errno.INVALID_ACCOUNT),
    ((1, " Unknown option: qos=nosuchq\n", "sacctmgr: error: You gave a bad qos 'nosuchq'.\n"),
     Errno.INVALID_QOS),
    ((1, "", "sacctmgr: error: something new\n"), Errno.UNSPECIFIED),
]  # fmt: skip


@pytest.mark.parametrize(("answer", "errno"), ANSWERS)
def test_sacctmgr_answers(answer: tuple[int, str, str], errno: Errno | None) -> None:
    result = CommandResult(("sacctmgr", "-i", "add"), *answer)
    if errno is None:
        assert outcome(result, "slurmdb_accounts_add") in (Outcome.DONE, Outcome.NOTHING)
        return
    with pytest.raises(SlurmError) as err:
        outcome(result, "slurmdb_accounts_add")
    assert (err.value.errno, err.value.source) == (errno, "slurmdb_accounts_add")
    # A refusal carries no text, as slurmdbd's answer to the C daemon; others keep sacctmgr's.
    assert (err.value.description == "") == (errno == Errno.ACCESS_DENIED)


def test_listed_items_are_the_lines_under_the_headers() -> None:
    stdout = (
        " Deleting user associations...\n  C = testbed    A = research   U = carol\n"
        " Deleting users (No Associations)...\n  carol\n Settings\n  Foo = bar\n"
    )
    # The user sacctmgr removed on its own (no association left) is not a removed item.
    assert listed_items(stdout) == ["C = testbed A = research U = carol"]
