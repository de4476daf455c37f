"""Logging set-up: Slurm's 1-10 debug scale onto Python levels, stderr and syslog."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys

# Slurm's scale: 1 fatal, 2 error, 3 info, 4 verbose, 5+ debug.
_LEVELS = {1: logging.CRITICAL, 2: logging.ERROR, 3: logging.INFO, 4: logging.INFO}


def level_for(debug_level: int) -> int:
    return _LEVELS.get(debug_level, logging.DEBUG if debug_level >= 5 else logging.INFO)


def setup_logging(debug_level: int) -> None:
    """stderr always ("interactive" when it is a TTY: no timestamps); syslog otherwise too."""
    root = logging.getLogger("slurmrestd")
    root.handlers.clear()
    root.setLevel(level_for(debug_level))
    root.propagate = False
    interactive = sys.stderr.isatty()
    stderr = logging.StreamHandler(sys.stderr)
    fmt = "slurmrestd: %(levelname)s: %(message)s"
    if not interactive:
        fmt = "%(asctime)s " + fmt
    stderr.setFormatter(logging.Formatter(fmt))
    root.addHandler(stderr)
    if not interactive and os.path.exists("/dev/log"):
        try:
            syslog = logging.handlers.SysLogHandler(address="/dev/log")
        except OSError:
            return
        syslog.setFormatter(logging.Formatter("slurmrestd[%(process)d]: %(message)s"))
        root.addHandler(syslog)


def fatal(message: str) -> int:
    """Print upstream's `fatal:` line and return the exit status to use."""
    print(f"slurmrestd: fatal: {message}", file=sys.stderr, flush=True)
    return 1
