"""SlurmCluster: the Cluster protocol answered by a real Slurm through its commands.

Each call runs a Slurm command as the requesting identity (see commands.py)
and parses its text (see parse.py). Start-up proves the controller answers;
health is a cached `scontrol ping` refreshed in the background, because
/healthz is answered on the event loop and must never wait for a process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.base import Cluster
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm.commands import (
    CONTROLLER_UNREACHABLE,
    DEFAULT_TIMEOUT_S,
    UNREACHABLE,
    SlurmCommands,
    error_from_output,
)
from slurmrestd.cluster.slurm.parse import parse_config, parse_licenses, parse_ping, parse_version
from slurmrestd.model.controller import ControllerPing, SlurmVersion
from slurmrestd.model.license import LicenseSnapshot
from slurmrestd.slurmconf import SlurmConf

log = logging.getLogger(__name__)
T = TypeVar("T")

# How long a health answer is reused before a background ping refreshes it.
HEALTH_TTL_S = 10.0


# Protocol operations; those this backend does not define yet answer "not implemented".
_PROTOCOL_CALLS = frozenset(
    name for name, value in vars(Cluster).items() if callable(value) and not name.startswith("_")
)


class _NotYetServed:
    """Answers every Cluster operation a subclass lacks with NOT_IMPLEMENTED.

    The protocol grows with each resource (jobs, nodes, ...); until this backend
    serves one, a request for it gets a plain 501-class error instead of a crash.
    """

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name not in _PROTOCOL_CALLS:
            raise AttributeError(name)

        def not_yet(*args: Any, **kwargs: Any) -> Any:
            raise SlurmError(
                Errno.NOT_IMPLEMENTED, f"{name} is not served by the slurm backend yet", "slurm"
            )

        return not_yet


def _start_thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="slurm-health", daemon=True).start()


def ping_controllers(commands: SlurmCommands, identity: Identity | None) -> list[ControllerPing]:
    """`scontrol ping` as `identity`. Latency is the whole command's duration.

    Raises:
        SlurmError: the command failed without naming any controller.
    """
    argv = ("scontrol", "ping")
    started = time.perf_counter_ns()
    result = commands.run(identity, argv)
    latency_us = (time.perf_counter_ns() - started) // 1000
    pings = parse_ping(result.stdout, latency_us)
    if not pings:
        raise error_from_output(argv, result.returncode, result.stdout, result.stderr)
    return pings


class SlurmCluster(_NotYetServed):
    """A real cluster; construct it with `connect()`."""

    def __init__(
        self,
        commands: SlurmCommands,
        *,
        name: str,
        version: SlurmVersion,
        clock: Callable[[], float] = time.monotonic,
        in_background: Callable[[Callable[[], None]], None] = _start_thread,
    ) -> None:
        self.name = name
        self._version = version
        self._commands = commands
        self._clock = clock
        self._in_background = in_background
        self._lock = threading.Lock()
        self._healthy = True
        self._checked_at = clock()
        self._refreshing = False

    @classmethod
    def connect(
        cls,
        conf_path: str | None,
        conf: SlurmConf | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> SlurmCluster:
        """The cluster of slurm.conf `conf_path` (None: where the commands look by default).

        Raises:
            SlurmError: no controller answers, or its configuration cannot be read.
        """
        commands = SlurmCommands(conf_path, timeout=timeout)
        fallback = conf.cluster_name if conf is not None else None
        return cls.connect_with(commands, fallback_name=fallback)

    @classmethod
    def connect_with(
        cls, commands: SlurmCommands, *, fallback_name: str | None = None, **kw: Any
    ) -> SlurmCluster:
        """Check that slurmctld answers (as the daemon's own identity) and learn its release.

        Raises:
            SlurmError: no controller answers, or its configuration cannot be read.
        """
        pings = ping_controllers(commands, None)
        if not any(p.responding for p in pings):
            hosts = ", ".join(f"{p.hostname} ({p.mode})" for p in pings)
            raise SlurmError(
                CONTROLLER_UNREACHABLE, f"no controller answers: {hosts}", "scontrol ping"
            )
        config = parse_config(commands.output(None, ("scontrol", "show", "config")))
        version = parse_version(config.get("SLURM_VERSION", ""))
        if version is None:
            version = parse_version(commands.output(None, ("scontrol", "--version")))
        if version is None:
            raise SlurmError(Errno.UNSPECIFIED, "cannot tell the Slurm release", "scontrol")
        name = config.get("ClusterName") or fallback_name or "unknown"
        return cls(commands, name=name, version=version, **kw)

    @property
    def version(self) -> SlurmVersion:
        return self._version

    @property
    def commands(self) -> SlurmCommands:
        return self._commands

    def ping(self, identity: Identity) -> list[ControllerPing]:
        pings = self._observe(lambda: ping_controllers(self._commands, identity))
        # Only "UP" is news about the backend: a user's DOWN may be their credential's fault.
        if any(p.responding for p in pings):
            self._note_health(True)
        return pings

    def licenses(self, identity: Identity) -> LicenseSnapshot:
        text = self._observe(
            lambda: self._commands.output(identity, ("scontrol", "show", "licenses", "-o"))
        )
        # The commands do not print when the license table last changed.
        return LicenseSnapshot(parse_licenses(text), 0)

    def healthy(self) -> bool:
        """The last known controller state; a stale one is refreshed in the background."""
        with self._lock:
            stale = self._clock() - self._checked_at >= HEALTH_TTL_S
            refresh = stale and not self._refreshing  # one refresh at a time
            self._refreshing = self._refreshing or refresh
            healthy = self._healthy
        if refresh:
            self._in_background(self._refresh_health)
        return healthy

    def reload(self, conf: SlurmConf | None = None) -> None:
        """slurm.conf is re-read by every command itself; only re-check health soon."""
        with self._lock:
            self._checked_at = self._clock() - HEALTH_TTL_S

    def close(self) -> None:
        return None

    # ------------------------------------------------------------------ health

    def _observe(self, call: Callable[[], T]) -> T:
        """Run a backend call; an unreachable controller marks the backend unhealthy."""
        try:
            return call()
        except SlurmError as exc:
            if exc.errno in UNREACHABLE:
                self._note_health(False)
            raise

    def _note_health(self, healthy: bool) -> None:
        with self._lock:
            self._healthy = healthy
            self._checked_at = self._clock()

    def _refresh_health(self) -> None:
        try:
            healthy = any(p.responding for p in ping_controllers(self._commands, None))
        except SlurmError as exc:
            log.warning("slurm backend health check failed: %s", exc.description)
            healthy = False
        with self._lock:
            self._healthy = healthy
            self._checked_at = self._clock()
            self._refreshing = False
