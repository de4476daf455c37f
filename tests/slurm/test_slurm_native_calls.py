"""SlurmCluster's native calls: ping, licenses, submission and allocation over Slurm's
protocol as the token's user.

Unit tests over a fake protocol client; live tests against the testbed prove
that no command runs for them and that the job belongs to the token's user.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import time
from collections.abc import Iterator
from typing import Any

import pytest

from slurm.fakes import FakeRunner
from slurm.test_slurm_admin_ops import PING, spawning
from slurm.test_slurm_commands import CONFIG, LOCAL_SELF, jwt_identity
from slurm.testbed import Testbed
from slurm.workload import cancel_and_settle
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm import SlurmCluster, SlurmCommands
from slurmrestd.cluster.slurm.cluster import NativeCalls
from slurmrestd.cluster.slurm.protocol import AllocationReply, ControllerError
from slurmrestd.model.job_desc import JobDescription, SubmitResult
from slurmrestd.model.license import License, LicenseSnapshot
from slurmrestd.slurmconf import parse_file

SCRIPT = "#!/bin/sh\nsleep 300\n"


class FakeClient:
    """Stands for ProtocolClient: per-controller clients, a canned submission outcome."""

    def __init__(
        self, up: list[bool], submit: Any = None, allocate: Any = None, licenses: Any = None
    ) -> None:
        self.up = up
        self.outcome = submit
        self.allocation = allocate
        self.license_answer = licenses
        self.asked: list[tuple[str | None, str]] = []

    def for_each_controller(self) -> list[FakeClient]:
        return [FakeClient([up]) for up in self.up]

    def ping(self, token: str | None, user: str) -> float:
        if not self.up[0]:
            raise SlurmError(Errno.CONTROLLER_CONNECT, "refused", "slurmctld")
        return 0.002

    def submit_batch(self, desc: JobDescription, token: str | None, user: str) -> Any:
        self.asked.append((token, user))
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome

    async def submit_batch_on_loop(self, desc: JobDescription, token: str | None, user: str) -> Any:
        return self.submit_batch(desc, token, user)

    def allocate(self, desc: JobDescription, token: str | None, user: str) -> Any:
        self.asked.append((token, user))
        if isinstance(self.allocation, BaseException):
            raise self.allocation
        return self.allocation

    def licenses(self, token: str | None, user: str) -> Any:
        self.asked.append((token, user))
        if isinstance(self.license_answer, BaseException):
            raise self.license_answer
        return self.license_answer


ALICE = Identity("alice", 1001, 1001, "rest_auth/jwt", token="t-alice")


def test_ping_asks_each_controller_in_order() -> None:
    native = NativeCalls(FakeClient([True, False]), ["ctl1", "ctl2"])  # type: ignore[arg-type]
    primary, backup = native.ping(ALICE)
    assert (primary.hostname, primary.responding, primary.mode, primary.primary) == (
        "ctl1",
        True,
        "primary",
        True,
    )
    assert primary.latency_us == 2000
    assert (backup.hostname, backup.responding, backup.mode, backup.latency_us) == (
        "ctl2",
        False,
        "backup1",
        0,
    )


class Reply:
    def to_result(self) -> SubmitResult:
        return SubmitResult(42)


def test_submission_carries_the_token_and_user() -> None:
    client = FakeClient([True], submit=Reply())
    result = NativeCalls(client, ["ctl1"]).submit(ALICE, JobDescription(script=SCRIPT))  # type: ignore[arg-type]
    assert result is not None and result.job_id == 42
    assert client.asked == [("t-alice", "alice")]


def test_what_the_client_cannot_express_is_left_to_sbatch() -> None:
    unsayable = SlurmError(Errno.NOT_SUPPORTED, "distribution", "slurmctld")
    native = NativeCalls(FakeClient([True], submit=unsayable), ["ctl1"])  # type: ignore[arg-type]
    assert native.submit(ALICE, JobDescription(script=SCRIPT)) is None


def test_the_controllers_refusal_is_the_answer() -> None:
    refused = ControllerError(int(Errno.NOT_SUPPORTED))  # even this errno, from slurmctld
    native = NativeCalls(FakeClient([True], submit=refused), ["ctl1"])  # type: ignore[arg-type]
    with pytest.raises(ControllerError):
        native.submit(ALICE, JobDescription(script=SCRIPT))


def test_submission_on_the_event_loop_maps_outcomes_as_the_blocking_one() -> None:
    client = FakeClient([True], submit=Reply())
    native = NativeCalls(client, ["ctl1"])  # type: ignore[arg-type]
    result = asyncio.run(native.submit_on_loop(ALICE, JobDescription(script=SCRIPT)))
    assert result is not None and result.job_id == 42
    client.outcome = SlurmError(Errno.NOT_SUPPORTED, "distribution", "slurmctld")
    assert asyncio.run(native.submit_on_loop(ALICE, JobDescription(script=SCRIPT))) is None
    client.outcome = ControllerError(int(Errno.NOT_SUPPORTED))
    with pytest.raises(ControllerError):
        asyncio.run(native.submit_on_loop(ALICE, JobDescription(script=SCRIPT)))


def on_loop_cluster(client: FakeClient) -> SlurmCluster:
    answers = {("scontrol", "ping"): PING, ("scontrol", "show", "config"): (0, CONFIG, "")}
    commands = SlurmCommands("/c", runner=FakeRunner(answers), base_env={})
    native = NativeCalls(client, ["ctl1"])  # type: ignore[arg-type]
    return SlurmCluster.connect_with(commands, native=native, freshness=60.0)


@pytest.mark.parametrize(
    ("identity", "jobs"),
    [
        (LOCAL_SELF, [JobDescription(script=SCRIPT)]),  # no token: sbatch, on the pool
        (ALICE, [JobDescription(script=SCRIPT)] * 2),  # a het job
        (ALICE, [JobDescription()]),  # no script: submit_job's own error
        (ALICE, []),
    ],
)
def test_submission_on_the_loop_applies_only_to_one_scripted_job_with_a_token(
    identity, jobs
) -> None:
    client = FakeClient([True], submit=Reply())
    assert asyncio.run(on_loop_cluster(client).submit_job_on_loop(identity, jobs)) is None
    assert client.asked == []


def test_submission_on_the_loop_drops_reused_reads_and_notes_an_unreachable_controller() -> None:
    client = FakeClient([True], submit=Reply())
    cluster = on_loop_cluster(client)
    reads = []
    cluster._reads.read("k", lambda: reads.append(1) or 1)
    result = asyncio.run(cluster.submit_job_on_loop(ALICE, [JobDescription(script=SCRIPT)]))
    assert result is not None and result.job_id == 42
    cluster._reads.read("k", lambda: reads.append(1) or 1)
    assert reads == [1, 1]  # the submission made the next read ask again
    client.outcome = SlurmError(Errno.CONTROLLER_CONNECT, "refused", "slurmctld")
    with pytest.raises(SlurmError):
        asyncio.run(cluster.submit_job_on_loop(ALICE, [JobDescription(script=SCRIPT)]))
    assert cluster._healthy is False


# ----------------------------------------------------------- allocation

QUEUED = "salloc: Pending job allocation 77\nsalloc: job 77 queued and waiting for resources\n"


GRANTED = AllocationReply(42, 0, "note", "node1", (), "debug")


def native_cluster(client: FakeClient, spawned: list[list[str]]) -> SlurmCluster:
    """A SlurmCluster over fake commands (salloc prints QUEUED) and a fake protocol client."""
    spawner = spawning(QUEUED, spawned, tail="; sleep 30")
    answers = {("scontrol", "ping"): PING, ("scontrol", "show", "config"): (0, CONFIG, "")}
    commands = SlurmCommands("/c", runner=FakeRunner(answers), base_env={}, spawner=spawner)
    native = NativeCalls(client, ["ctl1"])  # type: ignore[arg-type]
    return SlurmCluster.connect_with(commands, euid=lambda: 1001, native=native)


def test_an_allocation_with_a_token_goes_to_slurmctld_not_salloc() -> None:
    client, spawned = FakeClient([True], allocate=GRANTED), []
    result = native_cluster(client, spawned).allocate_job(
        jwt_identity("bob"), [JobDescription(name="al")]
    )
    assert (result.job_id, result.user_message) == (42, "note")
    assert [user for _, user in client.asked] == ["bob"]
    assert spawned == []


def test_what_the_client_cannot_express_is_allocated_by_salloc() -> None:
    unsayable = SlurmError(Errno.NOT_SUPPORTED, "distribution", "slurm protocol")
    client, spawned = FakeClient([True], allocate=unsayable), []
    result = native_cluster(client, spawned).allocate_job(
        jwt_identity(), [JobDescription(name="al")]
    )
    assert result.job_id == 77
    assert len(client.asked) == 1 and spawned[0][:2] == ["salloc", "--no-shell"]


@pytest.mark.parametrize(
    ("identity", "count"),
    [(LOCAL_SELF, 1), (jwt_identity(), 2)],  # no token; a heterogeneous allocation
)
def test_local_identities_and_het_allocations_use_salloc(identity, count) -> None:
    client, spawned = FakeClient([True], allocate=GRANTED), []
    descriptions = [JobDescription(name=f"c{i}") for i in range(count)]
    result = native_cluster(client, spawned).allocate_job(identity, descriptions)
    assert result.job_id == 77
    assert client.asked == [] and len(spawned) == 1


def test_a_refused_allocation_reads_as_salloc_reports_it() -> None:
    refused = ControllerError(int(Errno.INVALID_PARTITION_NAME), "no partition x")
    native = NativeCalls(FakeClient([True], allocate=refused), ["ctl1"])  # type: ignore[arg-type]
    with pytest.raises(SlurmError) as caught:
        native.allocate(ALICE, JobDescription(partition="x"))
    assert (caught.value.errno, caught.value.description, caught.value.source) == (
        2000,
        "Invalid partition name specified",
        "slurm_allocate_resources",
    )


# ------------------------------------------------------------- licenses

CONTROLLER_ORDER = LicenseSnapshot((License("matlab", 2), License("fluent", 30)), 1700000000)
SCONTROL_LICENSES = (
    "LicenseName=fluent Total=30 Used=0 Free=30 Reserved=0 Remote=no\n"
    "LicenseName=matlab Total=2 Used=0 Free=2 Reserved=0 Remote=no\n"
)


def license_cluster(client: FakeClient) -> tuple[SlurmCluster, FakeRunner]:
    """Over fake commands that print SCONTROL_LICENSES; the clock stands still."""
    answers = {
        ("scontrol", "ping"): PING,
        ("scontrol", "show", "config"): (0, CONFIG, ""),
        ("scontrol", "show", "licenses", "-o"): (0, SCONTROL_LICENSES, ""),
    }
    runner = FakeRunner(answers)
    commands = SlurmCommands("/c", runner=runner, base_env={})
    native = NativeCalls(client, ["ctl1"])  # type: ignore[arg-type]
    cluster = SlurmCluster.connect_with(commands, native=native, clock=lambda: 5.0)
    runner.calls.clear()
    return cluster, runner


def test_licenses_with_a_token_come_from_slurmctld_in_its_order() -> None:
    client = FakeClient([True], licenses=CONTROLLER_ORDER)
    cluster, runner = license_cluster(client)
    assert cluster.licenses(jwt_identity("bob")) == CONTROLLER_ORDER
    assert [user for _, user in client.asked] == ["bob"]
    assert runner.calls == []


def test_license_reads_share_one_call_per_token_within_the_freshness_bound() -> None:
    client = FakeClient([True], licenses=CONTROLLER_ORDER)
    cluster, _ = license_cluster(client)
    bob, other_token = jwt_identity("bob"), jwt_identity("bob", token_of="alice")
    cluster.licenses(bob)
    cluster.licenses(bob)
    cluster.licenses(other_token)  # another credential never rides on bob's answer
    assert [token for token, _ in client.asked] == [bob.token, other_token.token]


def test_licenses_without_a_token_are_scontrols_and_its_order() -> None:
    client = FakeClient([True], licenses=CONTROLLER_ORDER)
    cluster, runner = license_cluster(client)
    snapshot = cluster.licenses(LOCAL_SELF)
    assert [lic.name for lic in snapshot.licenses] == ["fluent", "matlab"]
    assert snapshot.last_update == 0  # scontrol does not print it
    assert client.asked == [] and len(runner.calls) == 1


def test_a_failed_license_read_names_slurm_load_licenses() -> None:
    down = SlurmError(Errno.CONTROLLER_CONNECT, "connect failure", "slurmctld")
    native = NativeCalls(FakeClient([True], licenses=down), ["ctl1"])  # type: ignore[arg-type]
    with pytest.raises(SlurmError) as caught:
        native.licenses(ALICE)
    assert (caught.value.errno, caught.value.description, caught.value.source) == (
        Errno.CONTROLLER_CONNECT,
        "connect failure",
        "slurm_load_licenses",
    )


def test_an_unreachable_controller_on_the_license_read_marks_the_backend_unhealthy() -> None:
    down = SlurmError(Errno.CONTROLLER_CONNECT, "connect failure", "slurmctld")
    cluster, _ = license_cluster(FakeClient([True], licenses=down))
    with pytest.raises(SlurmError):
        cluster.licenses(jwt_identity())
    assert cluster.healthy() is False


# ---------------------------------------------------------------- live


@pytest.fixture(scope="module")
def live(slurm_testbed: Testbed) -> Iterator[tuple[SlurmCluster, list[str]]]:
    """A SlurmCluster on the testbed whose command runner records what runs."""
    cluster = SlurmCluster.connect(str(slurm_testbed.conf), parse_file(slurm_testbed.conf))
    ran: list[str] = []
    commands = cluster.commands
    original = commands.run

    def recording(identity: Any, argv: Any, *args: Any, **kw: Any) -> Any:
        ran.append(" ".join(argv))
        return original(identity, argv, *args, **kw)

    commands.run = recording  # type: ignore[method-assign]
    yield cluster, ran


@pytest.mark.slurm
def test_live_ping_runs_no_command(
    live: tuple[SlurmCluster, list[str]], slurm_testbed: Testbed, alice_token: str
) -> None:
    cluster, ran = live
    alice = Identity("alice", pwd.getpwnam("alice").pw_uid, 0, "rest_auth/jwt", alice_token)
    ran.clear()
    [ping] = cluster.ping(alice)
    assert (ping.hostname, ping.responding, ping.mode) == (slurm_testbed.host, True, "primary")
    assert 0 < ping.latency_us < 5_000_000
    assert ran == []


@pytest.mark.slurm
def test_live_submission_belongs_to_the_token_user(
    live: tuple[SlurmCluster, list[str]], slurm_testbed: Testbed, bob_token: str
) -> None:
    cluster, ran = live
    bob = Identity("bob", pwd.getpwnam("bob").pw_uid, 0, "rest_auth/jwt", bob_token)
    ran.clear()
    desc = JobDescription(
        script=SCRIPT,
        name="native-bob",
        hold=True,
        environment={"PATH": "/bin"},
        current_working_directory="/tmp",
    )
    result = cluster.submit_job(bob, [desc])
    try:
        assert ran == []
        assert result.notices == ((2042, "Job is in held state, pending scheduler release"),)
        deadline = time.monotonic() + 10
        while True:
            out = slurm_testbed.run(["squeue", "-h", "-o", "%u %j", "-j", str(result.job_id)])
            if out.stdout.strip() or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert out.stdout.split() == ["bob", "native-bob"]
    finally:
        cancel_and_settle(slurm_testbed, [result.job_id])


@pytest.mark.slurm
def test_live_allocation_belongs_to_the_token_user_and_runs_no_command(
    live: tuple[SlurmCluster, list[str]], slurm_testbed: Testbed, bob_token: str
) -> None:
    cluster, ran = live
    bob = Identity("bob", pwd.getpwnam("bob").pw_uid, 0, "rest_auth/jwt", bob_token)
    ran.clear()
    name = f"h31-{os.getpid()}-native"
    desc = JobDescription(name=name, hold=True, time_limit=2, current_working_directory="/tmp")
    result = cluster.allocate_job(bob, [desc])
    try:
        assert ran == []
        assert result.notices == ((2042, "Job is in held state, pending scheduler release"),)
        argv = ["squeue", "-h", "-o", "%u %j %T", "-j", str(result.job_id)]
        assert slurm_testbed.run(argv).stdout.split() == ["bob", name, "PENDING"]
    finally:
        cancel_and_settle(slurm_testbed, [result.job_id])


@pytest.mark.slurm
def test_live_licenses_come_from_slurmctld_in_its_order_without_a_command(
    live: tuple[SlurmCluster, list[str]], alice_token: str
) -> None:
    cluster, ran = live
    alice = Identity("alice", pwd.getpwnam("alice").pw_uid, 0, "rest_auth/jwt", alice_token)
    ran.clear()
    snapshot = cluster.licenses(alice)
    # Licenses=fluent:30,matlab:2: slurmctld keeps them newest first.
    assert [(lic.name, lic.total) for lic in snapshot.licenses] == [("matlab", 2), ("fluent", 30)]
    assert abs(snapshot.last_update - time.time()) < 60  # the controller's clock
    assert ran == []
