"""Fixtures for the embedded engine: managers on a temporary state dir, and users."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from engine_helpers import CONF

from slurmrestd.cluster.embedded.engine import Submitter, WorkloadManager
from slurmrestd.slurmconf import parse_text


@pytest.fixture
def user() -> Submitter:
    return Submitter(os.getuid(), os.getgid(), "alice", "users")


@pytest.fixture
def other_user() -> Submitter:
    return Submitter(os.getuid() + 4242, os.getgid(), "bob", "users")


@pytest.fixture
def operator() -> Submitter:
    return Submitter(os.getuid() + 1, os.getgid(), "admin", "admins", is_operator=True)


@pytest.fixture
def make_manager(tmp_path: Path) -> Iterator[Callable[..., WorkloadManager]]:
    """Build (and start) managers on tmp_path/state; all are closed at the end."""
    made: list[WorkloadManager] = []

    def make(conf: str | None = CONF, *, start: bool = True, **kwargs) -> WorkloadManager:
        kwargs.setdefault("kill_wait", 0.5)
        kwargs.setdefault("minute", 1.0)
        kwargs.setdefault("hostname", "vm")
        manager = WorkloadManager(
            parse_text(conf) if conf is not None else None, tmp_path / "state", **kwargs
        )
        made.append(manager)
        if start:
            manager.start()
        return manager

    yield make
    for manager in made:
        manager.close()
