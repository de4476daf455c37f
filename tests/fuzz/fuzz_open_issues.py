"""Failures the fuzzer finds whose cause lies in files this suite may not change.

Each row names the file to fix and matches the symptom (a problem text from
fuzz_oracle.problems, or "ExceptionType: message" for a raised exception). The
fuzz property tolerates exactly these symptoms, so that it stays a gate for
everything else; each row also has a strict-xfail reproduction in
test_fuzz_open_issues.py, which starts failing once the owner fixes the cause:
then delete the row and the reproduction.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass


@dataclass(frozen=True)
class OpenIssue:
    name: str
    where: str  # the file that needs the fix
    symptom: re.Pattern[str]


# Every issue found so far is fixed and pinned in test_fuzz_regressions.py.
OPEN_ISSUES: tuple[OpenIssue, ...] = ()


def open_issue(symptom: str) -> OpenIssue | None:
    """The open issue a problem text or "Type: message @ file" belongs to, if any."""
    return next((issue for issue in OPEN_ISSUES if issue.symptom.search(symptom)), None)


def exception_symptom(exc: BaseException) -> str:
    """ "Type: message @ file" with the innermost slurmrestd file the exception came from."""
    files = [
        frame.filename.rsplit("/slurmrestd/", 1)[1]
        for frame in traceback.extract_tb(exc.__traceback__)
        if "/slurmrestd/" in frame.filename
    ]
    return f"{type(exc).__name__}: {exc} @ {files[-1] if files else '?'}"
