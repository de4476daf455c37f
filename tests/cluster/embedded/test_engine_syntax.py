"""Pure syntax: time specs, memory, arrays, job refs, dependencies, paths, --signal."""

from __future__ import annotations

import math
import signal
from datetime import datetime

import pytest

from slurmrestd.cluster.embedded.engine.admission import parse_signal
from slurmrestd.cluster.embedded.engine.arrays import (
    JobRef,
    format_indexes,
    parse_array,
    parse_job_ref,
)
from slurmrestd.cluster.embedded.engine.dependencies import DepKind, parse_dependency
from slurmrestd.cluster.embedded.engine.paths import PathContext, expand_pattern, resolve_stream
from slurmrestd.cluster.embedded.engine.timespec import (
    format_duration,
    parse_begin,
    parse_duration,
    parse_memory,
)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("90", 90),
        ("1:30", 2),
        ("1:00", 1),
        ("2:03:00", 123),
        ("1-0", 1440),
        ("1-2", 1560),
        ("1-2:3", 1563),
        ("0-0:0:1", 1),
        ("UNLIMITED", math.inf),
        ("infinite", math.inf),
        ("-1", math.inf),
    ],
)
def test_durations(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["", "abc", "1:2:3:4", "1-", "-5", "1.5"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(math.inf, "UNLIMITED"), (5, "5:00"), (61, "1:01:00"), (1441, "1-00:01:00")],
)
def test_format_duration(minutes, text):
    assert format_duration(minutes) == text


@pytest.mark.parametrize(
    ("text", "mib"),
    [
        ("100", 100),
        ("100M", 100),
        ("2G", 2048),
        ("1T", 1024 * 1024),
        ("1K", 1),
        ("2048k", 2),
        ("3gb", 3072),
    ],
)
def test_memory(text, mib):
    assert parse_memory(text) == mib


def test_bad_memory():
    with pytest.raises(ValueError):
        parse_memory("lots")


NOW = datetime(2030, 5, 6, 12, 0, 0).timestamp()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("now+60", NOW + 60),
        ("now+2minutes", NOW + 120),
        ("now+1hour", NOW + 3600),
        ("13:30", datetime(2030, 5, 6, 13, 30).timestamp()),
        ("11:00", datetime(2030, 5, 7, 11, 0).timestamp()),  # past today: tomorrow
        ("2031-01-02", datetime(2031, 1, 2).timestamp()),
        ("2031-01-02T03:04:05", datetime(2031, 1, 2, 3, 4, 5).timestamp()),
        ("tomorrow", datetime(2030, 5, 7).timestamp()),
        ("teatime", datetime(2030, 5, 6, 16).timestamp()),
        ("midnight", datetime(2030, 5, 7).timestamp()),
    ],
)
def test_begin_times(text, expected):
    assert parse_begin(text, NOW) == int(expected)


def test_bad_begin_time():
    with pytest.raises(ValueError):
        parse_begin("next tuesday", NOW)


@pytest.mark.parametrize(
    ("text", "indexes", "throttle", "step"),
    [
        ("0-15%4", tuple(range(16)), 4, 1),
        ("1,3,5", (1, 3, 5), 0, 2),
        ("0-9:2", (0, 2, 4, 6, 8), 0, 2),
        ("7", (7,), 0, 1),
        ("1-3,10-12,2", (1, 2, 3, 10, 11, 12), 0, 1),
    ],
)
def test_array_specs(text, indexes, throttle, step):
    spec = parse_array(text)
    assert (spec.indexes, spec.throttle, spec.step) == (indexes, throttle, step)


@pytest.mark.parametrize("text", ["", "a-b", "5-1", "0-9:0", "1%x", "0-1001", "1,,2"])
def test_bad_array_specs(text):
    with pytest.raises(ValueError):
        parse_array(text)


def test_max_array_size_bounds_indexes():
    assert parse_array("0-4", max_size=5).indexes[-1] == 4
    with pytest.raises(ValueError):
        parse_array("0-5", max_size=5)


def test_format_indexes():
    assert format_indexes([5, 0, 1, 2, 9]) == "0-2,5,9"
    assert format_indexes(()) == ""


@pytest.mark.parametrize(
    ("text", "ref"),
    [("12", JobRef(12)), ("12_3", JobRef(12, (3,))), ("12_[1-3,7]", JobRef(12, (1, 2, 3, 7)))],
)
def test_job_refs(text, ref):
    assert parse_job_ref(text) == ref


@pytest.mark.parametrize("text", ["", "abc", "12_", "12_x", "-1", "12.batch"])
def test_bad_job_refs(text):
    with pytest.raises(ValueError):
        parse_job_ref(text)


def test_dependency_parsing():
    dep = parse_dependency("afterok:12:13_2,singleton,after:4+5")
    assert not dep.any_of
    assert [(t.kind, t.job, t.delay_minutes) for t in dep.terms] == [
        (DepKind.AFTEROK, JobRef(12), 0),
        (DepKind.AFTEROK, JobRef(13, (2,)), 0),
        (DepKind.SINGLETON, None, 0),
        (DepKind.AFTER, JobRef(4), 5),
    ]
    assert parse_dependency("afterany:1?afternotok:2").any_of


@pytest.mark.parametrize(
    "text",
    [
        "afterok",
        "afterok:",
        "afterok:x",
        "sometime:1",
        "afterok:1,afterany:2?after:3",
        "singleton:4",
        "",
    ],
)
def test_bad_dependencies(text):
    with pytest.raises(ValueError):
        parse_dependency(text)


CTX = PathContext(
    job_id=42, user="alice", name="sim", node="vm.example", array_job_id=40, array_task_id=2
)


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("slurm-%j.out", "slurm-42.out"),
        ("%x_%u_%N.log", "sim_alice_vm.log"),
        ("%A_%a", "40_2"),
        ("%4a-%3j", "0002-042"),
        ("100%%-%J-%s-%t-%n-%b", "100%-42.batch-batch-0-0-2"),
        ("%q %j", "%q 42"),  # unknown letters stay
        ("no\\%j", "no%j"),  # a backslash turns expansion off
    ],
)
def test_path_patterns(pattern, path):
    assert expand_pattern(pattern, CTX) == path


def test_non_array_job_patterns():
    ctx = PathContext(job_id=7, user="u", name="n")
    assert expand_pattern("%A_%a", ctx) == "7_4294967294"


def test_relative_paths_follow_the_working_directory():
    assert resolve_stream("out-%j", CTX, "/work") == "/work/out-42"
    assert resolve_stream("/abs/%j", CTX, "/work") == "/abs/42"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("B:USR1@60", (signal.SIGUSR1, 60, True)),
        ("USR2", (signal.SIGUSR2, 60, False)),
        ("SIGTERM@5", (signal.SIGTERM, 5, False)),
        ("10@30", (10, 30, False)),
    ],
)
def test_signal_option(text, expected):
    assert parse_signal(text) == expected
