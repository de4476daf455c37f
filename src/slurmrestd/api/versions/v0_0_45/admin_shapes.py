"""The administration operations' bodies and answers per API version, as one record.

v0.0.46's modules (api/versions/v0_0_46/) parse and render these operations.
An older version reuses them: a body is first checked against the older
version's own schema (so problems name that version's fields), then rewritten
into v0.0.46's terms where the older schema has something v0.0.46's lacks
(`to_newer`, declared per version and chained up to v0.0.46), and parsed by
v0.0.46's parser; errors and warnings then carry the older version's source
("slurm_v0045_post_node"). Answers are v0.0.46's renderers with the few
changes a version declares. Job allocations are described by the version's
own job_desc parser, whose schema differs in ways a rewrite cannot bridge.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slurmrestd.api.schema import FieldProblem
from slurmrestd.api.versions.request import (
    ParsedSubmit,
    RequestInvalid,
    checked_as,
    error_entry,
    invalid_from_problems,
    warning_entry,
)
from slurmrestd.api.versions.v0_0_45.job_desc import JobDescParser
from slurmrestd.api.versions.v0_0_46 import (
    admin_requests,
    conf,
    job_control_requests,
    job_results,
    reservation_desc,
    resource_layout,
    shares,
)
from slurmrestd.cluster.errors import Errno
from slurmrestd.model.job_control import KillJobsFilter
from slurmrestd.model.node_update import NodeUpdate
from slurmrestd.model.partition_update import PartitionUpdate
from slurmrestd.model.reservation_request import ReservationRequest

Body = dict[str, Any]
Entries = list[dict[str, Any]]
# A checked body of one version in its next newer version's terms, and notes for warnings.
Translate = Callable[[Body], tuple[Body, list[str]]]
Render = Callable[[Any], dict[str, Any]]

NEWEST = "v0.0.46"
_NEWEST_PREFIX = "slurm_v0046_"


def _chain(first: Translate, then: Translate | None) -> Translate:
    if then is None:
        return first

    def both(value: Body) -> tuple[Body, list[str]]:
        value, notes = first(value)
        value, more = then(value)
        return value, notes + more

    return both


@dataclass(frozen=True)
class AdminShapes:
    """How one API version reads and writes the administration operations."""

    version: str  # "v0.0.45"
    render_shares: Render
    render_kill_entry: Render
    render_job_state: Render
    render_array_entry: Render
    render_reservation_desc: Render
    render_node_layout: Render
    render_conf: Render
    job_desc: JobDescParser | None = None  # None: v0.0.46's own allocation parser
    # Body schema name without the version ("update_node_msg") -> rewrite into v0.0.46's terms.
    to_newest: Mapping[str, Translate] = field(default_factory=dict)

    def derive(
        self,
        version: str,
        job_desc: JobDescParser,
        *,
        to_newer: Mapping[str, Translate] | None = None,
        **renderers: Render,
    ) -> AdminShapes:
        """An older version: its job parser, its body rewrites towards this version,
        and the renderers that differ from this version's."""
        chained = dict(self.to_newest)
        for name, step in (to_newer or {}).items():
            chained[name] = _chain(step, self.to_newest.get(name))
        return dataclasses.replace(
            self, version=version, job_desc=job_desc, to_newest=chained, **renderers
        )

    # --- sources -------------------------------------------------------------

    @property
    def _prefix(self) -> str:
        return f"slurm_v{self.version[1:].replace('.', '')}_"  # slurm_v0045_

    def source(self, newest_source: str) -> str:
        """v0.0.46's source name of an operation, for this version."""
        return newest_source.replace(_NEWEST_PREFIX, self._prefix, 1)

    def _restamped(self, entries: Entries) -> Entries:
        return [{**e, "source": self.source(str(e.get("source", "")))} for e in entries]

    # --- bodies --------------------------------------------------------------

    def _parse(
        self, name: str, newest_source: str, parse: Callable[..., tuple[Any, ...]], body: Any
    ) -> tuple[Any, ...]:
        """v0.0.46's `parse(body)` applied to this version's body; the last item of
        its result is the warnings list."""
        if self.version == NEWEST:
            return parse(body)
        source = self.source(newest_source)
        value, warnings = checked_as(self.version, f"{self.version}_{name}", body, source)
        translate = self.to_newest.get(name)
        if translate is not None:
            value, notes = translate(value)
            warnings += [warning_entry(note, source) for note in notes]
        try:
            *result, more = parse(value)
        except RequestInvalid as exc:
            entries, later = self._restamped(exc.entries), self._restamped(exc.warnings)
            raise RequestInvalid(exc.errno, entries, warnings + later) from None
        return (*result, warnings + self._restamped(more))

    def parse_node_update(self, body: Any, path_name: str | None) -> tuple[NodeUpdate, Entries]:
        """POST /node/{name}, /nodes. Raises: RequestInvalid."""
        update, warnings = self._parse(
            "update_node_msg",
            admin_requests.SOURCE_NODE,
            lambda value: admin_requests.parse_node_update(value, path_name),
            body,
        )
        return update, warnings

    def parse_new_node(self, body: Any) -> tuple[str, Entries]:
        """POST /new/node. Raises: RequestInvalid."""
        text, warnings = self._parse(
            "openapi_create_node_req",
            admin_requests.SOURCE_NEW_NODE,
            admin_requests.parse_new_node,
            body,
        )
        return text, warnings

    def parse_partitions(self, body: Any) -> tuple[list[PartitionUpdate], Entries]:
        """POST /partitions. Raises: RequestInvalid."""
        updates, warnings = self._parse(
            "openapi_partitions_mod_req",
            admin_requests.SOURCE_PARTITIONS,
            admin_requests.parse_partitions,
            body,
        )
        return updates, warnings

    @property
    def source_partitions(self) -> str:
        return self.source(admin_requests.SOURCE_PARTITIONS)

    def parse_kill_jobs(self, body: Any) -> tuple[KillJobsFilter, Entries]:
        """DELETE /jobs. Raises: RequestInvalid."""
        selection, warnings = self._parse(
            "kill_jobs_msg",
            job_control_requests.SOURCE_KILL,
            job_control_requests.parse_kill_jobs,
            body,
        )
        return selection, warnings

    def parse_requeue(self, body: Any) -> tuple[list[str], frozenset[str], Entries]:
        """POST /jobs/requeue. Raises: RequestInvalid."""
        jobs, flags, warnings = self._parse(
            "openapi_jobs_requeue_query",
            job_control_requests.SOURCE_REQUEUE,
            job_control_requests.parse_requeue,
            body,
        )
        return jobs, flags, warnings

    def parse_reservation(self, body: Any) -> tuple[list[ReservationRequest], Entries]:
        """POST /reservation. Raises: RequestInvalid."""
        wanted, warnings = self._parse(
            "reservation_desc_msg",
            reservation_desc.SOURCE_ONE,
            reservation_desc.parse_one,
            body,
        )
        return wanted, warnings

    def parse_reservations(self, body: Any) -> tuple[list[ReservationRequest], Entries]:
        """POST /reservations. Raises: RequestInvalid."""
        wanted, warnings = self._parse(
            "reservation_mod_req",
            reservation_desc.SOURCE_MANY,
            reservation_desc.parse_many,
            body,
        )
        return wanted, warnings

    def parse_allocate(self, body: Any) -> ParsedSubmit:
        """POST /job/allocate: {"job": job_desc_msg} or {"hetjob": [...]}, without scripts.

        Raises:
            RequestInvalid: schema problems, or not exactly one of job and hetjob.
        """
        if self.job_desc is None:
            return job_control_requests.parse_allocate(body)
        source = self.source(job_control_requests.SOURCE_ALLOCATE)
        value, warnings = checked_as(self.version, f"{self.version}_job_alloc_req", body, source)
        hetjob = value.get("hetjob") or []
        if "job" in value and not hetjob:
            components = [("job", value["job"])]
        elif "job" not in value:
            components = [(f"hetjob/{i}", job) for i, job in enumerate(hetjob)]
        else:
            components = []
        if not components:
            errno = Errno.REST_INVALID_JOBS_DESC
            text = "give one job description in job, or the components in hetjob"
            raise RequestInvalid(errno, [error_entry(errno, text, source)], warnings)
        problems: list[FieldProblem] = []
        descriptions = [self.job_desc.describe(job, path, problems) for path, job in components]
        if problems:
            raise invalid_from_problems(problems, [], source)
        for (path, _), desc in zip(components, descriptions, strict=True):
            if desc.script:
                desc.script = None
                warnings.append(warning_entry(f"{path}/script: ignored by an allocation", source))
        return ParsedSubmit("", descriptions, warnings)


# --- renderers a version changes ---------------------------------------------


def values_without(render: Render, key: str, *names: str) -> Render:
    """`render`'s answer with the list at `key` lacking `names` (values a version cannot name)."""
    gone = frozenset(names)

    def out(record: Any) -> dict[str, Any]:
        rendered = render(record)
        rendered[key] = [value for value in rendered[key] if value not in gone]
        return rendered

    return out


def keys_without(render: Render, *keys: str) -> Render:
    """`render`'s answer without `keys` (members a version's schema does not have)."""
    gone = frozenset(keys)
    return lambda record: {k: v for k, v in render(record).items() if k not in gone}


V0_0_46 = AdminShapes(
    version=NEWEST,
    render_shares=shares.render_shares,
    render_kill_entry=job_results.render_kill_entry,
    render_job_state=job_results.render_job_state,
    render_array_entry=job_results.render_array_entry,
    render_reservation_desc=reservation_desc.render_reservation_desc,
    render_node_layout=resource_layout.render_node_layout,
    render_conf=conf.render_conf,
)
