"""`scontrol show config` (Slurm 22.05) as a ControllerConfig (model/conf.py).

Pure functions over the command's text. What 22.05 prints that slurm.conf
would not (seen on the testbed):
- a first line "Configuration data as of <time>" (unix seconds when run with
  SLURM_TIME_FORMAT=%s): when the controller last (re)loaded its configuration;
- unset values as "(null)", "(null type)" or "N/A": left out, as slurm.conf
  leaves them out;
- units after numbers ("5 sec", "0 min", "300 nodes/min", "0 percent"): the
  number alone, as slurm.conf writes it;
- users with their id ("slurm(64030)"): the name, and the id under
  <key>Id (SlurmUserId, SlurmdUserId);
- controllers as "SlurmctldHost[i] = name(address)".
A trailing `scontrol ping` block ("Slurmctld(primary) at vm is UP") is skipped.
"""

from __future__ import annotations

import re

from slurmrestd.cluster.slurm import textfields as tf
from slurmrestd.model.conf import Controller, ControllerConfig

SHOW_CONFIG = ("scontrol", "show", "config")

_AS_OF = re.compile(r"^Configuration data as of (?P<time>\S+)")
_LINE = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?P<index>\d+)\])?\s*=\s?(?P<value>.*)$")
_WITH_UNIT = re.compile(r"^(?P<number>-?\d+) (?:sec|usec|msec|min|percent|nodes/min)$")
_NAME_AND_ID = re.compile(r"^(?P<name>[^()\s]+)\((?P<id>\d+)\)$")
_HOST = re.compile(r"^(?P<machine>[^()\s]+)(?:\((?P<address>[^()\s]+)\))?$")
_UNSET = frozenset({"(null)", "(null type)", "N/A", ""})
# Keys holding a user: name(uid).
_USER_KEYS = frozenset({"SlurmUser", "SlurmdUser"})
# Keys whose time 22.05 prints as hh:mm:ss while the API counts seconds.
_SECONDS_KEYS = frozenset({"PreemptExemptTime"})


def _value(key: str, raw: str) -> list[tuple[str, str]]:
    """The (key, value) options one printed line stands for."""
    value = raw.strip()
    if value in _UNSET:
        return []
    if key in _USER_KEYS:
        match = _NAME_AND_ID.match(value)
        if match is not None:
            return [(key, match["name"]), (f"{key}Id", match["id"])]
    if key in _SECONDS_KEYS:
        seconds = tf.duration_seconds(value)
        return [(key, str(seconds) if seconds is not None else value)]
    unit = _WITH_UNIT.match(value)
    return [(key, unit["number"] if unit else value)]


def _controller(value: str) -> Controller | None:
    match = _HOST.match(value.strip())
    if match is None:
        return None
    return Controller(match["machine"], match["address"] or match["machine"])


def parse_controller_config(text: str) -> ControllerConfig:
    """The options, controllers and load time `scontrol show config` printed."""
    options: list[tuple[str, str]] = []
    controllers: list[Controller] = []
    loaded = 0
    for line in text.splitlines():
        as_of = _AS_OF.match(line)
        if as_of is not None:
            loaded = tf.timestamp(as_of["time"])
            continue
        match = _LINE.match(line)
        if match is None:
            continue  # blank lines, the ping block, continuation text
        key = match["key"]
        if key == "SlurmctldHost" and match["index"] is not None:
            controller = _controller(match["value"])
            if controller is not None:
                controllers.append(controller)
            continue
        options += _value(key, match["value"])
    return ControllerConfig(tuple(options), tuple(controllers), loaded)
