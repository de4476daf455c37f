"""EmbeddedCluster: this process is the controller of a one-host cluster.

For now it answers what needs no job state (ping, health); jobs, nodes and
accounting arrive with the embedded workload manager.
"""

from __future__ import annotations

import socket
import time

from slurmrestd.auth.base import Identity
from slurmrestd.model.controller import ControllerPing, SlurmVersion
from slurmrestd.slurmconf import SlurmConf

# The Slurm release whose behaviour the embedded controller follows.
EMBEDDED_VERSION = SlurmVersion(26, 11, 0)


class EmbeddedCluster:
    def __init__(self, conf: SlurmConf | None = None) -> None:
        self._conf = conf
        self.name = (conf.cluster_name if conf is not None else None) or "localhost"
        self._hostname = socket.gethostname().split(".")[0]

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

    def reload(self) -> None:
        return None

    def close(self) -> None:
        return None
