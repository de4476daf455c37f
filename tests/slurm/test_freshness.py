"""FreshReads: answers reused within the freshness bound, forgotten after a write."""

from __future__ import annotations

import threading

import pytest

from slurmrestd.cluster.slurm.freshness import MAX_ENTRIES, FreshReads


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Counter:
    def __init__(self) -> None:
        self.runs = 0

    def __call__(self) -> int:
        self.runs += 1
        return self.runs


def test_an_answer_is_reused_within_the_bound_only() -> None:
    clock, work = Clock(), Counter()
    reads = FreshReads(1.0, clock)
    assert [reads.read("jobs", work) for _ in range(3)] == [1, 1, 1]
    clock.now += 0.99
    assert reads.read("jobs", work) == 1
    clock.now += 0.02
    assert reads.read("jobs", work) == 2


def test_keys_are_apart() -> None:
    reads, work = FreshReads(1.0, Clock()), Counter()
    assert (reads.read(("alice", "squeue"), work), reads.read(("bob", "squeue"), work)) == (1, 2)


def test_a_write_forgets_every_answer() -> None:
    reads, work = FreshReads(1.0, Clock()), Counter()
    reads.read("a", work)
    reads.forget()
    assert reads.read("a", work) == 2


def test_a_read_that_began_before_a_write_is_not_kept() -> None:
    reads, work = FreshReads(1.0, Clock()), Counter()

    def racing() -> int:
        reads.forget()  # a write lands while this read runs
        return work()

    assert reads.read("a", racing) == 1
    assert reads.read("a", work) == 2


def test_errors_are_not_kept() -> None:
    reads, work = FreshReads(1.0, Clock()), Counter()

    def failing() -> int:
        raise RuntimeError("controller down")

    with pytest.raises(RuntimeError):
        reads.read("a", failing)
    assert reads.read("a", work) == 1


def test_bound_zero_reuses_nothing_but_still_shares_flights() -> None:
    reads, work = FreshReads(0, Clock()), Counter()
    assert [reads.read("a", work) for _ in range(2)] == [1, 2]
    gate, started = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        gate.wait(5)
        return "shared"

    results: list[str] = []
    leader = threading.Thread(target=lambda: results.append(reads.read("b", slow)))
    leader.start()
    started.wait(5)
    follower = threading.Thread(target=lambda: results.append(reads.read("b", work)))
    follower.start()
    for _ in range(500):
        if reads.callers("b") == 2:
            break
        threading.Event().wait(0.01)
    gate.set()
    leader.join(5)
    follower.join(5)
    assert results == ["shared", "shared"]


def test_the_oldest_answer_goes_when_full() -> None:
    clock = Clock()
    reads = FreshReads(1000.0, clock)
    for i in range(MAX_ENTRIES):
        clock.now += 0.001
        reads.read(i, lambda i=i: i)
    reads.read("new", lambda: "x")
    last = MAX_ENTRIES - 1
    assert reads.read(last, Counter()) == last  # kept
    assert reads.read(0, Counter()) == 1  # evicted: read again


def test_a_slow_read_is_reused_for_the_bound_after_it_arrived() -> None:
    clock = Clock()
    reads = FreshReads(1.0, clock)
    work = Counter()

    def slow() -> int:
        clock.now += 3.0  # slower than the bound
        return work()

    assert reads.read("a", slow) == 1
    clock.now += 0.9
    assert reads.read("a", work) == 1


class Deferred:
    """Stands for the background thread: runs what was started when told."""

    def __init__(self) -> None:
        self.started: list = []

    def __call__(self, run) -> None:
        self.started.append(run)

    def run_all(self) -> None:
        started, self.started = self.started, []
        for run in started:
            run()


def test_past_half_the_bound_the_next_read_starts_in_the_background() -> None:
    clock, work, later = Clock(), Counter(), Deferred()
    reads = FreshReads(1.0, clock, start=later)
    assert reads.read("jobs", work) == 1
    clock.now += 0.4
    assert reads.read("jobs", work) == 1 and later.started == []  # young: nothing more
    clock.now += 0.2
    assert reads.read("jobs", work) == 1  # answered at once from the old answer...
    assert reads.read("jobs", work) == 1
    assert len(later.started) == 1  # ... and one refresh started, not one per reader
    later.run_all()
    assert work.runs == 2
    clock.now += 0.7  # 1.3 s after the first answer, 0.7 after the refreshed one
    assert reads.read("jobs", work) == 2 and work.runs == 2


def test_a_failed_background_refresh_leaves_the_answer_until_the_bound() -> None:
    clock, later = Clock(), Deferred()
    reads = FreshReads(1.0, clock, start=later)
    outcomes = iter([1])

    def work() -> int:
        try:
            return next(outcomes)
        except StopIteration:
            raise RuntimeError("slurmctld down") from None

    assert reads.read("jobs", work) == 1
    clock.now += 0.6
    assert reads.read("jobs", work) == 1
    later.run_all()  # fails quietly
    assert reads.read("jobs", work) == 1
    clock.now += 0.5  # past the bound: the foreground read reports the failure
    with pytest.raises(RuntimeError):
        reads.read("jobs", work)


def test_a_write_is_seen_at_once_even_with_a_refresh_pending() -> None:
    clock, work, later = Clock(), Counter(), Deferred()
    reads = FreshReads(1.0, clock, start=later)
    reads.read("jobs", work)
    clock.now += 0.6
    reads.read("jobs", work)  # a refresh is scheduled
    reads.forget()
    assert reads.read("jobs", work) == 2  # the write is seen at once, in the foreground
    later.run_all()  # the refresh runs after the write: its answer is newer still
    assert (reads.read("jobs", work), work.runs) == (3, 3)
