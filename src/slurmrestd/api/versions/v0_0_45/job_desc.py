"""v0.0.45 job bodies (POST /job/submit, POST /job/{job_id}), and the parser
older versions derive theirs from.

A version's job_desc_msg maps onto JobDescription the way v0.0.46's does
(v0_0_46.job_desc.describe); what differs is the schema the body is checked
against and a few keys only that version has, which `readers` turn into
canonical fields. Each older version names its schema and its extra readers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from slurmrestd.api import schema
from slurmrestd.api.schema import FieldProblem
from slurmrestd.api.versions.request import (
    ParsedSubmit,
    ParsedUpdate,
    RequestInvalid,
    error_entry,
    invalid_from_problems,
    warning_entries,
)
from slurmrestd.api.versions.v0_0_46 import job_desc as newer
from slurmrestd.cluster.errors import Errno
from slurmrestd.model.job_desc import JobDescription

Reader = Callable[[Any], dict[str, Any]]
_JOB_FIELDS = frozenset(f.name for f in fields(JobDescription)) - {"extra"}


def _apply(desc: JobDescription, updates: Mapping[str, Any]) -> None:
    for name, value in updates.items():
        if name in _JOB_FIELDS:
            setattr(desc, name, value)
        elif value is not None:
            desc.extra[name] = value


@dataclass(frozen=True)
class JobDescParser:
    """parse_submit / parse_update of one API version."""

    version: str  # "v0.0.45"
    readers: Mapping[str, Reader] = field(default_factory=dict)  # keys v0.0.46 lacks

    def derive(self, version: str, readers: Mapping[str, Reader] | None = None) -> JobDescParser:
        """The parser of an older version: this one's readers plus `readers`."""
        return JobDescParser(version, {**self.readers, **(readers or {})})

    def _source(self, what: str) -> str:
        return f"slurm_v{self.version[1:].replace('.', '')}_{what}"

    @property
    def source_submit(self) -> str:
        return self._source("post_job_submit")  # slurm_v0045_post_job_submit

    @property
    def source_update(self) -> str:
        return self._source("post_job")

    def describe(
        self, job: dict[str, Any], path: str, problems: list[FieldProblem]
    ) -> JobDescription:
        """A checked job_desc_msg of this version as a JobDescription."""
        own = {key: value for key, value in job.items() if key in self.readers}
        desc = newer.describe({k: v for k, v in job.items() if k not in own}, path, problems)
        for key, value in own.items():
            _apply(desc, self.readers[key](value))
        return desc

    def _check(self, name: str, body: Any, source: str) -> schema.CheckResult:
        if body is None:
            errno = Errno.DATA_PARSE_NOTHING
            raise RequestInvalid(errno, [error_entry(errno, "the request body is empty", source)])
        checked = schema.check(self.version, f"{self.version}_{name}", body)
        if not checked.ok:
            raise invalid_from_problems(checked.errors, checked.warnings, source)
        return checked

    def parse_submit(self, body: Any) -> ParsedSubmit:
        """{"script"?, "job": {...}} or {"script"?, "jobs": [...]}.

        Raises: RequestInvalid (schema problems, 9002 no job, 2009 no script).
        """
        source = self.source_submit
        checked = self._check("job_submit_req", body, source)
        warnings = warning_entries(checked.warnings, source)
        value = checked.value
        if "job" in value and "jobs" in value:
            raise _refused(
                Errno.REST_INVALID_JOBS_DESC, "give either job or jobs", source, warnings
            )
        if "job" in value:
            components = [("job", value["job"])]
        else:
            components = [(f"jobs/{i}", job) for i, job in enumerate(value.get("jobs", []))]
        if not components:
            text = "a job description is required in job or jobs"
            raise _refused(Errno.REST_INVALID_JOBS_DESC, text, source, warnings)
        problems: list[FieldProblem] = []
        descriptions = [self.describe(job, path, problems) for path, job in components]
        if problems:
            raise invalid_from_problems(problems, checked.warnings, source)
        script = value.get("script") or descriptions[0].script
        if not script:
            text = "script: a batch script is required (at the top level or as job/script)"
            raise _refused(Errno.JOB_SCRIPT_MISSING, text, source, warnings)
        descriptions[0].script = script
        return ParsedSubmit(script, descriptions, warnings)

    def parse_update(self, body: Any, *, context: str = "") -> ParsedUpdate:
        """A job_desc_msg; only the given fields are set (`context`: v0.0.38's call shape).

        Raises: RequestInvalid for an empty body or schema problems.
        """
        source = self.source_update
        checked = self._check("job_desc_msg", body, source)
        problems: list[FieldProblem] = []
        description = self.describe(checked.value, "", problems)
        if problems:
            raise invalid_from_problems(problems, checked.warnings, source)
        return ParsedUpdate(description, warning_entries(checked.warnings, source))


def _refused(errno: Errno, text: str, source: str, warnings: list[Any]) -> RequestInvalid:
    return RequestInvalid(errno, [error_entry(errno, text, source)], warnings)


# v0.0.46 renamed the container runtime; both land where v0.0.46's goes.
PARSER = JobDescParser("v0.0.45", {"container_type": lambda value: {"runtime": value}})
parse_submit = PARSER.parse_submit
parse_update = PARSER.parse_update
