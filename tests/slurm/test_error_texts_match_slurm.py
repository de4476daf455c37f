"""Our error texts are Slurm's: checked against the installed libslurm's slurm_strerror().

Clients match on these strings. Numbers Slurm 22.05 does not know (newer
releases' and our own) are left out of the comparison.
"""

from __future__ import annotations

import ctypes
import glob

import pytest

from slurmrestd.cluster.errors import ERROR_TEXT, Errno

pytestmark = pytest.mark.slurm

LIBRARIES = "/usr/lib/*/slurm-wlm/libslurmfull.so"


@pytest.fixture(scope="module")
def strerror(slurm_testbed):
    # The testbed fixture installs Debian's Slurm packages (and skips where it cannot).
    found = sorted(glob.glob(LIBRARIES))
    if not found:
        pytest.skip(
            f"no Slurm library ({LIBRARIES}): Debian's slurm-wlm packages are not installed"
        )
    lib = ctypes.CDLL(found[0])
    lib.slurm_strerror.restype = ctypes.c_char_p
    lib.slurm_strerror.argtypes = [ctypes.c_int]
    return lambda number: lib.slurm_strerror(number).decode(errors="replace")


def test_every_text_slurm_knows_is_slurms(strerror) -> None:
    differing = {
        number: (text, strerror(number))
        for number, text in ERROR_TEXT.items()
        if not strerror(number).startswith("Unknown error") and strerror(number) != text
    }
    assert differing == {}


def test_every_named_number_has_a_text(strerror) -> None:
    untold = [
        member.name
        for member in Errno
        if member.value not in ERROR_TEXT and not strerror(member.value).startswith("Unknown")
    ]
    assert untold == []
