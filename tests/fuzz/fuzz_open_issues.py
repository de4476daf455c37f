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
from dataclasses import dataclass


@dataclass(frozen=True)
class OpenIssue:
    name: str
    where: str  # the file that needs the fix
    symptom: re.Pattern[str]


OPEN_ISSUES: tuple[OpenIssue, ...] = (
    OpenIssue(
        "an unknown cluster in a new association is errno 22 (EINVAL): 500 under v0.0.40+",
        "cluster/embedded/accounting/associations.py (or the 23.11+ table of api/status.py)",
        re.compile(r"^status 500 .*: error 22 from slurmdb_associations_add: cluster '.*"),
    ),
    OpenIssue(
        "an infinite reservation start_time reaches int() in the engine",
        "cluster/embedded/engine/reservations.py, api/versions/v0_0_46/reservation_desc.py",
        re.compile(r"^OverflowError: cannot convert float infinity to integer$"),
    ),
    OpenIssue(
        "stored job changes come back with tres_allocated as dicts, crashing slurmdb job reads",
        "cluster/embedded/accounting/codec.py (loads of `tuple[Tres, ...] | None`)",
        re.compile(r"^AttributeError: 'dict' object has no attribute '\w+'$"),
    ),
    OpenIssue(
        'a stored text field "INFINITE" (QOS description, cluster select_plugin, TRES type)'
        " comes back as float inf, written as null",
        "cluster/embedded/accounting/codec.py (INFINITE marker is not told from text)",
        re.compile(
            r"^v0\.0\.4\d_openapi_(slurmdbd_config|slurmdbd_qos|clusters|tres|accounts|users"
            r"|assocs|wckey|slurmdbd_jobs)_resp: .*: (None|inf) is not of type 'string'$"
        ),
    ),
    OpenIssue(
        "a user body naming one coordinator twice breaks a UNIQUE constraint",
        "cluster/embedded/accounting/users.py",
        re.compile(r"^IntegrityError: UNIQUE constraint failed: coordinators\."),
    ),
    OpenIssue(
        "a job id beyond 64 bits is rendered by job requeue and overflows the serializer",
        "api/operations/job_control.py (_leading_id)",
        re.compile(r"^TypeError: Integer exceeds 64-bit range$"),
    ),
)


def open_issue(symptom: str) -> OpenIssue | None:
    """The open issue a problem text or "Type: message" belongs to, if any."""
    return next((issue for issue in OPEN_ISSUES if issue.symptom.search(symptom)), None)


def exception_symptom(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
