"""The object tests get: where the testbed is, tokens, and commands as a user."""

from __future__ import annotations

import os
import pwd
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from slurm.testbed import daemons
from slurm.testbed.layout import CLUSTER, NODE_COUNT, Layout, Ports

SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def slurm_env(conf: Path, **extra: str) -> dict[str, str]:
    """An environment for Slurm commands of this testbed.

    Inherited SLURM_* variables are dropped: a stray SLURM_JWT would switch every
    command to auth/jwt, a stray SLURM_CONF would point at another cluster.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM")}
    env["PATH"] = SYSTEM_PATH
    env["SLURM_CONF"] = str(conf)
    env.update(extra)
    return env


@dataclass
class Testbed:
    """A running testbed cluster."""

    __test__ = False  # not a pytest test class despite the name

    layout: Layout
    ports: Ports
    host: str  # the host name the nodes and the controller are configured with
    started: list[str] = field(default_factory=list)  # daemons this bring-up started
    steps: list[str] = field(default_factory=list)  # timed log of the bring-up

    cluster: str = CLUSTER

    @property
    def conf(self) -> Path:
        return self.layout.conf

    @property
    def jwt_key(self) -> Path:
        return self.layout.jwt_key

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(f"node{i}" for i in range(1, NODE_COUNT + 1))

    @property
    def rest_url(self) -> str:
        """The real C slurmrestd (rest_auth/jwt) in front of this cluster."""
        return f"http://127.0.0.1:{self.ports.slurmrestd}"

    @property
    def started_here(self) -> bool:
        """Whether this bring-up started anything (else it found the testbed running)."""
        return bool(self.started)

    def env(self, **extra: str) -> dict[str, str]:
        return slurm_env(self.conf, **extra)

    def run(
        self,
        argv: Sequence[str],
        *,
        user: str = "root",
        token: str | None = None,
        timeout: float = 60,
        check: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a Slurm command as a Unix user (with SLURM_JWT=`token` if given).

        Raises:
            TestbedError: `check` and the command failed or timed out.
        """
        entry = pwd.getpwnam(user)
        extra = {"HOME": entry.pw_dir, "USER": user, "LOGNAME": user, **(env or {})}
        if token is not None:
            extra["SLURM_JWT"] = token
        return daemons.run(
            argv,
            self.env(**extra),
            user=None if entry.pw_uid == os.getuid() else user,
            timeout=timeout,
            check=check,
        )

    def token(self, user: str, lifespan: int = 600) -> str:
        """A JWT for `user`, minted by slurmctld (`scontrol token`, as root)."""
        out = self.run(["scontrol", "token", f"username={user}", f"lifespan={lifespan}"]).stdout
        for line in out.splitlines():
            if line.startswith("SLURM_JWT="):
                return line.split("=", 1)[1].strip()
        raise daemons.TestbedError(f"scontrol token printed no token: {out!r}")
