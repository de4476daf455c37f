"""The embedded controller's run-time administration rules, as pure functions.

Reservation access and placement, node state changes, how run-time state is
laid over slurm.conf, its storage, and fair share. End-to-end behaviour (the
scheduler honouring all this) is in tests/api/test_v0_0_46_admin_operations.py.
"""

from __future__ import annotations

import math
import os
import pwd

import pytest

from slurmrestd.api.numbers import INFINITE
from slurmrestd.cluster.embedded import shares
from slurmrestd.cluster.embedded.engine import node_admin, partition_admin, reservations
from slurmrestd.cluster.embedded.engine.admin_state import AdminState, effective
from slurmrestd.cluster.embedded.engine.admin_store import AdminStore
from slurmrestd.cluster.embedded.engine.config import (
    EngineConfig,
    NodeConfig,
    PartitionConfig,
    PartitionState,
)
from slurmrestd.cluster.embedded.engine.node_admin import NodeOverride
from slurmrestd.cluster.embedded.engine.records import JobRecord, JobState, NodeAlloc, Submitter
from slurmrestd.cluster.embedded.engine.reservations import Busy, ReservationRecord
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.accounting import Association
from slurmrestd.model.node_update import NodeUpdate
from slurmrestd.model.partition_update import PartitionUpdate
from slurmrestd.model.reservation_request import ReservationRequest
from slurmrestd.model.shares import ShareKind

ME = pwd.getpwuid(os.getuid()).pw_name
NODES = tuple(NodeConfig(f"n{i}", 2, 1000) for i in (1, 2, 3))
CONFIG = EngineConfig(
    cluster_name="c",
    control_host="h",
    nodes=NODES,
    partitions=(
        PartitionConfig("debug", ("n1", "n2", "n3"), default=True),
        PartitionConfig("small", ("n1",)),
    ),
)
NOW = 1_000_000.0


def user(name: str = "alice", group: str = "users", operator: bool = False) -> Submitter:
    return Submitter(5000, 5000, name, group, is_operator=operator)


# --- reservation access -------------------------------------------------------------


@pytest.mark.parametrize(
    ("users", "accounts", "who", "account", "allowed"),
    [
        ("alice,bob", "", "alice", None, True),
        ("alice,bob", "", "carol", None, False),
        ("-alice", "", "alice", None, False),  # a deny list
        ("-alice", "", "carol", None, True),
        ("", "lab", "carol", "lab", True),
        ("", "lab", "carol", "other", False),
        ("alice", "lab", "alice", "other", False),  # users and accounts must both match
        ("alice", "lab", "alice", "lab", True),
    ],
)
def test_who_may_use_a_reservation(users, accounts, who, account, allowed):
    resv = ReservationRecord("r", ("n1",), 0, 10, users=users, accounts=accounts)
    assert reservations.allows(resv, user(who), account) is allowed


def test_operators_may_use_any_reservation():
    resv = ReservationRecord("r", ("n1",), 0, 10, users="bob")
    assert reservations.allows(resv, user("root", operator=True), None)


# --- reservation placement ----------------------------------------------------------


def request(**fields) -> ReservationRequest:
    fields.setdefault("users", ME)
    return ReservationRequest(**fields)


def test_reservation_windows_and_names():
    made = reservations.put(request(node_list="n1", duration=10), {}, CONFIG, [], NOW)
    assert (made.name, made.start_time, made.end_time) == (f"{ME}_0", NOW, NOW + 600)
    assert made.flags == {"SPEC_NODES"}
    taken = {made.name: made}
    assert reservations.put(request(node_list="n2", duration=1), taken, CONFIG, [], NOW).name == (
        f"{ME}_1"
    )
    # Moving the start keeps the length; the end can also be given on its own.
    moved = reservations.put(
        ReservationRequest(name=made.name, start_time=NOW + 60), taken, CONFIG, [], NOW
    )
    assert (moved.start_time, moved.end_time, moved.users) == (NOW + 60, NOW + 660, ME)
    forever = reservations.put(request(node_list="ALL", duration=INFINITE), {}, CONFIG, [], NOW)
    assert forever.nodes == ("n1", "n2", "n3") and "ALL_NODES" in forever.flags
    assert forever.end_time == NOW + reservations.YEAR_SECONDS


@pytest.mark.parametrize(
    ("fields", "errno"),
    [
        (dict(node_list="n1", start_time=int(NOW) - 3600, duration=5), Errno.INVALID_TIME_VALUE),
        (
            dict(node_list="n1", start_time=int(NOW) + 60, end_time=int(NOW) + 30),
            Errno.INVALID_TIME_VALUE,
        ),
        (dict(node_list="n1", duration=5, partition="nope"), Errno.INVALID_PARTITION_NAME),
        (dict(node_list="n[1", duration=5), Errno.INVALID_NODE_NAME),
        (dict(node_count=0, duration=5), Errno.INVALID_NODE_COUNT),
        (dict(node_list="n1", duration=5, groups="no-such-group-x"), Errno.GROUP_ID_MISSING),
        (dict(node_list="n1", duration=5, licenses="a:1"), Errno.NOT_SUPPORTED),
    ],
)
def test_reservation_refusals(fields, errno):
    with pytest.raises(SlurmError) as info:
        reservations.put(request(**fields), {}, CONFIG, [], NOW)
    assert info.value.errno == errno


