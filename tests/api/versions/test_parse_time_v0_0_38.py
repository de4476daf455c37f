"""v0.0.38 begin_time/deadline strings (api.versions.v0_0_38.parse_time).

Every row is what the real 22.05.8 daemon did with the value, probed on the
testbed on Sat 2026-11-21 04:27 (submitted held through the C slurmrestd, read
back from scontrol). Expected moments are local wall-clock times, as Slurm's.
"""

from __future__ import annotations

import time

import pytest

from slurmrestd.api.versions.v0_0_38.parse_time import epoch_from_time_spec


def local(*fields: int) -> int:
    year, month, day, hour, minute, second = (*fields, 0, 0, 0)[:6]
    return int(time.mktime((year, month, day, hour, minute, second, 0, 0, -1)))


NOW = local(2026, 11, 21, 4, 27, 42)

DATES = [
    ("1231", (2026, 12, 31)), ("12/31", (2026, 12, 31)), ("12.31", (2026, 12, 31)),
    ("123130", (2030, 12, 31)), ("12/31/30", (2030, 12, 31)), ("12.31.30", (2030, 12, 31)),
    ("12.31/30", (2030, 12, 31)), ("12/31/", (2026, 12, 31)),
    ("0101", (2027, 1, 1)),  # passed this year: next year
    ("101", (2027, 10, 1)),  # two month digits first: October 1st
    ("123", (2026, 12, 3)),
    ("1/5", (2027, 1, 5)), ("1/05", (2027, 1, 5)), ("01/5", (2027, 1, 5)),
    ("1121", (2027, 11, 21)),  # today at 00:00 has passed
    ("1122", (2026, 11, 22)), ("1120", (2027, 11, 20)),
    ("0229", (2027, 3, 1)), ("0231", (2027, 3, 3)), ("0931", (2027, 10, 1)),  # roll over
    ("12/31/99", (2099, 12, 31)), ("12/31/69", (2069, 12, 31)), ("9/9/09", (2009, 9, 9)),
    ("2030-12-31", (2030, 12, 31)), ("2030-12-1", (2030, 12, 1)),
    ("2030-02-30", (2030, 3, 2)),
    ("  1231  ", (2026, 12, 31)), ("\t1231", (2026, 12, 31)),
    ("-1231", (2026, 12, 31)), ("T1231", (2026, 12, 31)),
    ("1231\n16:00", (2026, 12, 31)),  # a newline ends the text
]  # fmt: skip

MOMENTS = [
    ("2030-12-31T10:00", (2030, 12, 31, 10)), ("2030-12-31T10:00:30", (2030, 12, 31, 10, 0, 30)),
    ("2030-12-31 10:00", (2030, 12, 31, 10)),
    ("16:00", (2026, 11, 21, 16)), ("16:00:30", (2026, 11, 21, 16, 0, 30)),
    ("0:00", (2026, 11, 22)),  # passed today: tomorrow
    ("4:00pm", (2026, 11, 21, 16)), ("4:00 PM", (2026, 11, 21, 16)),
    ("12:00am", (2026, 11, 22)), ("12:00pm", (2026, 11, 21, 12)),
    ("12:30 AM", (2026, 11, 22, 0, 30)),
    ("0:00am", (2026, 11, 22)), ("0:00pm", (2026, 11, 21, 12)), ("11:00pm", (2026, 11, 21, 23)),
    ("16:00 12/31", (2026, 12, 31, 16)), ("12/31 16:00", (2026, 12, 31, 16)),
    ("12/31T16:00", (2026, 12, 31, 16)), ("1231T16:00", (2026, 12, 31, 16)),
    ("16:00T12/31", (2026, 12, 31, 16)), ("16:00-12/31", (2026, 12, 31, 16)),
    ("1231  16:00", (2026, 12, 31, 16)), ("12/31/30 16:00", (2030, 12, 31, 16)),
    ("1231 16:00 1230", (2026, 12, 30, 16)),  # the later date wins
    ("tomorrow", (2026, 11, 22)), ("today", (2026, 11, 21)), ("midnight", (2026, 11, 22)),
    ("noon", (2026, 11, 21, 12)), ("Noon", (2026, 11, 21, 12)), ("fika", (2026, 11, 21, 15)),
    ("teatime", (2026, 11, 21, 16)), ("midnightnoon", (2026, 11, 21, 12)),
    ("noon tomorrow", (2026, 11, 22, 12)), ("teatime 12/31", (2026, 12, 31, 16)),
    ("today 16:00", (2026, 11, 21, 16)), ("10:00 tomorrow", (2026, 11, 22, 10)),
    ("now+1day10:00", (2026, 11, 22, 10)),
    ("now+1hour 12/31", (2026, 12, 31, 5, 27, 42)),  # the date replaced, the clock kept
]  # fmt: skip

