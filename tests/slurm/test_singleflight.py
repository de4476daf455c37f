"""SingleFlight: concurrent identical calls share one run; nothing is cached."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from slurmrestd.cluster.errors import SlurmError
from slurmrestd.cluster.slurm.singleflight import SingleFlight

FOLLOWERS = 5


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.001)


def test_concurrent_callers_share_one_run() -> None:
    flight: SingleFlight[str] = SingleFlight()
    release = threading.Event()
    runs: list[int] = []

    def work() -> str:
        runs.append(1)
        release.wait(5)
        return "table"

    with ThreadPoolExecutor(FOLLOWERS + 1) as pool:
        results = [pool.submit(flight.run, "jobs", work) for _ in range(FOLLOWERS + 1)]
        wait_until(lambda: flight.callers("jobs") == FOLLOWERS + 1)
        release.set()
        assert [r.result(5) for r in results] == ["table"] * (FOLLOWERS + 1)
    assert len(runs) == 1
    assert flight.callers("jobs") == 0


def test_the_failure_of_a_shared_run_reaches_every_caller() -> None:
    flight: SingleFlight[str] = SingleFlight()
    release = threading.Event()

    def work() -> str:
        release.wait(5)
        raise SlurmError(2017, "Invalid job id specified")

    with ThreadPoolExecutor(3) as pool:
        results = [pool.submit(flight.run, "k", work) for _ in range(3)]
        wait_until(lambda: flight.callers("k") == 3)
        release.set()
        for result in results:
            with pytest.raises(SlurmError) as info:
                result.result(5)
            assert info.value.errno == 2017


def test_a_later_call_runs_again_and_keys_do_not_share() -> None:
    flight: SingleFlight[int] = SingleFlight()
    counter = iter(range(100))
    assert flight.run("a", lambda: next(counter)) == 0
    assert flight.run("a", lambda: next(counter)) == 1  # finished runs are not reused
    release = threading.Event()

    def slow() -> int:
        release.wait(5)
        return -1

    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(flight.run, "a", slow)
        wait_until(lambda: flight.callers("a") == 1)
        assert flight.run("b", lambda: next(counter)) == 2  # another key runs at once
        release.set()
        assert pending.result(5) == -1
