"""The project's own real-Slurm 22.05 testbed: bring-up, tear-down, the handle tests use.

Usable from pytest (tests/slurm/conftest.py) and by hand:
`tests/slurm/testbed/up.sh`, `tests/slurm/testbed/down.sh [--purge]`.
"""

from __future__ import annotations

import os
import platform

from slurm.testbed.bringup import bring_up, tear_down
from slurm.testbed.daemons import TestbedError
from slurm.testbed.handle import Testbed
from slurm.testbed.layout import Layout, default_layout
from slurm.testbed.packages import PackageError, apt_available

__all__ = [
    "Layout",
    "PackageError",
    "Testbed",
    "TestbedError",
    "bring_up",
    "default_layout",
    "tear_down",
    "unavailable_reason",
]


def unavailable_reason() -> str | None:
    """Why the testbed cannot run here, or None if it can."""
    if os.environ.get("SLURM_TESTBED", "").lower() in ("0", "off", "no"):
        return "the Slurm testbed is switched off (SLURM_TESTBED=off)"
    if platform.system() != "Linux":
        return "the Slurm testbed needs Linux"
    if os.geteuid() != 0:
        return "the Slurm testbed needs root (it installs packages and starts daemons)"
    if not apt_available():
        return "the Slurm testbed needs apt-get and dpkg (Debian 12 packages of Slurm 22.05)"
    return None
