"""The allocator settings the daemon applies at start-up."""

from __future__ import annotations

import asyncio
import ctypes.util
import platform
from collections.abc import Callable

import pytest

from slurmrestd import memory


class FakeLibc:
    def __init__(self, answer: int = 1) -> None:
        self.calls: list[tuple[int, int]] = []
        self.answer = answer

    def mallopt(self, param: int, value: int) -> int:
        self.calls.append((param, value))
        return self.answer


def test_fixed_mmap_threshold_and_two_arenas() -> None:
    libc = FakeLibc()
    assert memory.tune_allocator(libc) is True
    assert libc.calls == [(memory.M_MMAP_THRESHOLD, 1 << 20), (memory.M_ARENA_MAX, 2)]


def test_a_refusal_is_reported() -> None:
    assert memory.tune_allocator(FakeLibc(answer=0)) is False


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"
)
def test_glibc_takes_them() -> None:
    assert ctypes.util.find_library("c") is not None
    assert memory.tune_allocator() is True


class TrimLibc(FakeLibc):
    def __init__(self) -> None:
        super().__init__()
        self.trimmed = 0

    def malloc_trim(self, pad: int) -> int:
        self.trimmed += 1
        return 1


class FakeLoop:
    """The loop's clock and timers, moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0
        self.timers: list[tuple[float, Callable[[], None]]] = []

    def time(self) -> float:
        return self.now

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        self.timers.append((self.now + delay, callback))

    def advance(self, seconds: float) -> None:
        """Move the clock, running the timers that fall due on the way."""
        end = self.now + seconds
        while True:
            due = sorted((t for t in self.timers if t[0] <= end), key=lambda t: t[0])
            if not due:
                break
            self.timers.remove(due[0])
            self.now = due[0][0]
            due[0][1]()
        self.now = end


@pytest.fixture
def loop(monkeypatch: pytest.MonkeyPatch) -> FakeLoop:
    fake = FakeLoop()
    monkeypatch.setattr(memory.asyncio, "get_running_loop", lambda: fake)
    return fake


def test_a_large_answer_gets_its_trim_even_under_load(loop: FakeLoop) -> None:
    libc = TrimLibc()
    trimmer = memory.Trimmer(libc, min_bytes=1000, delay=1.0)
    for _ in range(5):
        trimmer.answered(5000)
    for _ in range(30):  # small answers every 0.1 s
        loop.advance(0.1)
        trimmer.answered(10)
    assert libc.trimmed == 1  # the large ones' trim, 1 s in
    assert len(loop.timers) == 1  # one timer, however many answers
    loop.advance(1.0)
    assert libc.trimmed == 2  # and one when the small ones stop


def test_small_answers_get_a_trim_once_the_daemon_is_quiet(loop: FakeLoop) -> None:
    libc = TrimLibc()
    trimmer = memory.Trimmer(libc, min_bytes=1000, delay=1.0)
    for _ in range(30):
        trimmer.answered(10)
        loop.advance(0.5)
    assert libc.trimmed == 0  # never 1 s without an answer
    loop.advance(0.6)
    assert libc.trimmed == 1
    loop.advance(10)
    assert libc.trimmed == 1 and not loop.timers  # nothing answered since: no more


def test_trims_run_on_the_event_loop() -> None:
    libc = TrimLibc()
    trimmer = memory.Trimmer(libc, min_bytes=1000, delay=0.01)

    async def main() -> None:
        trimmer.answered(5000)
        await asyncio.sleep(0.1)

    asyncio.run(main())
    assert libc.trimmed == 1 and trimmer.trims == 1


def test_without_malloc_trim_nothing_is_scheduled() -> None:
    trimmer = memory.Trimmer(libc=None, min_bytes=1)
    trimmer._libc = None  # e.g. musl: no glibc to ask
    trimmer.answered(10)  # outside a loop and without libc: no error
    assert trimmer.trims == 0
