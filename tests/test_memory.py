"""The allocator settings the daemon applies at start-up."""

from __future__ import annotations

import asyncio
import ctypes.util
import platform

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


def test_one_trim_after_a_burst_of_large_answers() -> None:
    libc = TrimLibc()
    trimmer = memory.Trimmer(libc, min_bytes=1000, delay=0.01)

    async def main() -> None:
        trimmer.large_answer(10)  # small: nothing
        await asyncio.sleep(0.05)
        assert libc.trimmed == 0
        for _ in range(5):
            trimmer.large_answer(5000)
        await asyncio.sleep(0.05)
        assert libc.trimmed == 1
        trimmer.large_answer(5000)  # a later one: another trim
        await asyncio.sleep(0.05)
        assert libc.trimmed == 2

    asyncio.run(main())


def test_without_malloc_trim_nothing_is_scheduled() -> None:
    trimmer = memory.Trimmer(libc=None, min_bytes=1)
    trimmer._libc = None  # e.g. musl: no glibc to ask
    trimmer.large_answer(10)  # outside a loop and without libc: no error
    assert trimmer.trims == 0
