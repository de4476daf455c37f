"""The `signal` query of DELETE /slurm/v0.0.38/job/{job_id}, as 22.05 read it.

Observed on the real 22.05.8 daemon (tests/slurm/test_differential_v0_0_38.py):
a number reads like C's strtol (blanks, a sign, decimal digits, trailing blanks;
a long truncated to an int), anything else is one of Slurm's own short list of
names (not every Linux signal: SEGV, PIPE, CHLD ... are refused), with or
without "SIG", any case. What is not understood counts as signal 0, and only
1..63 may be sent: "invalid signal: <n>" otherwise.
"""

from __future__ import annotations

import re
import signal

from slurmrestd.cluster.errors import Errno, SlurmError

SOURCE = "HTTP request: signal"
SIGRTMAX = 64  # glibc on Linux: 22.05 refused this and above

# Slurm's names (sig_name2num in 22.05), nothing more.
NAMES: dict[str, int] = {
    name: int(signal.Signals["SIG" + name])
    for name in ("HUP", "INT", "QUIT", "ABRT", "KILL", "ALRM", "TERM", "USR1", "USR2", "URG",
                 "CONT", "STOP", "TSTP", "TTIN", "TTOU", "XCPU")
}  # fmt: skip

_BLANKS = " \t\n\v\f\r"  # C's isspace()
_NUMBER = re.compile(r"[ \t\n\v\f\r]*([+-]?[0-9]+)[ \t\n\v\f\r]*")  # ASCII digits, as C
_NUMBER_START = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]")
_LONG_MAX = 2**63 - 1


def _as_c_int(number: int) -> int:
    """strtol saturates at the limits of a long; the caller keeps the low 32 bits."""
    number = max(-_LONG_MAX - 1, min(_LONG_MAX, number))
    number &= 0xFFFFFFFF
    return number - 2**32 if number >= 2**31 else number


def signal_number(text: str) -> int:
    """The number 22.05 made of `text`: 0 when it is neither a number nor a known name."""
    if _NUMBER_START.match(text):
        whole = _NUMBER.fullmatch(text)
        return _as_c_int(int(whole.group(1))) if whole else 0  # digits then junk: 0
    name = text.strip(_BLANKS)
    if not name.isascii():  # str.upper() folds some non-ASCII letters to ASCII; C does not
        return 0
    return NAMES.get(name.upper().removeprefix("SIG"), 0)


def parse_signal(value: object) -> int:
    """`SIGUSR1`, `usr1` or `10` -> 10 (SIGKILL when not given).

    Raises:
        SlurmError: REST_INVALID_QUERY "invalid signal: <n>" outside 1..63.
    """
    if value in (None, ""):
        return int(signal.SIGKILL)
    number = signal_number(str(value))
    if not 0 < number < SIGRTMAX:
        raise SlurmError(Errno.REST_INVALID_QUERY, f"invalid signal: {number}", SOURCE)
    return number
