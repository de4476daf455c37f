"""What an operation handler receives: one canonical, version-tagged call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, TypeVar

from slurmrestd.api.envelope import Envelope
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.base import Cluster
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.memory_only import reads_from_memory, try_from_memory

R = TypeVar("R")


class NotModified(Exception):
    """Nothing changed since the request's `update_time`: answer 304, no body."""


@dataclass(slots=True)
class OperationCall:
    identity: Identity
    version: str  # e.g. "v0.0.38", "dbv0.0.38", "v0.0.46"
    params: Mapping[str, Any]  # typed path parameters
    query: Mapping[str, Any]  # parsed body if present, else URL query
    envelope: Envelope
    cluster: Cluster
    executor: Executor | None = None
    # A body that is not an object (a list or a string), exactly as parsed: 22.05 took
    # those and answered them its own way; `query` is {} then. None: `query` is all.
    raw_query: Any = None

    def query_as_sent(self) -> Any:
        """The body (else URL query) as sent: an object, or for 22.05 a list or a string."""
        return self.query if self.raw_query is None else self.raw_query

    async def run_blocking(self, func: Callable[..., R], *args: Any) -> R:
        """Run blocking work (subprocess, SQLite) on the -t thread pool."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, func, *args)

    async def read(self, func: Callable[..., R], *args: Any) -> R:
        """A read of the cluster: inline when the backend has the answer in memory
        (see cluster/memory_only.py), else on the -t thread pool."""
        if reads_from_memory(self.cluster):
            done, value = try_from_memory(func, *args)
            if done:
                return value  # type: ignore[return-value]
        return await self.run_blocking(func, *args)

    def update_time(self) -> int | None:
        """The `update_time` query (UNIX seconds): answer 304 if nothing changed since.

        Raises:
            SlurmError: the value is not a number (REST_INVALID_QUERY).
        """
        value = self.query.get("update_time")
        if value in (None, ""):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SlurmError(
                Errno.REST_INVALID_QUERY,
                f"update_time: expected a UNIX time in seconds, got {value!r}",
                "update_time",
            ) from None

    @property
    def api_number(self) -> int:
        """The minor API number: 38 for v0.0.38/dbv0.0.38, 46 for v0.0.46."""
        return int(self.version.rsplit(".", 1)[1])