OFFSETS = [
    ("now", 0), ("now+1", 1), ("now+1second", 1), ("now+1seconds", 1), ("now+1minute", 60),
    ("now+1minutes", 60), ("now+1hour", 3600), ("now+1hours", 3600), ("NOW+1HOUR", 3600),
    ("Now+1Hour", 3600), ("now+1day", 86400), ("now+1days", 86400), ("now+1week", 604800),
    ("now+1weeks", 604800), ("now+1 hour", 3600), ("now +1hour", 3600),
    ("now + 2 days", 172800), ("now+1 2", 12), ("now-1hour", -3600),
]  # fmt: skip

REFUSED = [
    "1900000000", "1", "12", "1232", "1301", "12311", "1231301", "12313011", "12312030",
    "12/31/2030", "20301231", "12-31", "12//31", "12/31/3", "12/31/30x", "1200", "0", "-1", "",
    "2030-12-31T10", "2030-12-31T10:00:00x", "2030-1-31", "2030-13-01", "2030-00-10",
    "2030-12-32", "2030-12-00", "2030-12-31T25:00",
    "4pm", "13:00pm", "13:00am", "16:00am", "16:00 PM", "4:00 a", "4:00am5", "4:00pmx",
    "16:00x", "16:00:60", "16:00:61", "25:00", "16:60", "4:5", "4:05:7",
    "now+1h", "now+1s", "now+1sec", "now+1m", "now+1min", "now+1hr", "now+1d", "now+1w",
    "now+1hourx", "now+", "now+hour", "now 12/31", "now+1hour2", "now+1hour+1", "nowx",
    "elevenses", "tomorrowx", "noonx", "TODAY", "1231t16:00", "1231,16:00",
    "uts1900000000 16:00", "uts999999", "uts1900000000x", "uts1900000000now+1hour",
]  # fmt: skip


@pytest.mark.parametrize(("text", "date"), DATES)
def test_dates_are_at_midnight_and_in_the_future_unless_a_year_is_given(text, date):
    assert epoch_from_time_spec(text, NOW) == local(*date)


@pytest.mark.parametrize(("text", "moment"), MOMENTS)
def test_times_of_day_combine_with_dates(text, moment):
    assert epoch_from_time_spec(text, NOW) == local(*moment)


@pytest.mark.parametrize(("text", "seconds"), OFFSETS)
def test_now_with_an_offset(text, seconds):
    assert epoch_from_time_spec(text, NOW) == NOW + seconds


@pytest.mark.parametrize("text", REFUSED)
def test_what_22_05_refused(text):
    assert epoch_from_time_spec(text, NOW) is None


@pytest.mark.parametrize(
    "text", ["uts1900000000", "UTS1900000000", "uts 1900000000", "uts+1900000000"]
)
def test_uts_alone_is_unix_seconds(text):
    assert epoch_from_time_spec(text, NOW) == 1900000000


def test_a_bare_number_is_never_unix_seconds():
    # 1231 is December 31st at 00:00, of next year once this year's has passed.
    after_new_year = local(2027, 1, 2, 8)
    assert epoch_from_time_spec("1231", after_new_year) == local(2027, 12, 31)
    assert epoch_from_time_spec(str(NOW), NOW) is None


def test_a_time_alone_is_tomorrow_from_its_minute_on():
    # parse_time compares hours and minutes only: 04:27:50 is "passed" at 04:27:42
    assert epoch_from_time_spec("4:27:50", NOW) == local(2026, 11, 22, 4, 27, 50)
    assert epoch_from_time_spec("4:28", NOW) == local(2026, 11, 21, 4, 28)


def test_the_current_time_is_the_default_now():
    before = int(time.time())
    assert before <= epoch_from_time_spec("now+1hour") - 3600 <= int(time.time())
