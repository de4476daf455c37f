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


OPEN_ISSUES: tuple[OpenIssue, ...] = (
    OpenIssue(
        "the embedded backend refuses requests with errno 22 (EINVAL), a 500 under v0.0.40+"
        " (unknown cluster of a new association, --mem with --mem-per-cpu, NUL in environment)",
        "api/status.py (STATUS_2311 has no EINVAL row), or Slurm errnos in the backend:"
        " accounting/associations.py, engine/admission.py, engine/partition_admin.py",
        re.compile(r"^status 500 is not an answer an operation may give: error 22 from "),
    ),
    OpenIssue(
        "an infinite reservation start_time reaches int() in the engine",
        "cluster/embedded/engine/reservations.py, api/versions/v0_0_46/reservation_desc.py",
        re.compile(
            r"^OverflowError: cannot convert float infinity to integer"
            r" @ cluster/embedded/engine/reservations\.py$"
        ),
    ),
    OpenIssue(
        "stored job changes come back with tres_allocated as dicts, crashing slurmdb job reads",
        "cluster/embedded/accounting/codec.py (loads of `tuple[Tres, ...] | None`)",
        re.compile(r"^AttributeError: 'dict' object has no attribute '\w+' @ api/versions/"),
    ),
    OpenIssue(
        'a stored text field "INFINITE" (QOS description, cluster select_plugin, TRES type,'
        " job extra) comes back as float inf, written as null",
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
        "job control reads ids and signals with isdigit() then int(): a job id beyond 64 bits"
        ' reaches the serializer, "¹" (a digit to isdigit()) makes int() raise',
        "api/operations/job_control.py (_leading_id),"
        " api/versions/v0_0_46/job_control_requests.py (signal_number, user_id)",
        re.compile(
            r"^(TypeError: Integer exceeds 64-bit range @ api/serialize\.py"
            r"|ValueError: invalid literal for int\(\) .* @ api/(operations/job_control"
            r"|versions/v0_0_46/job_control_requests)\.py)$"
        ),
    ),
)


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
