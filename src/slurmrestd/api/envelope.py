"""The response envelope: `meta`, `errors` and `warnings`, per API generation.

Handlers add errors and warnings while they run; `render` wraps the payload.
The first error decides the HTTP status (as upstream: openapi_resp_error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from slurmrestd.api.status import GENERATION_2205, status_for
from slurmrestd.cluster.errors import SlurmError, error_text


class UnitInfo(Protocol):
    version: str
    plugin: str
    generation: str
    data_parser: str | None


@dataclass(frozen=True, slots=True)
class SlurmRelease:
    """The Slurm release a backend reports in `meta`."""

    major: int
    minor: int
    micro: int
    cluster: str = ""

    @property
    def release(self) -> str:
        return f"{self.major}.{self.minor:02d}.{self.micro}"


@dataclass(frozen=True, slots=True)
class ClientInfo:
    source: str
    user: str
    group: str


@dataclass(slots=True)
class Envelope:
    """Errors and warnings of one operation call, and how to wrap its payload."""

    unit: UnitInfo
    release: SlurmRelease
    client: ClientInfo
    accounting_storage: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    first_errno: int | None = None

    def error(self, errno: int, description: str = "", source: str = "") -> None:
        errno = int(errno)  # a plain int: the YAML serializer cannot represent an Errno
        item: dict[str, Any] = {
            "description": description,
            "error_number": errno,
            "error": error_text(errno),
            "source": source,
        }
        if not description and self.unit.generation == GENERATION_2205:
            del item["description"]  # 22.05 wrote no key for an empty description
        self.entry(item, errno)

    def entry(self, item: dict[str, Any], errno: int | None) -> None:
        """An error object exactly as given: 22.05's were not uniform (error_code, errno).

        `errno` decides the HTTP status like any error; None adds an entry that does not.
        """
        if errno is not None and self.first_errno is None:
            self.first_errno = int(errno)
        self.errors.append(item)

    def entries(self, items: list[dict[str, Any]], errno: int) -> None:
        """Several error objects that together report one failure numbered `errno`."""
        for item in items:
            self.entry(item, None)
        if self.first_errno is None:
            self.first_errno = int(errno)

    def add_slurm_error(self, exc: SlurmError) -> None:
        self.error(exc.errno, exc.description, exc.source)

    def warn(self, description: str, source: str = "") -> None:
        self.warnings.append({"description": description, "source": source})

    @property
    def status(self) -> int:
        if self.first_errno is None:
            return 200
        return status_for(self.first_errno, self.unit.generation)

    def meta(self) -> dict[str, Any]:
        rel = self.release
        if self.unit.generation == GENERATION_2205:
            db = self.unit.version.startswith("db")
            number = self.unit.version.removeprefix("db")
            return {
                "plugin": {
                    "type": f"openapi/{self.unit.version}",
                    "name": f"Slurm OpenAPI {'DB ' if db else ''}{number}",
                },
                "Slurm": {
                    "version": {"major": rel.major, "micro": rel.micro, "minor": rel.minor},
                    "release": rel.release,
                },
            }
        plugin_name = self.unit.plugin.removeprefix("openapi/")
        return {
            "plugin": {
                "type": self.unit.plugin,
                "name": f"Slurm OpenAPI {plugin_name}",
                "data_parser": self.unit.data_parser or "",
                "accounting_storage": self.accounting_storage,
            },
            "client": {
                "source": self.client.source,
                "user": self.client.user,
                "group": self.client.group,
            },
            "command": [],
            "slurm": {
                "version": {
                    "major": str(rel.major),
                    "micro": str(rel.micro),
                    "minor": f"{rel.minor:02d}",
                },
                "release": rel.release,
                "cluster": rel.cluster,
            },
        }

    def render(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """The full response document: meta, errors, [warnings,] then the payload."""
        document: dict[str, Any] = {"meta": self.meta(), "errors": self.errors}
        if self.unit.generation != GENERATION_2205:
            document["warnings"] = self.warnings
        if payload:
            document.update(payload)
        return document
