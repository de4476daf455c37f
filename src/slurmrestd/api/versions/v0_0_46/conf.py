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
from slurmrestd.model.conf import ControllerConfig

VERSION = "v0.0.46"
SCHEMA = "v0.0.46_slurm_conf"


@functools.cache
def _keys() -> dict[str, str]:
    """lower-case key -> the schema's spelling."""
    document = json.loads((schema.SPECS_DIR / f"{VERSION}.json").read_text())
    properties = document["components"]["schemas"][SCHEMA]["properties"]
    return {key.lower(): key for key in properties if key != "controllers"}


def _port_range(text: str) -> dict[str, Any] | None:
    low, sep, high = text.partition("-")
    if not (sep and low.strip().isdigit() and high.strip().isdigit()):
        return None
    return {"minimum": int(low), "maximum": int(high), "set": True}


def _job_defaults(text: str) -> list[dict[str, Any]] | None:
    out = []
    for item in text.split(","):
        name, sep, value = item.partition("=")
        if not sep or not value.strip().isdigit():
            return None
        out.append({"type": [name.strip()], "value": int(value)})
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
