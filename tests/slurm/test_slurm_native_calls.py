"""SlurmCluster's native calls: ping and submission over Slurm's protocol as the token's user.

Unit tests over a fake protocol client; live tests against the testbed prove
that no command runs for them and that the job belongs to the token's user.
"""

from __future__ import annotations

import pwd
import time
from collections.abc import Iterator
from typing import Any

import pytest

from slurm.testbed import Testbed
from slurm.workload import cancel_and_settle
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm import SlurmCluster
from slurmrestd.cluster.slurm.cluster import NativeCalls
from slurmrestd.cluster.slurm.protocol import ControllerError
from slurmrestd.model.job_desc import JobDescription, SubmitResult
from slurmrestd.slurmconf import parse_file

SCRIPT = "#!/bin/sh\nsleep 300\n"


class FakeClient:
    """Stands for ProtocolClient: per-controller clients, a canned submission outcome."""

    def __init__(self, up: list[bool], submit: Any = None) -> None:
        self.up = up
        self.outcome = submit
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
