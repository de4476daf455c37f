"""Parsers for the text Slurm 22.05's commands print (facts about their formats).

Pure functions over strings: no processes, no identities.
"""

from __future__ import annotations

import re
import shlex

from slurmrestd.model.controller import ControllerPing, SlurmVersion
from slurmrestd.model.license import License

# `scontrol ping`: one line per controller, e.g. "Slurmctld(primary) at vm is UP".
_PING_LINE = re.compile(r"^Slurmctld\((?P<mode>[^)]+)\) at (?P<host>\S+) is (?P<state>UP|DOWN)")
_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")


def parse_ping(text: str, latency_us: int) -> list[ControllerPing]:
    """Controllers from `scontrol ping`; the first one listed is the primary."""
    pings = []
    for line in text.splitlines():
        match = _PING_LINE.match(line.strip())
        if match is None:
            continue
        mode = match["mode"]
        up = match["state"] == "UP"
        pings.append(
            ControllerPing(
                hostname=match["host"],
                responding=up,
                latency_us=latency_us if up else 0,
                primary=mode == "primary",
                mode=mode,
            )
        )
    return pings


def parse_version(text: str) -> SlurmVersion | None:
    """The first "major.minor.micro" in `text` ("slurm-wlm 22.05.8", "22.05.8")."""
    match = _VERSION.search(text)
    if match is None:
        return None
    major, minor, micro = (int(g) for g in match.groups())
    return SlurmVersion(major, minor, micro)


def parse_config(text: str) -> dict[str, str]:
    """`scontrol show config` as a mapping of its `Name = value` lines."""
    values = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        name = name.strip()
        if sep and name and " " not in name:
            values[name] = value.strip()
    return values


def _pairs(line: str) -> dict[str, str]:
    pairs = {}
    for token in shlex.split(line, posix=True):
        key, sep, value = token.partition("=")
        if sep:
            pairs[key] = value
    return pairs


def _count(pairs: dict[str, str], key: str) -> int:
    value = pairs.get(key, "0")
    return int(value) if value.isdigit() else 0


def parse_licenses(text: str) -> tuple[License, ...]:
    """Licenses from `scontrol show licenses -o` (one `Key=Value ...` line each).

    22.05 prints LicenseName, Total, Used, Free, Reserved, Remote; the counters
    LastConsumed and LastDeficit of later releases are read when present.
    """
    licenses = []
    for line in text.splitlines():
        pairs = _pairs(line)
        name = pairs.get("LicenseName")
        if not name:
            continue
        licenses.append(
            License(
                name=name,
                total=_count(pairs, "Total"),
                used=_count(pairs, "Used"),
                reserved=_count(pairs, "Reserved"),
                remote=pairs.get("Remote", "no").lower() == "yes",
                last_consumed=_count(pairs, "LastConsumed"),
                last_deficit=_count(pairs, "LastDeficit"),
            )
        )
    return tuple(licenses)
