"""SlurmCluster's administration and job control operations, over a fake subprocess runner.

The runner answers with real 22.05 output (the shared reference job and node
tables, text captured on the testbed); what is checked is which commands run,
in which order, and what the operation answers.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from slurm.fakes import FakeRunner
from slurm.test_slurm_commands import CONFIG, jwt_identity, sh_spawner
from slurm.test_slurm_text_parsers import PARTITIONS, RESERVATIONS
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm import SlurmCluster, SlurmCommands
from slurmrestd.cluster.slurm.cluster import (
    SHOW_PARTITIONS,
    SHOW_RESERVATIONS,
    SINFO_JSON,
    SQUEUE_JSON,
)
from slurmrestd.cluster.slurm.config_text import SHOW_CONFIG
from slurmrestd.cluster.slurm.sshare_text import SSHARE
from slurmrestd.model.job import JobState
from slurmrestd.model.job_control import JobOutcome, KillJobsFilter
from slurmrestd.model.job_desc import JobDescription
from slurmrestd.model.node_update import NodeUpdate
from slurmrestd.model.partition_update import PartitionUpdate
from slurmrestd.model.reservation_request import ReservationRequest

DATA = Path(__file__).parent / "data" / "admin"
PING = (0, "Slurmctld(primary) at ctl1 is UP\n", "")
Answer = tuple[int, str, str]


class SequenceRunner(FakeRunner):
    """A FakeRunner whose answers for a command change call by call (the last repeats)."""

    def __init__(self, answers: dict[tuple[str, ...], Answer], series: dict[Any, list[Answer]]):
        super().__init__(answers)
        self.series = series

    def __call__(self, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        queue = self.series.get(tuple(argv))
        if queue:
            self.answers[tuple(argv)] = queue.pop(0) if len(queue) > 1 else queue[0]
        return super().__call__(argv, **kwargs)


@pytest.fixture
def answers(shared_reference: Path) -> dict[tuple[str, ...], Answer]:
    found = shared_reference / "slurm-22.05/responses"
    return {
        ("scontrol", "ping"): PING,
        ("scontrol", "show", "config"): (0, CONFIG, ""),
        SQUEUE_JSON: (0, (found / "GET_slurm_v0.0.38_jobs.json").read_text(), ""),
        SINFO_JSON: (0, (found / "GET_slurm_v0.0.38_nodes.json").read_text(), ""),
        SHOW_PARTITIONS: (0, PARTITIONS, ""),
        SHOW_RESERVATIONS: (0, RESERVATIONS, ""),
    }


def cluster_with(runner: FakeRunner, spawner: Any = None, euid: int = 1001) -> SlurmCluster:
    extra = {} if spawner is None else {"spawner": spawner}
    commands = SlurmCommands("/c", runner=runner, base_env={"PATH": "/bin"}, **extra)
    return SlurmCluster.connect_with(commands, euid=lambda: euid, freshness=60.0)


def argvs(runner: FakeRunner, after: int = 0) -> list[list[str]]:
    return [argv for argv, _ in runner.calls[after:]]


def refused(call: Any, *args: Any) -> SlurmError:
    with pytest.raises(SlurmError) as info:
        call(*args)
    return info.value


# ------------------------------------------------------------------- nodes --


def test_node_updates_run_in_order_and_drop_cached_reads(
    answers: dict[tuple[str, ...], Answer],
) -> None:
    runner = FakeRunner(answers)
    cluster = cluster_with(runner)
    alice = jwt_identity()
    cluster.nodes(alice)
    start = len(runner.calls)
    cluster.update_nodes(alice, NodeUpdate(names=("node4",), state=("DOWN", "DRAIN"), reason="x"))
    assert argvs(runner, start) == [
        ["scontrol", "update", "NodeName=node4", "State=DOWN", "Reason=x"],
        ["scontrol", "update", "NodeName=node4", "State=DRAIN", "Reason=x"],
    ]
    cluster.nodes(alice)  # within the freshness bound, but after a write
    assert argvs(runner)[-1] == list(SINFO_JSON)


def test_a_plain_users_node_update_is_slurms_permission_error(
    answers: dict[tuple[str, ...], Answer],
) -> None:
    argv = ("scontrol", "update", "NodeName=node4", "State=RESUME")
    runner = FakeRunner({**answers, argv: (1, "", "slurm_update error: Invalid user id\n")})
    error = refused(
        cluster_with(runner).update_nodes, jwt_identity(), NodeUpdate(("node4",), ("RESUME",))
    )
    assert (error.errno, error.source) == (Errno.USER_ID_MISSING, "slurm_update_node")


@pytest.mark.parametrize(
    ("shown", "created"),
    [((0, "NodeName=dyn1 Arch=x86_64\n", ""), True), ((1, "", "Node dyn1 not found\n"), False)],
)
def test_a_created_node_is_checked_to_exist(
    answers: dict[tuple[str, ...], Answer], shown: Answer, created: bool
) -> None:
    show = ("scontrol", "--oneliner", "show", "node", "dyn1")
    runner = FakeRunner({**answers, show: shown})
    cluster = cluster_with(runner)
    start = len(runner.calls)
    if created:
        cluster.create_node(jwt_identity(), "NodeName=dyn1 CPUs=1 State=FUTURE")
    else:
        error = refused(cluster.create_node, jwt_identity(), "NodeName=dyn1 CPUs=1")
        assert (error.errno, error.source) == (Errno.NOT_SUPPORTED, "slurm_create_node")
    assert argvs(runner, start)[0][:3] == ["scontrol", "create", "NodeName=dyn1"]
    assert argvs(runner, start)[1] == list(show)


def test_node_deletion_and_reconfigure_are_scontrol_commands(
    answers: dict[tuple[str, ...], Answer],
) -> None:
    delete = ("scontrol", "delete", "NodeName=n9")
    text = "delete_node NodeName=n9: Invalid node name specified\n"
    runner = FakeRunner({**answers, delete: (1, "", f"scontrol: error: x\n{text}")})
    cluster = cluster_with(runner)
    error = refused(cluster.delete_node, jwt_identity(), "n9")
    assert (error.errno, error.source) == (Errno.INVALID_NODE_NAME, "slurm_delete_node")
    cluster.reconfigure(jwt_identity())
    assert argvs(runner)[-1] == ["scontrol", "reconfigure"]


# -------------------------------------------------------------- partitions --


def test_partitions_are_updated_when_known_and_created_otherwise(
    answers: dict[tuple[str, ...], Answer],
) -> None:
    runner = FakeRunner(answers)
    cluster = cluster_with(runner)
    start = len(runner.calls)
    notes = cluster.update_partitions(
        jwt_identity(),
        [
            PartitionUpdate(name="debug", max_time=60),
            PartitionUpdate(name="p9", nodes="node4", other={"topology": "t"}),
            PartitionUpdate(name="p9", priority_tier=2),
            PartitionUpdate(name="batch"),  # nothing to change
        ],
    )
    assert argvs(runner, start) == [
        list(SHOW_PARTITIONS),
        ["scontrol", "update", "PartitionName=debug", "MaxTime=60"],
        ["scontrol", "create", "PartitionName=p9", "Nodes=node4"],
        ["scontrol", "update", "PartitionName=p9", "PriorityTier=2"],
    ]
    assert notes == ["partition p9: topology cannot be set by scontrol; ignored"]


def test_partition_refusals_name_the_call(answers: dict[tuple[str, ...], Answer]) -> None:
    create = ("scontrol", "create", "PartitionName=p9")
    delete = ("scontrol", "delete", "PartitionName=p9")
    runner = FakeRunner(
        {
            **answers,
            create: (1, "", "Error creating the partition: Invalid user id\n"),
            delete: (
                1,
                "",
                "delete_partition PartitionName=p9: Invalid partition name specified\n",
            ),
        }
    )
    cluster = cluster_with(runner)
    error = refused(cluster.update_partitions, jwt_identity(), [PartitionUpdate(name="p9")])
    assert (error.errno, error.source) == (Errno.USER_ID_MISSING, "slurm_create_partition")
    error = refused(cluster.delete_partition, jwt_identity(), "p9")
    assert (error.errno, error.source) == (Errno.INVALID_PARTITION_NAME, "slurm_delete_partition")


# ------------------------------------------------------------ reservations --


def test_reservations_are_created_or_updated_and_read_back(
    answers: dict[tuple[str, ...], Answer],
) -> None:
    added = RESERVATIONS + RESERVATIONS.splitlines()[0].replace("h8probe", "alice_61") + "\n"
    create = ("scontrol", "create", "reservation", "StartTime=now", "Duration=5", "Nodes=node4")
    runner = SequenceRunner(
        {**answers, create: (0, "Reservation created: alice_61\n", "")},
        {SHOW_RESERVATIONS: [(0, RESERVATIONS, ""), (0, added, "")]},
    )
    cluster = cluster_with(runner)
    start = len(runner.calls)
    done = cluster.update_reservations(
        jwt_identity(),
        [
            ReservationRequest(name="h8probe", duration=30),
            ReservationRequest(node_list="node4", duration=5),
            ReservationRequest(name="h8probe2"),  # nothing to change
        ],
    )
    assert argvs(runner, start) == [
        list(SHOW_RESERVATIONS),
        ["scontrol", "update", "ReservationName=h8probe", "Duration=30"],
        list(create),
        list(SHOW_RESERVATIONS),
    ]
    assert [r.name for r in done] == ["h8probe", "alice_61", "h8probe2"]
    # Times as unix seconds: the reads run with SLURM_TIME_FORMAT=%s.
    assert runner.calls[start][1]["env"]["SLURM_TIME_FORMAT"] == "%s"


INVALID_RESERVATION = "Requested reservation is invalid\n"


def test_reservation_refusals_name_the_call(answers: dict[tuple[str, ...], Answer]) -> None:
    update = ("scontrol", "update", "ReservationName=h8probe", "Duration=30")
    delete = ("scontrol", "delete", "ReservationName=x")
    runner = FakeRunner(
        {
            **answers,
            update: (1, "", "Error updating the reservation: Invalid user id\n"),
            delete: (1, "", "delete_reservation ReservationName=x: " + INVALID_RESERVATION),
        }
    )
    cluster = cluster_with(runner)
    request = [ReservationRequest(name="h8probe", duration=30)]
    error = refused(cluster.update_reservations, jwt_identity(), request)
    assert (error.errno, error.source) == (Errno.USER_ID_MISSING, "slurm_update_reservation")
    error = refused(cluster.delete_reservation, jwt_identity(), "x")
    assert (error.errno, error.source) == (Errno.RESERVATION_INVALID, "slurm_delete_reservation")


# ------------------------------------------------- configuration, fair share --


def test_config_and_shares_are_shared_reads(answers: dict[tuple[str, ...], Answer]) -> None:
    runner = FakeRunner(
        {
            **answers,
            SHOW_CONFIG: (0, (DATA / "scontrol_show_config.txt").read_text(), ""),
            SSHARE: (0, (DATA / "sshare.txt").read_text(), ""),
        }
    )
    cluster = cluster_with(runner)
    alice = jwt_identity()
    config = cluster.controller_config(alice)
    assert (config.last_update, config.get("ClusterName")) == (1795234844, "testbed")
    assert [r.name for r in cluster.shares(alice, ["ops"], ["bob"]).rows] == ["ops", "bob"]
    assert len(cluster.shares(alice, [], []).rows) == 9
    assert [argv for argv in argvs(runner) if argv[0] == "sshare"] == [list(SSHARE)]
    assert sum(1 for argv in argvs(runner) if tuple(argv) == SHOW_CONFIG) == 2  # + connect


# -------------------------------------------------------------- job control --


def test_job_states_and_resources_come_from_the_job_table(
    answers: dict[tuple[str, ...], Answer],
) -> None:
    runner = FakeRunner(answers)
    cluster = cluster_with(runner)
    alice = jwt_identity()
    states = cluster.job_states(alice, ["26", "24"])
    assert [(e.job_id, e.state, e.array_job_id) for e in states] == [
        (24, JobState.RUNNING, None),
        (26, JobState.PENDING, 26),
    ]
    assert len(cluster.job_states(alice, [])) == 26
    [layout] = cluster.job_resources(alice, "24")
    assert (layout.node, layout.sockets_per_node, layout.cores_per_socket) == ("node2", 1, 2)
    assert layout.core_bitmap == "0"
    assert refused(cluster.job_resources, alice, "25").errno == Errno.JOB_NOT_RUNNING
    assert refused(cluster.job_states, alice, ["999"]).errno == Errno.INVALID_JOB_ID


def test_requeue_options_go_to_scontrol(answers: dict[tuple[str, ...], Answer]) -> None:
    argv = ("scontrol", "requeuehold", "State=SpecialExit", "25")
    runner = FakeRunner({**answers, argv: (1, "", "Job is pending execution for job 25\n")})
    error = refused(
        cluster_with(runner).requeue_job_with_flags,
        jwt_identity(),
        "25",
        frozenset({"SPECIAL_EXIT"}),
    )
    assert (error.errno, error.source) == (Errno.JOB_PENDING, "slurm_requeue")


def spawning(stderr: str, spawned: list[list[str]], tail: str = "") -> Any:
    def spawn(argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        spawned.append(argv)
        return sh_spawner(f"printf '%s' '{stderr}' >&2{tail}")(argv, **kwargs)

    return spawn


def test_bulk_kill_signals_the_selected_jobs_in_one_scancel(
    answers: dict[tuple[str, ...], Answer],
) -> None:
    spawned: list[list[str]] = []
    refusal = "scancel: error: Kill job error on job id 24: Access/permission denied\n"
    cluster = cluster_with(FakeRunner(answers), spawning(refusal, spawned))
    outcomes = cluster.kill_jobs(jwt_identity(), KillJobsFilter(jobs=("24", "3", "999")))
    assert spawned == [["scancel", "-v", "24", "3"]]  # in the order named
    assert outcomes == [
        JobOutcome(3),
        JobOutcome(24, Errno.ACCESS_DENIED, "Access/permission denied"),
        JobOutcome(999, Errno.INVALID_JOB_ID, "Invalid job id specified"),
    ]


def test_a_filter_reaches_only_the_callers_jobs_unless_operator(
    answers: dict[tuple[str, ...], Answer],
) -> None:
    spawned: list[list[str]] = []
    runner = FakeRunner(answers)
    cluster = cluster_with(runner, spawning("", spawned))
    by_name = KillJobsFilter(job_name="running")
    assert cluster.kill_jobs(jwt_identity(), by_name) == [JobOutcome(24)]
    assert cluster.kill_jobs(jwt_identity(), KillJobsFilter(user_name="bob")) == []
    assert spawned == [["scancel", "-v", "24"]]
    # root may reach bob's pending jobs; a signal other than KILL gets "try again later".
    root = jwt_identity("root")
    outcomes = cluster.kill_jobs(root, KillJobsFilter(user_name="bob", signal=10))
    assert [(o.job_id, o.errno) for o in outcomes] == [(25, 2020), (26, 2020)]
    assert len(spawned) == 1


def test_a_scancel_failure_that_names_no_job_is_the_requests_error(
    answers: dict[tuple[str, ...], Answer],
) -> None:
    stderr = "scancel: error: Zero Bytes were transmitted or received\n"
    cluster = cluster_with(FakeRunner(answers), spawning(stderr, [], tail="; exit 1"))
    error = refused(cluster.kill_jobs, jwt_identity(), KillJobsFilter(jobs=("24",)))
    assert error.description == "scancel: error: Zero Bytes were transmitted or received"


# -------------------------------------------------------------- allocations --


def test_an_allocation_returns_once_salloc_says_the_job_is_queued(
    answers: dict[tuple[str, ...], Answer],
) -> None:
    spawned: list[list[str]] = []
    queued = "salloc: Pending job allocation 77\nsalloc: job 77 queued and waiting for resources\n"
    cluster = cluster_with(FakeRunner(answers), spawning(queued, spawned, tail="; sleep 30"))
    result = cluster.allocate_job(jwt_identity(), [JobDescription(name="al", hold=True)])
    assert (result.job_id, [n for n, _ in result.notices]) == (77, [Errno.JOB_HELD])
    assert spawned == [["salloc", "--no-shell", "--job-name=al", "--hold"]]


def test_an_allocation_for_another_users_token_is_refused_before_salloc(
    answers: dict[tuple[str, ...], Answer],
) -> None:
    spawned: list[list[str]] = []
    cluster = cluster_with(FakeRunner(answers), spawning("", spawned), euid=0)
    error = refused(cluster.allocate_job, jwt_identity(), [JobDescription(name="al")])
    assert (error.errno, error.source) == (Errno.USER_ID_MISSING, "slurm_allocate_resources")
    assert spawned == []
    failing = "salloc: error: Job submit/allocate failed: Invalid partition name specified\n"
    cluster = cluster_with(FakeRunner(answers), spawning(failing, spawned, tail="; exit 1"))
    error = refused(cluster.allocate_job, jwt_identity(), [JobDescription(partition="x")])
    assert (error.errno, error.description) == (
        Errno.INVALID_PARTITION_NAME,
        "Invalid partition name specified",
    )
