"""EmbeddedCluster: this process is the controller of a one-host cluster.

For now it answers what needs no job state (ping, licenses, health); jobs,
nodes and accounting arrive with the embedded workload manager.
"""

from __future__ import annotations

import socket
import time

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.controller import ControllerPing, SlurmVersion
from slurmrestd.model.license import License, LicenseSnapshot, parse_licenses
from slurmrestd.slurmconf import SlurmConf

# The Slurm release whose behaviour the embedded controller follows.
EMBEDDED_VERSION = SlurmVersion(26, 11, 0)


class EmbeddedCluster:
    def __init__(self, conf: SlurmConf | None = None) -> None:
        self.name = (conf.cluster_name if conf is not None else None) or "localhost"
        self._hostname = socket.gethostname().split(".")[0]
        self._licenses = self._load_licenses(conf)

    @staticmethod
    def _load_licenses(conf: SlurmConf | None) -> LicenseSnapshot:
        """Licenses= of slurm.conf; none in use until jobs hold them.

        Raises:
            SlurmError: the specification is invalid (as slurmctld refuses to start).
        """
        try:
            table = parse_licenses(conf.get("Licenses") if conf is not None else None)
        except ValueError as exc:
            raise SlurmError(Errno.INVALID_LICENSES, str(exc), "slurm.conf") from None
        now = int(time.time())
        licenses = tuple(License(name, total, last_update=now) for name, total in table)
        return LicenseSnapshot(licenses, now)

    def licenses(self, identity: Identity) -> LicenseSnapshot:
        return self._licenses

    @property
    def version(self) -> SlurmVersion:
        return EMBEDDED_VERSION

    def ping(self, identity: Identity) -> list[ControllerPing]:
        # The controller is this process: answering at all is the ping.
        started = time.perf_counter_ns()
        hostname = self._hostname
        latency_us = (time.perf_counter_ns() - started) // 1000
        return [ControllerPing(hostname, True, latency_us, True, "primary")]

    def healthy(self) -> bool:
        return True

    def reload(self, conf: SlurmConf | None = None) -> None:
        """Take a re-read slurm.conf (SIGHUP); keep the old state if it is invalid."""
        if conf is None:
            return
        self._licenses = self._load_licenses(conf)

    def close(self) -> None:
        return None
