"""SlurmAccounting over a fake command runner: which commands run, as whom, and what
their answers become (the subprocess boundary is the only thing faked)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from slurm.fakes import FakeRunner
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.accounting import (
    AccountFilter,
    AssocFilter,
    InstanceFilter,
    JobChanges,
    JobFilter,
    QosFilter,
    WCKeyFilter,
)
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm import sacct_exit_codes, sacct_json
from slurmrestd.cluster.slurm import sacctmgr_limits as limits
from slurmrestd.cluster.slurm import sacctmgr_people as people
from slurmrestd.cluster.slurm import sacctmgr_text as st
from slurmrestd.cluster.slurm.accounting import (
    SHOW_CONFIG,
    SHOW_TRES,
    TRES_FRESH_S,
    SlurmAccounting,
)
from slurmrestd.cluster.slurm.commands import SlurmCommands
from slurmrestd.model.accounting import Account, Association, Coordinator, Tres, User, WCKey

DATA = Path(__file__).parent / "data"
ALICE = Identity("alice", 1001, 1001, "rest_auth/jwt", token="alice-token")
BOB = Identity("bob", 1002, 1002, "rest_auth/jwt", token="bob-token")
SHOW_ACCOUNTS = st.show_command("account", people.ACCOUNT_FIELDS, "withassoc", "withcoord")
SHOW_QOS = st.show_command("qos", limits.QOS_FIELDS)
DENIED = (1, "", "sacctmgr: error: Your user doesn't have privilege to perform this action\n")


@pytest.fixture(autouse=True)
def _tokens_name_their_users(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fake tokens are no JWTs; commands.py would refuse them otherwise.
    monkeypatch.setattr("slurmrestd.cluster.slurm.commands.token_user", lambda token: None)


class Clock:
    """A monotonic clock that moves a quarter second each time it is read."""

    def __init__(self) -> None:
        self.now = 10.0

    def __call__(self) -> float:
        self.now += 0.25
        return self.now


def store_with(
    answers: dict[tuple[str, ...], tuple[int, str, str]], clock: Clock | None = None
) -> tuple[SlurmAccounting, FakeRunner]:
    runner = FakeRunner(answers)
    commands = SlurmCommands("/etc/slurm/slurm.conf", runner=runner, base_env={"PATH": "/bin"})
    return SlurmAccounting(commands, "testbed", clock=clock or Clock()), runner


def argvs(runner: FakeRunner) -> list[tuple[str, ...]]:
    return [tuple(argv) for argv, _ in runner.calls]


def tres() -> tuple[int, str, str]:
    return (0, (DATA / "sacctmgr_tres.txt").read_text(), "")


def test_reads_run_as_the_caller_and_parse_the_output() -> None:
    qos_text = (DATA / "sacctmgr_qos.txt").read_text()
    store, runner = store_with({SHOW_TRES: tres(), SHOW_QOS: (0, qos_text, "")})
    found = store.qos_list(ALICE, QosFilter())
    assert [q.name for q in found] == ["normal", "high", "h15fxq"]
    assert sorted(argvs(runner)) == sorted([SHOW_TRES, SHOW_QOS])  # run side by side
    assert runner.last_env["SLURM_JWT"] == "alice-token"
    assert runner.last_env["SLURM_CONF"] == "/etc/slurm/slurm.conf"


def test_identical_concurrent_reads_share_one_run_but_not_across_tokens() -> None:
    store, runner = store_with({SHOW_TRES: tres()})
    runner.gate = threading.Event()
    results: list[list[Tres]] = []
    threads = [
        threading.Thread(target=lambda: results.append(store.tres_list(ALICE))) for _ in range(2)
    ]
    key = (ALICE.user_name, ALICE.uid, ALICE.token, SHOW_TRES)
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while store._reads.callers(key) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    other = threading.Thread(target=lambda: results.append(store.tres_list(BOB)))
    other.start()
    runner.gate.set()
    for thread in [*threads, other]:
        thread.join(5)
    assert len(results) == 3 and results[0] == results[1] == results[2]
    assert [env["env"]["SLURM_JWT"] for _, env in runner.calls] == ["alice-token", "bob-token"]


def test_a_refusal_is_2002_without_description_named_after_the_slurmdb_call() -> None:
    show = st.show_command("wckey", st.WCKEY_FIELDS)
    store, _ = store_with({show: DENIED, SHOW_ACCOUNTS: DENIED})
    with pytest.raises(SlurmError) as err:
        store.wckeys(ALICE, WCKeyFilter())
    assert (err.value.errno, err.value.description, err.value.source) == (
        Errno.ACCESS_DENIED,
        "",
        "slurmdb_wckeys_get",
    )
    # GET /config: refused wckeys are a problem of the dump, refused accounts its failure.
    assert [p.source for p in store_with({show: DENIED})[0].config(ALICE).problems] == [
        "slurmdb_wckeys_get"
    ]
    with pytest.raises(SlurmError):
        store_with({show: DENIED, SHOW_ACCOUNTS: DENIED})[0].config(ALICE)


def test_a_new_account_gets_no_association_an_existing_one_is_modified() -> None:
    listing = "ops|root||testbed|||4|2|it|operations\n"
    store, runner = store_with({SHOW_ACCOUNTS: (0, listing, "")})
    store.add_accounts(ALICE, [Account("lab", "d", "o"), Account("ops", "new text")])
    assert argvs(runner) == [
        SHOW_ACCOUNTS,
        ("sacctmgr", "-i", "add", "account", "lab", "Description=d", "Organization=o"),
        ("sacctmgr", "-i", "delete", "account", "Names=lab", "Clusters=testbed"),
        (
            "sacctmgr",
            "-i",
            "modify",
            "account",
            "where",
            "Names=ops",
            "set",
            "Description=new text",
        ),
    ]


def test_a_new_user_needs_an_account_for_sacctmgr() -> None:
    show = st.show_command("user", people.USER_FIELDS, "withassoc", "withcoord", "names=carol")
    store, runner = store_with({show: (0, "", "")})
    with pytest.raises(SlurmError) as err:
        store.add_users(ALICE, [User("carol")])
    assert err.value.errno == Errno.INVALID_ACCOUNT
    assert argvs(runner) == [show]
    store.add_users(ALICE, [User("carol", default_account="ops")])
    assert argvs(runner)[-1] == (
        "sacctmgr", "-i", "add", "user", "carol", "Accounts=ops", "AdminLevel=None",
        "DefaultAccount=ops",
    )  # fmt: skip


def test_nothing_to_delete_is_an_empty_answer_and_refusals_raise() -> None:
    gone = ("sacctmgr", "-i", "delete", "account", "Names=gone")
    denied = ("sacctmgr", "-i", "delete", "qos", "Names=normal")
    store, _ = store_with({gone: (1, " Nothing deleted\n", ""), denied: DENIED})
    assert store.delete_account(ALICE, "gone") == []
    with pytest.raises(SlurmError) as err:
        store.delete_qos(ALICE, "normal")
    assert (err.value.errno, err.value.source) == (Errno.ACCESS_DENIED, "slurmdb_qos_remove")
    with pytest.raises(SlurmError) as err:
        store.delete_associations(ALICE, AssocFilter(qos=("normal",)))
    assert err.value.errno == Errno.REST_INVALID_QUERY


def test_job_record_changes() -> None:
    modify = ("sacctmgr", "-i", "modify", "job", "where", "JobID=3097", "set", "Comment=hi")
    missing = ("sacctmgr", "-i", "modify", "job", "where", "JobID=9", "set", "Comment=hi")
    done = " Modified jobs...\n  3097 submitted at 2026-11-21T04:02:33\n"
    store, _ = store_with({modify: (0, done, ""), missing: (1, " Nothing modified\n", "")})
    assert store.modify_jobs(ALICE, ["3097"], JobChanges(comment_job="hi")) == ["3097"]
    with pytest.raises(SlurmError) as err:
        store.modify_jobs(ALICE, ["9"], JobChanges(comment_job="hi"))
    assert err.value.errno == Errno.INVALID_JOB_ID
    with pytest.raises(SlurmError) as err:
        store.modify_jobs(ALICE, ["3097"], JobChanges(extra="x"))
    assert err.value.errno == Errno.NOT_IMPLEMENTED


def test_what_22_05_commands_cannot_do() -> None:
    store, runner = store_with({SHOW_TRES: tres()})
    with pytest.raises(SlurmError) as err:
        store.instances(ALICE, InstanceFilter())
    assert err.value.errno == Errno.NOT_IMPLEMENTED
    store.add_tres(ALICE, [Tres("cpu"), Tres("fs", "disk")])  # known: nothing to do
    with pytest.raises(SlurmError) as err:
        store.add_tres(ALICE, [Tres("gres", "gpu")])
    assert err.value.errno == Errno.NOT_IMPLEMENTED
    assert argvs(runner) == [SHOW_TRES]  # the definitions once, no change attempted


def test_an_association_comment_is_refused_not_dropped() -> None:
    store, runner = store_with({SHOW_TRES: tres()})
    commented = Association(account="ops", user="carol", comment="first")
    with pytest.raises(SlurmError) as err:
        store.add_associations(ALICE, [commented])
    assert (err.value.errno, err.value.source) == (Errno.NOT_SUPPORTED, "slurmdb_associations_add")
    assert not [argv for argv in argvs(runner) if "add" in argv or "modify" in argv]
    store.add_associations(ALICE, [Association(account="ops", user="carol", comment="")])
    assert argvs(runner)[-1][:5] == ("sacctmgr", "-i", "add", "user", "carol")


SHOW_WCKEYS = st.show_command("wckey", st.WCKEY_FIELDS, "users=u")
SHOW_ALL_WCKEYS = st.show_command("wckey", st.WCKEY_FIELDS, "users=u", "withdeleted")


def test_deleted_wckeys_are_told_from_a_second_listing_with_the_deleted_ones() -> None:
    answers = {
        SHOW_WCKEYS: (0, "5|w-a|testbed|u\n", ""),
        SHOW_ALL_WCKEYS: (0, "5|w-a|testbed|u\n6|w-gone|testbed|u\n", ""),
        people.SHOW_DEFAULT_WCKEYS: (0, "u|w-a\n", ""),
    }
    store, runner = store_with(answers)
    found = store.wckeys(ALICE, WCKeyFilter(users=("u",), with_deleted=True))
    assert [(w.name, w.flags, w.is_default) for w in found] == [
        ("w-a", (), True),
        ("w-gone", ("DELETED",), False),
    ]
    assert sorted(argvs(runner)) == sorted(
        [SHOW_WCKEYS, SHOW_ALL_WCKEYS, people.SHOW_DEFAULT_WCKEYS]
    )
    # Without deleted ones asked for, the live listing alone.
    store, runner = store_with(answers)
    assert [w.name for w in store.wckeys(ALICE, WCKeyFilter(users=("u",)))] == ["w-a"]
    assert SHOW_ALL_WCKEYS not in argvs(runner)


def test_a_wckey_marked_default_becomes_its_users_default() -> None:
    store, runner = store_with({})
    store.add_wckeys(ALICE, [WCKey("w-a", "u"), WCKey("w-b", "u", "other", is_default=True)])
    add = ("sacctmgr", "-i", "add", "user", "u")
    assert argvs(runner) == [
        (*add, "WCKeys=w-a", "Clusters=testbed"),
        (*add, "WCKeys=w-b", "Clusters=other"),
        (
            *("sacctmgr", "-i", "modify", "user", "where", "Names=u", "Clusters=other"),
            *("set", "DefaultWCKey=w-b"),
        ),
    ]
    assert runner.last_env["SLURM_JWT"] == "alice-token"


def test_tres_definitions_are_reused_for_a_while_but_listed_afresh() -> None:
    clock = Clock()
    store, runner = store_with({SHOW_TRES: tres()}, clock)
    store.tres_table(ALICE)
    store.tres_table(BOB)
    assert len(runner.calls) == 1
    clock.now += TRES_FRESH_S
    store.tres_table(BOB)
    assert len(runner.calls) == 2
    assert store.tres_list(ALICE)[0] == Tres("cpu", None, 1, 0)
    assert len(runner.calls) == 3


def test_ping_is_an_answer_to_show_config() -> None:
    config = (DATA / "sacctmgr_config.txt").read_text()
    store, _ = store_with({SHOW_CONFIG: (0, config, "")})
    ping = store.ping(ALICE)
    assert (ping.hostname, ping.responding, ping.latency_us) == ("localhost", True, 250000)
    head = config.split("SlurmDBD configuration")[0]
    down = store_with({SHOW_CONFIG: (1, head, "sacctmgr: error: connection refused")})[0]
    ping = down.ping(ALICE)
    assert (ping.hostname, ping.responding) == ("127.0.0.1", False)


def test_the_exit_code_filter_runs_sacct_twice() -> None:
    query = JobFilter(exit_code=3)
    codes = "3086|0:0|0:0\n3086|0:0|0:0\n3096|0:0|0:0\n3097|3:0|0:0\n3098|0:0|0:0\n"
    answers = {
        sacct_json.sacct_command(query): (0, (DATA / "sacct_jobs.json").read_text(), ""),
        sacct_exit_codes.command(query): (0, codes + "3099|0:0|0:0\n", ""),
    }
    store, runner = store_with(answers)
    assert [j.job_id for j in store.jobs(ALICE, query)] == [3097]
    assert len(runner.calls) == 2
    # A window starting in the future finds nothing (sacct would refuse to run).
    assert store.jobs(ALICE, JobFilter(start_time=int(time.time()) + 3600)) == []
    assert len(runner.calls) == 2
    with pytest.raises(SlurmError) as err:
        store.job(ALICE, "12;rm")
    assert err.value.errno == Errno.INVALID_JOB_ID


def test_account_filters_apply_to_the_whole_listing() -> None:
    listing = (DATA / "sacctmgr_account.txt").read_text()
    store, runner = store_with({SHOW_ACCOUNTS: (0, listing, "")})
    found = store.accounts(ALICE, AccountFilter(names=("h15fxsub",)))
    assert [a.name for a in found] == ["h15fxsub"]
    # The parent's coordinators were listed too, so alice shows as inherited.
    assert [(c.name, c.direct) for c in found[0].coordinators] == [("bob", True), ("alice", False)]
    assert argvs(runner) == [SHOW_ACCOUNTS]


def test_only_missing_coordinators_are_added() -> None:
    listing = "ops|root|bob|testbed|||4|2|it|operations\n"
    store, runner = store_with({SHOW_ACCOUNTS: (0, listing, "")})
    wanted = (Coordinator("bob"), Coordinator("carol"))
    store.add_accounts(ALICE, [Account("ops", coordinators=wanted)])
    assert argvs(runner) == [
        SHOW_ACCOUNTS,
        ("sacctmgr", "-i", "add", "coordinator", "Accounts=ops", "Names=carol"),
    ]


def test_reads_are_reused_within_the_freshness_bound_until_a_change() -> None:
    qos_text = (DATA / "sacctmgr_qos.txt").read_text()
    runner = FakeRunner({SHOW_TRES: tres(), SHOW_QOS: (0, qos_text, "")})
    now = [10.0]
    commands = SlurmCommands("/etc/slurm/slurm.conf", runner=runner, base_env={"PATH": "/bin"})
    store = SlurmAccounting(commands, "testbed", clock=lambda: now[0], freshness=1.0)

    def qos_reads() -> int:
        return argvs(runner).count(SHOW_QOS)

    store.qos_list(ALICE, QosFilter())
    store.qos_list(ALICE, QosFilter())
    assert qos_reads() == 1
    now[0] += 1.5
    store.qos_list(ALICE, QosFilter())
    assert qos_reads() == 2  # older than the bound: read again
    store.delete_qos(ALICE, "h15fxq")
    store.qos_list(ALICE, QosFilter())
    assert qos_reads() == 3  # a change through the store is seen at once


def test_a_reused_job_listing_is_the_same_records_not_a_new_parse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    query = JobFilter(accounts=("research",))
    answers = {
        sacct_json.sacct_command(query): (0, (DATA / "sacct_jobs.json").read_text(), ""),
        sacct_exit_codes.command(query): (0, "", ""),
    }
    runner = FakeRunner(answers)
    now = [10.0]
    commands = SlurmCommands("/etc/slurm/slurm.conf", runner=runner, base_env={"PATH": "/bin"})
    store = SlurmAccounting(commands, "testbed", clock=lambda: now[0], freshness=1.0)
    parses = []
    real_parse = sacct_json.jobs_from_sacct
    monkeypatch.setattr(
        sacct_json, "jobs_from_sacct", lambda text: parses.append(1) or real_parse(text)
    )
    first, again = store.jobs(ALICE, query), store.jobs(ALICE, query)
    assert first and len(parses) == 1 and len(runner.calls) == 2
    # The very records: each job's rendered JSON is reused by identity (api/prerendered.py).
    assert all(a is b for a, b in zip(first, again, strict=True))
    first.clear()  # a caller's list is its own
    assert store.jobs(ALICE, query) == again
    assert store.jobs(BOB, query) and len(parses) == 2  # another user's token: its own read


def test_reads_that_run_commands_side_by_side_are_never_tried_from_memory() -> None:
    # Their threads would not see memory-only mode: the event loop would wait for them.
    from slurmrestd.cluster.memory_only import try_from_memory

    store, runner = store_with({SHOW_TRES: tres(), SHOW_QOS: (0, "", "")})
    assert try_from_memory(store.qos_list, ALICE, QosFilter()) == (False, None)
    assert runner.calls == []
