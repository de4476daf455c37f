"""begin_time and deadline of v0.0.38 job bodies, read as Slurm 22.05's parse_time() does.

Behaviour probed on the real 22.05.8 daemon (submitted, then read back; the
cases are in tests/api/versions/test_parse_time_v0_0_38.py):

* Tokens in any order, adjacent or apart (blanks, '-', a capital 'T'); a later
  token overrides what an earlier one set; a newline ends the text.
* Dates: YYYY-MM-DD, MM/DD[/YY], MM.DD[.YY], MMDD[YY] (YY means 20YY), today,
  tomorrow. A bare number is such a date, never UNIX seconds: 1231 is Dec 31,
  1900000000 is month 19 and refused.
* Times of day: HH:MM[:SS] with an optional AM/PM, midnight, noon, fika (15:00),
  teatime (16:00).
* now[+-N[unit]], unit second(s) (the default), minute(s), hour(s), day(s),
  week(s); blanks allowed inside.
* uts<N>, alone: N UNIX seconds (N >= 1000000).
* A date alone is at 00:00; a time alone is its next occurrence (today or
  tomorrow); a date without a year is this year unless that moment has passed.
  Days past a month's end roll over (Feb 31 is Mar 3); local time throughout.

Newer versions take numbers as UNIX seconds (api/versions/request.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

_DIGITS = "0123456789"
_BLANKS = " \t"  # C's isblank(): what separates tokens
_SPACES = " \t\n\v\f\r"  # C's isspace(): what a `now` offset may contain
_SEPARATORS = _BLANKS + "-T"
_UNITS = {  # longest first: "hours" before "hour"
    "seconds": 1, "second": 1, "minutes": 60, "minute": 60, "hours": 3600, "hour": 3600,
    "days": 86400, "day": 86400, "weeks": 604800, "week": 604800,
}  # fmt: skip
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?(?:[ \t]*([ap]m))?")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{1,2})")
_UTS = re.compile(r"uts[ \t\n\v\f\r]*([+-]?[0-9]+)", re.IGNORECASE)
_UTS_MINIMUM = 1_000_000
_LONG_MAX = 2**63 - 1
_DAY = 86400


class _Invalid(Exception):
    """The text is not a time 22.05 understood."""


@dataclass(slots=True)
class _Moment:
    """What the tokens set so far; None = not given."""

    year: int | None = None
    month: int | None = None  # 1..12
    day: int | None = None
    hour: int | None = None
    minute: int = 0
    second: int = 0

    def set_date(self, moment: time.struct_time) -> None:
        self.year, self.month, self.day = moment.tm_year, moment.tm_mon, moment.tm_mday

    def set_clock(self, hour: int, minute: int = 0, second: int = 0) -> None:
        self.hour, self.minute, self.second = hour, minute, second


def _today(moment: _Moment, now: float) -> None:
    moment.set_date(time.localtime(now))


def _tomorrow(moment: _Moment, now: float) -> None:
    moment.set_date(time.localtime(now + _DAY))


def _at(hour: int) -> Callable[[_Moment, float], None]:
    return lambda moment, now: moment.set_clock(hour)


_WORDS: dict[str, Callable[[_Moment, float], None]] = {
    "today": _today,
    "tomorrow": _tomorrow,
    "midnight": _at(0),
    "noon": _at(12),
    "fika": _at(15),
    "teatime": _at(16),
}


def epoch_from_time_spec(text: str, now: float | None = None) -> int | None:
    """UNIX time of a 22.05 time string; None when 22.05 refused it (or it names no time)."""
    now = time.time() if now is None else now
    if text[:3].lower() == "uts":
        return _uts(text)
    moment = _Moment()
    try:
        _read(text.split("\n", 1)[0], now, moment)
        epoch = _resolve(moment, now)
    except (_Invalid, OverflowError, ValueError, OSError):  # the last three: mktime's limits
        return None
    return epoch or None  # 0 is how parse_time() says "no time"


def _uts(text: str) -> int | None:
    match = _UTS.fullmatch(text)
    if match is None:
        return None
    seconds = min(int(match.group(1)), _LONG_MAX)  # strtol saturates
    return seconds if _UTS_MINIMUM <= seconds < _LONG_MAX else None


def _read(text: str, now: float, moment: _Moment) -> None:
    lower = text.lower()
    pos = 0
    while pos < len(text):
        if text[pos] in _SEPARATORS:  # before the words: "Today" is "T" + "oday"
            pos += 1
            continue
        word = next((w for w in _WORDS if lower.startswith(w, pos)), None)
        if word is not None:
            _WORDS[word](moment, now)
            pos += len(word)
        elif lower.startswith("now", pos):
            pos = _read_now(lower, pos + 3, now, moment)
        elif text[pos] in _DIGITS:
            if ":" in text[pos + 1 : pos + 3]:
                pos = _read_clock(lower, pos, moment)
            else:
                pos = _read_date(text, pos, moment)
        else:
            raise _Invalid


def _read_now(lower: str, pos: int, now: float, moment: _Moment) -> int:
    """`now`, then blanks, then nothing or a signed offset."""
    while pos < len(lower) and lower[pos] in _BLANKS:
        pos += 1
    offset = 0
    if pos < len(lower):
        if lower[pos] not in "+-":
            raise _Invalid
        count, end = _read_offset(lower, pos + 1)
        offset = count if lower[pos] == "+" else -count
        pos = end
    later = time.localtime(now + offset)
    moment.set_date(later)
    moment.set_clock(later.tm_hour, later.tm_min, later.tm_sec)
    return pos


def _read_offset(lower: str, pos: int) -> tuple[int, int]:
    """Digits (blanks allowed among them) up to the end or a unit name, which ends it."""
    count = digits = 0
    while pos < len(lower):
        char = lower[pos]
        unit = next((u for u in _UNITS if lower.startswith(u, pos)), None)
        if unit is not None:
            count *= _UNITS[unit]
            pos += len(unit)
            break
        if char in _DIGITS:
            count, digits = count * 10 + int(char), digits + 1
        elif char not in _SPACES:
            raise _Invalid
        pos += 1
    if not digits:
        raise _Invalid
    return count, pos


def _read_clock(lower: str, pos: int, moment: _Moment) -> int:
    match = _CLOCK.match(lower, pos)
    if match is None:
        raise _Invalid
    hour, minute = int(match.group(1)), int(match.group(2))
    second = int(match.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise _Invalid
    half = match.group(4)
    if half is not None:
        if hour > 12:
            raise _Invalid
        if half == "am" and hour == 12:
            hour = 0
        elif half == "pm" and hour < 12:
            hour += 12
    moment.set_clock(hour, minute, second)
    return match.end()


def _read_number(text: str, pos: int, most: int) -> tuple[int, int]:
    """At least one and at most `most` digits at `pos`: (value, position after)."""
    end = pos
    while end < len(text) and end - pos < most and text[end] in _DIGITS:
        end += 1
    if end == pos:
        raise _Invalid
    return int(text[pos:end]), end


def _skip_one(text: str, pos: int, chars: str) -> int:
    return pos + 1 if pos < len(text) and text[pos] in chars else pos


def _read_date(text: str, pos: int, moment: _Moment) -> int:
    year: int | None = None
    if text[pos + 4 : pos + 5] == "-" and text[pos + 7 : pos + 8] == "-":
        iso = _ISO_DATE.match(text, pos)
        if iso is None:
            raise _Invalid
        year, month, day = (int(part) for part in iso.groups())
        pos = iso.end()
    else:
        month, pos = _read_number(text, pos, 2)
        pos = _skip_one(text, pos, "./")
        day, pos = _read_number(text, pos, 2)
        pos = _skip_one(text, pos, "./")
        if pos < len(text) and text[pos] in _DIGITS:
            start = pos
            short_year, pos = _read_number(text, pos, 2)
            if pos - start != 2:
                raise _Invalid  # one digit of a year
            year = 2000 + short_year
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise _Invalid
    moment.year, moment.month, moment.day = year, month, day
    return pos


def _resolve(moment: _Moment, now: float) -> int:
    """Fill what the tokens left out, as parse_time() does, then to UNIX time."""
    if moment.hour is None and moment.month is None:
        raise _Invalid  # nothing given
    today = time.localtime(now)
    if moment.hour is None:
        moment.set_clock(0)
    elif moment.month is None:
        later_today = (moment.hour, moment.minute) > (today.tm_hour, today.tm_min)
        moment.set_date(today if later_today else time.localtime(now + _DAY))
    assert moment.month is not None and moment.day is not None and moment.hour is not None
    year = moment.year
    if year is None:
        when = (moment.month, moment.day, moment.hour, moment.minute)
        passed = when <= (today.tm_mon, today.tm_mday, today.tm_hour, today.tm_min)
        year = today.tm_year + 1 if passed else today.tm_year
    fields = (year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    return int(time.mktime((*fields, 0, 0, -1)))  # tm_isdst -1: the zone's rule decides
