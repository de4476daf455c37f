"""The `slurm_testbed` fixture: a real Slurm 22.05 cluster for the whole session.

Brought up once (or found already running), torn down at the end of the
session if this session started it, no other session still uses it, and
SLURM_TESTBED_KEEP=1 is not set. Where it cannot run (not root, no
apt-get/dpkg, SLURM_TESTBED=off), every test that asks for it is skipped
with the reason.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Iterator

import pytest

from e2e import harness
from slurm import testbed
from slurm.testbed import sessions


@pytest.fixture(scope="session")
def slurm_testbed() -> Iterator[testbed.Testbed]:
    reason = testbed.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    layout = testbed.default_layout()
    with sessions.bring_up_lock(layout):
        use = sessions.SessionUse(layout)
        try:
            bed = testbed.bring_up(layout)
        except (testbed.TestbedError, testbed.PackageError) as exc:
            with use.finish() as last:
                if last:  # leave nothing half-started behind
                    testbed.tear_down(layout)
            pytest.fail(f"Slurm testbed bring-up failed: {exc}\nlogs: {layout.log}", pytrace=False)
    yield bed
    with use.finish() as last:
        if last and bed.started_here and os.environ.get("SLURM_TESTBED_KEEP") != "1":
            testbed.tear_down(layout)


def _our_daemon(bed: testbed.Testbed, user: pwd.struct_passwd) -> Iterator[harness.Daemon]:
    # Freshness 0: the tests compare with the C daemon and change the cluster behind our
    # back (scontrol as root), so every read must ask Slurm.
    args = ["--backend", "slurm", "-f", str(bed.conf), "-a", "rest_auth/jwt"]
    args += ["--read-freshness", "0"]
    args += [*harness.privilege_args(user), "127.0.0.1:0"]
    with harness.daemon_running(args, env=harness.base_env()) as daemon:
        yield daemon


@pytest.fixture(scope="session")
def ours(
    slurm_testbed: testbed.Testbed, daemon_user: pwd.struct_passwd
) -> Iterator[harness.Daemon]:
    """Our daemon, JWT only, in front of the testbed (it drops to the test user as root)."""
    yield from _our_daemon(slurm_testbed, daemon_user)


@pytest.fixture(scope="session")
def ours_as_alice(slurm_testbed: testbed.Testbed) -> Iterator[harness.Daemon]:
    """Our daemon running as alice: what goes through sbatch takes the job's user from
    its own uid, so only a daemon of alice's uid submits that for alice's token."""
    if os.geteuid() != 0:
        pytest.skip("starting the daemon as alice needs root")
    yield from _our_daemon(slurm_testbed, pwd.getpwnam("alice"))


@pytest.fixture(scope="session")
def alice_token(slurm_testbed: testbed.Testbed) -> str:
    return slurm_testbed.token("alice", lifespan=1800)


@pytest.fixture(scope="session")
def bob_token(slurm_testbed: testbed.Testbed) -> str:
    return slurm_testbed.token("bob", lifespan=1800)
