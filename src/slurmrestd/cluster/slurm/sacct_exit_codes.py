"""The exit codes `sacct --json` loses, from sacct's text output of the same selection.

22.05's JSON dumper tests WIFEXITED only, so every normal exit reads SUCCESS with
return code 0 (`exit 3` too; the C daemon answers the same, seen on the
testbed); signals survive. `sacct -P` prints the real "code:signal" of every
job and step (ExitCode, and DerivedExitCode for jobs). The store runs both
commands side by side and merges: dbv0.0.38 renders the merged records as
22.05 does, newer versions show the real codes. Pure functions.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator

from slurmrestd.cluster.accounting import JobFilter
from slurmrestd.cluster.slurm.sacct_json import LocalTime, selection
from slurmrestd.model.accounting_job import AccountingJob, AccountingStep

FIELDS = "JobIDRaw,ExitCode,DerivedExitCode"
# "12|3:0|1:0" (a job), "12.batch|3:0|", "12.0|0:9|" (steps: no derived code).
_LINE = re.compile(r"^(\d+)(?:\.([A-Za-z0-9_]+))?\|(\d+):(\d+)\|(?:(\d+):(\d+))?$")

StepKey = tuple[int, str | None]  # (job id, step id; None for the job itself)
# -> (exit code, derived exit code) as wait statuses, one per printed record.
ExitStatuses = dict[StepKey, list[tuple[int, int | None]]]


def command(query: JobFilter, local_time: LocalTime = time.localtime) -> tuple[str, ...]:
    """sacct_json.sacct_command's selection as text: each job's and step's codes."""
    return ("sacct", "-P", "-n", "-o", FIELDS, *selection(query, local_time))


def _wait_status(code: str, signal: str) -> int:
    """sacct's "code:signal" as a wait status (a core dump is not told apart)."""
    return int(signal) if signal != "0" else int(code) << 8


def parse(text: str) -> ExitStatuses:
    """The codes of every record `command` printed (several for a requeued job), in order."""
    found: ExitStatuses = {}
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match is None:  # e.g. a heterogeneous job's "12+1.0": left as the JSON says
            continue
        derived = None if match[5] is None else _wait_status(match[5], match[6])
        key = (int(match[1]), match[2])
        found.setdefault(key, []).append((_wait_status(match[3], match[4]), derived))
    return found


def _filled(from_json: int | None, from_text: int | None) -> int | None:
    """The JSON's code unless it is the SUCCESS/0 that hides a normal exit's code."""
    return from_text if from_json == 0 and from_text is not None else from_json


def _keys(jobs: Iterable[AccountingJob]) -> Iterator[StepKey]:
    for job in jobs:
        yield job.job_id, None
        for step in job.steps:
            yield job.job_id, step.step_id


def merged(jobs: list[AccountingJob], statuses: ExitStatuses) -> list[AccountingJob]:
    """The records with the codes the JSON lost.

    A job or step is matched by id and, among a requeued job's records, by order;
    one the two runs saw a different number of times (it changed between them)
    keeps what the JSON says.
    """
    totals = Counter(_keys(jobs))
    seen: Counter[StepKey] = Counter()

    def printed(key: StepKey) -> tuple[int | None, int | None]:
        index, found = seen[key], statuses.get(key, [])
        seen[key] += 1
        return found[index] if len(found) == totals[key] else (None, None)

    out = []
    for job in jobs:
        code, derived = printed((job.job_id, None))
        steps = tuple(
            _step_filled(step, printed((job.job_id, step.step_id))[0]) for step in job.steps
        )
        code = _filled(job.exit_code, code)
        derived = _filled(job.derived_exit_code, derived)
        if code == job.exit_code and derived == job.derived_exit_code and steps == job.steps:
            out.append(job)  # most records: nothing hidden (replace() costs)
            continue
        out.append(dataclasses.replace(job, exit_code=code, derived_exit_code=derived, steps=steps))
    return out


def _step_filled(step: AccountingStep, from_text: int | None) -> AccountingStep:
    code = _filled(step.exit_code, from_text)
    return step if code == step.exit_code else dataclasses.replace(step, exit_code=code)
