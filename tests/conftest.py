"""Shared fixtures: the unprivileged daemon user, a run directory, a test cluster config."""

from __future__ import annotations

import pwd
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e import harness

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def daemon_user() -> pwd.struct_passwd:
    return harness.ensure_test_user()


@pytest.fixture
def rundir(daemon_user: pwd.struct_passwd) -> Iterator[Path]:
    path = harness.make_rundir(daemon_user)
    yield path
    harness.remove_tree(path)


@pytest.fixture
def cluster(rundir: Path, daemon_user: pwd.struct_passwd) -> harness.Cluster:
    return harness.write_cluster(rundir, daemon_user)


@pytest.fixture
def shared_reference() -> Path:
    path = SHARED / "reference"
    if not path.is_dir():
        pytest.skip(f"reference data not found at {path}")
    return path