def test_overlap_busy_nodes_and_the_flags_that_allow_them():
    first = reservations.put(request(name="a", node_list="n1", duration=10), {}, CONFIG, [], NOW)
    existing = {"a": first}
    with pytest.raises(SlurmError) as info:
        reservations.put(request(name="b", node_list="n1", duration=10), existing, CONFIG, [], NOW)
    assert info.value.errno == Errno.RESERVATION_OVERLAP
    later = request(name="b", node_list="n1", start_time=int(NOW) + 600, duration=10)
    assert reservations.put(later, existing, CONFIG, [], NOW).nodes == ("n1",)  # after it
    busy = [Busy(("n2",), NOW + 3600, None)]
    with pytest.raises(SlurmError) as info:
        reservations.put(request(node_list="n2", duration=10), {}, CONFIG, busy, NOW)
    assert info.value.errno == Errno.NODES_BUSY
    for flag in ("IGNORE_JOBS", "MAINT"):
        made = reservations.put(
            request(node_list="n2", duration=10, flags=(flag,)), {}, CONFIG, busy, NOW
        )
        assert flag in made.flags
    # node_count picks nodes free of other reservations and jobs.
    picked = reservations.put(request(node_count=1, duration=10), existing, CONFIG, busy, NOW)
    assert picked.nodes == ("n3",)


def test_flags_are_kept_cleared_or_refused():
    made = reservations.put(
        request(name="r", node_list="n1", duration=5, flags=("MAINT",)), {}, CONFIG, [], NOW
    )
    cleared = reservations.put(
        ReservationRequest(name="r", flags=("NO_MAINT",)), {"r": made}, CONFIG, [], NOW
    )
    assert "MAINT" in made.flags and "MAINT" not in cleared.flags
    with pytest.raises(SlurmError) as info:
        reservations.put(
            request(node_list="n1", duration=5, flags=("WEEKLY",)), {}, CONFIG, [], NOW
        )
    assert info.value.errno == Errno.NOT_SUPPORTED


def job(**fields) -> JobRecord:
    base = dict(
        job_id=1, name="j", user_id=1, group_id=1, user_name="u", group_name="g",
        partition="debug", submit_time=0, script="", cwd="/", environment={},
    )  # fmt: skip
    return JobRecord(**{**base, **fields})


def test_reserved_nodes_for_jobs_inside_and_outside():
    soon = ReservationRecord("soon", ("n1",), int(NOW) + 600, int(NOW) + 1200)
    table = {"soon": soon}
    nodes = ("n1", "n2")
    assert reservations.usable_nodes(job(), nodes, table, NOW, 300) == nodes  # ends before it
    assert reservations.usable_nodes(job(), nodes, table, NOW, 900) == ("n2",)
    assert reservations.usable_nodes(job(), nodes, table, NOW, math.inf) == ("n2",)
    inside = job(reservation="soon")
    assert reservations.usable_nodes(inside, nodes, table, NOW, 60) == ("n1",)
    assert reservations.wait_reason(inside, table, NOW).value == "Reservation"
    assert reservations.wait_reason(inside, table, NOW + 700) is None
    assert reservations.wait_reason(inside, {}, NOW).value == "ReservationDeleted"
    assert reservations.job_deadline(inside, table) == NOW + 1200
    assert reservations.next_boundary(table.values(), NOW + 700) == NOW + 1200


# --- nodes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("configured", "current", "words", "expected"),
    [
        ("IDLE", None, ("DRAIN",), "DRAIN"),
        ("IDLE", "DRAIN", ("RESUME",), None),
        ("IDLE", "DOWN", ("UNDRAIN",), Errno.INVALID_NODE_STATE),
        ("IDLE", "DOWN", ("DRAIN",), "DOWN"),  # draining a down node keeps it down
        ("DOWN", None, ("RESUME",), "IDLE"),  # slurm.conf said DOWN: resumed explicitly
        ("IDLE", None, ("RESUME",), Errno.INVALID_NODE_STATE),
        ("IDLE", None, ("IDLE",), None),
        ("IDLE", None, ("FUTURE",), Errno.INVALID_NODE_STATE),
        ("FUTURE", None, ("RESUME",), "IDLE"),  # no slurmd registers it here
    ],
)
def test_node_state_words(configured, current, words, expected):
    node = NodeConfig("n1", 1, 1, state=configured)
    override = NodeOverride("n1", state=current) if current else None
    change = NodeUpdate(names=("n1",), state=words)
    if isinstance(expected, Errno):
        with pytest.raises(SlurmError) as info:
            node_admin.update(node, override, change, "op", NOW)
        assert info.value.errno == expected
    else:
        assert node_admin.update(node, override, change, "op", NOW).state == expected


