"""Reads tried inline from memory first, on the pool when they would block."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from slurmrestd.api.call import OperationCall
from slurmrestd.api.envelope import Envelope
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.memory_only import WouldBlock, may_block, try_from_memory
from slurmrestd.cluster.slurm.freshness import FreshReads

ME = Identity("alice", 1000, 1000, "rest_auth/jwt", "token")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_may_block_raises_only_in_memory_only_mode() -> None:
    may_block()  # outside: nothing
    assert try_from_memory(may_block) == (False, None)
    assert try_from_memory(lambda x: x + 1, 1) == (True, 2)
    may_block()  # the mode ended with the call


def test_would_block_passes_through_except_exception() -> None:
    def careless() -> None:
        try:
            may_block()
        except Exception:  # what a careless reader might write
            pytest.fail("WouldBlock must not be caught as an Exception")

    assert try_from_memory(careless) == (False, None)
    assert issubclass(WouldBlock, BaseException) and not issubclass(WouldBlock, Exception)


def test_fresh_reads_answer_from_memory_only_when_fresh() -> None:
    clock = Clock()
    reads = FreshReads(1.0, clock)
    runs: list[int] = []

    def work() -> int:
        runs.append(1)
        return len(runs)

    assert try_from_memory(reads.read, "k", work) == (False, None)  # a miss would block
    assert runs == []  # ... and did nothing
    assert reads.read("k", work) == 1
    assert try_from_memory(reads.read, "k", work) == (True, 1)
    clock.now = 1.5
    assert try_from_memory(reads.read, "k", work) == (False, None)
    assert runs == [1]


def test_no_reuse_means_never_from_memory() -> None:
    reads = FreshReads(0.0)
    reads.read("k", lambda: 1)
    assert try_from_memory(reads.read, "k", lambda: 2) == (False, None)


class Backend:
    """A backend whose `value` read is cached after the first (blocking) call."""

    def __init__(self, from_memory: bool) -> None:
        self.READS_FROM_MEMORY = from_memory
        self.cached: int | None = None
        self.threads: list[str] = []

    def value(self, identity: Identity) -> int:
        self.threads.append(threading.current_thread().name)
        if self.cached is None:
            may_block()
            self.cached = 7
        return self.cached


def _read_twice(backend: Backend) -> list[str]:
    async def main() -> list[str]:
        with ThreadPoolExecutor(1, thread_name_prefix="pool") as pool:
            call = OperationCall(ME, "v0.0.46", {}, {}, Envelope.__new__(Envelope), backend, pool)  # type: ignore[arg-type]
            assert await call.read(backend.value, ME) == 7
            assert await call.read(backend.value, ME) == 7
        return backend.threads

    return asyncio.run(main())


def test_operation_read_is_inline_once_the_answer_is_in_memory() -> None:
    loop_thread = threading.current_thread().name
    # Miss: tried inline, stopped at may_block, run on the pool; then a hit, inline.
    assert _read_twice(Backend(True)) == [loop_thread, "pool_0", loop_thread]


def test_backends_that_do_not_opt_in_always_use_the_pool() -> None:
    assert _read_twice(Backend(False)) == ["pool_0", "pool_0"]
