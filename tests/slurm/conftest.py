"""The `slurm_testbed` fixture: a real Slurm 22.05 cluster for the whole session.

Brought up once (or found already running), torn down at the end of the
session if this session started it, no other session still uses it, and
SLURM_TESTBED_KEEP=1 is not set. Where it cannot run (not root, no
apt-get/dpkg, SLURM_TESTBED=off), every test that asks for it is skipped
with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

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