def test_reason_is_recorded_and_cleared_by_resume():
    node = NodeConfig("n1", 1, 1)
    drained = node_admin.update(node, None, NodeUpdate(state=("DRAIN",), reason="fan"), "op", NOW)
    assert (drained.reason, drained.reason_user, drained.reason_time) == ("fan", "op", NOW)
    resumed = node_admin.update(node, drained, NodeUpdate(state=("RESUME",)), "op", NOW)
    assert (resumed.state, resumed.reason, resumed.reason_time) == (None, "", 0)
    with pytest.raises(SlurmError) as info:
        node_admin.update(node, None, NodeUpdate(active_features=("gpu",)), "op", NOW)
    assert info.value.errno == Errno.ACTIVE_FEATURE_NOT_SUBSET


# --- run-time state over slurm.conf, and its store ----------------------------------------


def test_effective_configuration():
    state = (
        AdminState()
        .with_node(NodeOverride("n1", state="DRAIN", features=("fast",)))
        .with_dynamic_node(NodeConfig("d1", 4, 100))
        .with_partition(PartitionConfig("new", ("n2", "d1"), default=True))
        .without_partition("small")
    )
    config = effective(CONFIG, state)
    assert [n.name for n in config.nodes] == ["n1", "n2", "n3", "d1"]
    n1 = config.node("n1")
    assert (n1.usable, n1.features) == (False, ("fast",))
    assert [(p.name, p.default) for p in config.partitions] == [("debug", False), ("new", True)]
    # A node that goes away leaves the partitions that listed it.
    gone = effective(CONFIG, state.without_node("d1"))
    assert gone.partition("new").nodes == ("n2",)


def test_store_round_trip(tmp_path):
    resv = ReservationRecord("r", ("n1",), 10, 20, users="a", flags=frozenset({"MAINT", "OVERLAP"}))
    part = PartitionConfig(
        "p", ("n1",), state=PartitionState.DRAIN, max_time=math.inf, default_time=5
    )
    state = (
        AdminState()
        .with_node(NodeOverride("n1", state="DOWN", reason="x", features=("a",)))
        .with_dynamic_node(NodeConfig("d1", 2, 10, features=("f",)))
        .with_partition(part)
        .without_partition("old")
        .with_reservation(resv)
    )
    store = AdminStore(tmp_path / "controller.db")
    store.save(state)
    store.close()
    loaded = AdminStore(tmp_path / "controller.db").load()
    assert loaded == state


def test_partition_rules():
    made = partition_admin.put(PartitionUpdate("p", nodes="n[1-2]", max_time=30), CONFIG)
    assert (made.nodes, made.max_time, made.default) == (("n1", "n2"), 30.0, False)
    changed = partition_admin.put(PartitionUpdate("debug", max_time=INFINITE), CONFIG)
    assert changed.nodes == ("n1", "n2", "n3") and changed.max_time == math.inf
    with pytest.raises(SlurmError) as info:
        partition_admin.put(PartitionUpdate("p", nodes="zz"), CONFIG)
    assert info.value.errno == Errno.INVALID_NODE_NAME
    with pytest.raises(SlurmError) as info:
        partition_admin.check_delete("small", CONFIG, [job(partition="small")])
    assert info.value.errno == Errno.PARTITION_IN_USE


# --- fair share ---------------------------------------------------------------------------


def test_shares_split_usage_down_the_tree():
    assocs = [
        Association(account="root", cluster="c", id=1),
        Association(account="root", user="root", cluster="c", id=2, is_default=True),
        Association(account="lab", parent_account="root", cluster="c", id=3, shares_raw=3),
        Association(account="lab", user="alice", cluster="c", id=4, is_default=True),
        Association(account="lab", user="bob", cluster="c", id=5),
    ]
    run = dict(state=JobState.COMPLETED, allocation=(NodeAlloc("n1", 2, 0),))
    jobs = [
        job(user_name="alice", start_time=100, end_time=160, **run),  # 120 CPU-s, default lab
        job(user_name="bob", account="lab", start_time=100, end_time=130, **run),  # 60
    ]
    table = shares.compute(assocs, jobs, NOW, "c")
    rows = {(r.parent, r.name): r for r in table.rows}
    assert [r.name for r in table.rows] == ["root", "root", "lab", "alice", "bob"]
    alice, bob, lab = rows[("lab", "alice")], rows[("lab", "bob")], rows[("root", "lab")]
    assert (alice.usage, bob.usage, lab.usage) == (120, 60, 180)
    assert alice.usage_normalized == pytest.approx(2 / 3)
    assert lab.shares_normalized == pytest.approx(3 / 4)  # 3 of root's 1 + 3 shares
    assert alice.shares_normalized == pytest.approx(1 / 2)
    assert alice.fairshare_factor == pytest.approx(2 ** (-(2 / 3) / (3 / 8)))
    assert alice.fairshare_level == pytest.approx((1 / 2) / (2 / 3))
    assert rows[("root", "root")].fairshare_level == INFINITE  # used nothing
    assert table.total_shares == 4
    assert alice.kind is ShareKind.USER and lab.kind is ShareKind.ASSOCIATION
    only_bob = shares.compute(assocs, jobs, NOW, "c", users=("bob",))
    assert [(r.parent, r.name) for r in only_bob.rows] == [("root", "lab"), ("lab", "bob")]
