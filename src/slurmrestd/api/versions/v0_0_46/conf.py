"""API v0.0.46 configuration dump (`v0.0.46_slurm_conf`).

The keys and their types come from the version's own schema: every option the
controller reports under a key the schema knows (matched without regard to
case, as slurm.conf is read) is converted by the lenient schema check (numbers,
yes/no, comma lists, flag lists, no_val structs). A value that does not fit its
key's type is left out rather than guessed.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from slurmrestd.api import schema
from slurmrestd.api.versions.request import plain_number
from slurmrestd.model.conf import ControllerConfig

VERSION = "v0.0.46"
SCHEMA = "v0.0.46_slurm_conf"
MAX_PORT = 0xFFFF
MAX_JOB_DEFAULT = 2**63 - 1  # job_defaults value is an int64


@functools.cache
def _keys() -> dict[str, str]:
    """lower-case key -> the schema's spelling."""
    document = json.loads((schema.SPECS_DIR / f"{VERSION}.json").read_text())
    properties = document["components"]["schemas"][SCHEMA]["properties"]
    return {key.lower(): key for key in properties if key != "controllers"}


def _port_range(text: str) -> dict[str, Any] | None:
    low_text, sep, high_text = text.partition("-")
    low = plain_number(low_text.strip(), MAX_PORT)
    high = plain_number(high_text.strip(), MAX_PORT)
    if not sep or low is None or high is None:
        return None
    return {"minimum": low, "maximum": high, "set": True}


def _job_defaults(text: str) -> list[dict[str, Any]] | None:
    out = []
    for item in text.split(","):
        name, sep, text = item.partition("=")
        value = plain_number(text.strip(), MAX_JOB_DEFAULT)
        if not sep or value is None:
            return None
        out.append({"type": [name.strip()], "value": value})
    return out


# Keys whose text needs more than the schema check can convert.
_SPECIAL = {"SrunPortRange": _port_range, "JobDefaults": _job_defaults}


def render_conf(conf: ControllerConfig) -> dict[str, Any]:
    keys = _keys()
    raw: dict[str, Any] = {}
    for name, value in conf.options:
        key = keys.get(name.lower())
        if key is None:
            continue
        special = _SPECIAL.get(key)
        raw[key] = special(value) if special is not None else value
    raw = {k: v for k, v in raw.items() if v is not None}
    checked = schema.check(VERSION, SCHEMA, raw)
    out = dict(checked.value or {})
    out["controllers"] = [{"machine": c.machine, "address": c.address} for c in conf.controllers]
    return out
