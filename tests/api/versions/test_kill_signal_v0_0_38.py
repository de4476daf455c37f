"""The `signal` query of DELETE /slurm/v0.0.38/job/{id} (api.versions.v0_0_38.kill_signal).

Every row is what the real 22.05.8 daemon did with the value on the testbed
(a held job: a signal it accepted was refused by the controller with 2020,
one it did not understand was a 400 "invalid signal: <n>").
"""

from __future__ import annotations

import pytest

from slurmrestd.api.versions.v0_0_38.kill_signal import parse_signal
from slurmrestd.cluster.errors import Errno, SlurmError

ACCEPTED = [
    ("1", 1), ("63", 63), ("+10", 10), ("10 ", 10), ("\t 10", 10), ("010", 10),
    ("4294967306", 10), ("-4294967286", 10),  # a long cut down to an int
    ("usr1", 10), ("sigusr2", 12), ("sIgUsR1", 10), (" usr1", 10), ("usr1\t", 10),
    (" SIGusr2 ", 12), ("SIGXCPU", 24), ("XCPU", 24), ("SIGHUP", 1), ("INT", 2), ("QUIT", 3),
    ("ABRT", 6), ("KILL", 9), ("ALRM", 14), ("TERM", 15), ("CONT", 18), ("STOP", 19),
    ("TSTP", 20), ("TTIN", 21), ("TTOU", 22), ("URG", 23),
]  # fmt: skip

REFUSED = [
    ("SIGFOO", 0), ("FOO", 0), ("USR1X", 0), ("SIG10", 0), ("10abc", 0), ("0x0a", 0),
    ("+", 0), ("-", 0), (" ", 0), ("0", 0), ("-0", 0), ("-1", -1), ("-3", -3), ("64", 64),
    ("65", 65), ("99", 99), ("2147483648", -2147483648), ("99999999999999999999", -1),
    # Linux signals Slurm 22.05 had no name for
    ("SIGSEGV", 0), ("SEGV", 0), ("PIPE", 0), ("CHLD", 0), ("RTMIN", 0), ("IO", 0),
    ("WINCH", 0), ("SYS", 0), ("BUS", 0), ("TRAP", 0), ("FPE", 0), ("ILL", 0), ("PROF", 0),
    ("VTALRM", 0), ("PWR", 0), ("STKFLT", 0), ("POLL", 0), ("IOT", 0), ("CLD", 0),
    # not probed, but C works on bytes: it neither folds the long s (U+017F) to "S" nor
    # reads Arabic-Indic digits as numbers
    ("u\u017fr1", 0), ("\u0661\u0660", 0),
]  # fmt: skip


@pytest.mark.parametrize(("text", "number"), ACCEPTED)
def test_accepted_signals(text, number):
    assert parse_signal(text) == number


@pytest.mark.parametrize(("text", "number"), REFUSED)
def test_refused_signals_name_the_number_22_05_made_of_them(text, number):
    with pytest.raises(SlurmError) as caught:
        parse_signal(text)
    error = caught.value
    assert (error.errno, error.description, error.source) == (
        Errno.REST_INVALID_QUERY,
        f"invalid signal: {number}",
        "HTTP request: signal",
    )


@pytest.mark.parametrize("value", [None, ""])
def test_no_signal_is_sigkill(value):
    assert parse_signal(value) == 9
