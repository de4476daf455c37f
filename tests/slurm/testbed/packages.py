"""Debian packages of the testbed: find what is missing, install it idempotently."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

# Slurm 22.05 as Debian 12 ships it. auth_jwt.so is in slurm-wlm-jwt-plugin:
# without it AuthAltTypes=auth/jwt stops slurmctld and `scontrol token`.
PACKAGES = (
    "munge",
    "slurm-wlm",
    "slurmctld",
    "slurmd",
    "slurm-client",
    "slurmdbd",
    "slurmrestd",
    "slurm-wlm-basic-plugins",
    "slurm-wlm-jwt-plugin",
    "slurm-wlm-mysql-plugin",
    "mariadb-server",
    "mariadb-client",
)
_POLICY = Path("/usr/sbin/policy-rc.d")
_LOCK_WAIT = ("-o", "DPkg::Lock::Timeout=600")


class PackageError(RuntimeError):
    """apt-get could not install the testbed's packages."""


def apt_available() -> bool:
    return shutil.which("apt-get") is not None and shutil.which("dpkg-query") is not None


def missing_packages(packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """Packages not in state `install ok installed`."""
    proc = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package} ${Status}\\n", *packages],
        capture_output=True,
        text=True,
        check=False,
    )
    installed = {
        line.split(" ", 1)[0]
        for line in proc.stdout.splitlines()
        if line.endswith(" install ok installed")
    }
    return [name for name in packages if name not in installed]


@contextlib.contextmanager
def _no_service_starts() -> Iterator[None]:
    """Keep package scripts from starting daemons (we start and track our own)."""
    if _POLICY.exists():
        yield
        return
    _POLICY.write_text("#!/bin/sh\nexit 101\n")
    _POLICY.chmod(0o755)
    try:
        yield
    finally:
        _POLICY.unlink(missing_ok=True)


def ensure_installed(log: list[str]) -> None:
    """apt-get install whatever is missing. Raises PackageError."""
    missing = missing_packages()
    if not missing:
        return
    log.append(f"installing: {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with _no_service_starts():
        for argv in (
            ["apt-get", *_LOCK_WAIT, "update", "-qq"],
            ["apt-get", *_LOCK_WAIT, "install", "-y", "-qq", "--no-install-recommends", *missing],
        ):
            proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise PackageError(f"{' '.join(argv[:4])} failed:\n{proc.stderr[-2000:]}")
    still = missing_packages()
    if still:
        raise PackageError(f"still not installed after apt-get: {' '.join(still)}")
