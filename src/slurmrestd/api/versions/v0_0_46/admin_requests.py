"""v0.0.46 bodies of the controller's administrative operations -> canonical requests.

POST /node/{name} and /nodes (`v0.0.46_update_node_msg`), POST /partitions
(`v0.0.46_openapi_partitions_mod_req`), POST /new/node
(`v0.0.46_openapi_create_node_req`). Every body is first checked and leniently
converted against the schema (api.schema), as job bodies are; fields the
canonical request has no place for go to its `other` dict unless they are empty
or only describe the record (read-only values of a GET answer sent back).
"""

from __future__ import annotations

from typing import Any

from slurmrestd.api.schema import FieldProblem
from slurmrestd.api.versions.request import (
    RequestInvalid,
    checked_as,
    error_entry,
    invalid_from_problems,
)
from slurmrestd.api.versions.v0_0_46.job_desc import no_val_number
from slurmrestd.cluster.errors import Errno
from slurmrestd.hostlist import HostlistError, expand
from slurmrestd.model.node_update import NodeUpdate
from slurmrestd.model.partition import PartitionState
from slurmrestd.model.partition_update import PartitionUpdate

VERSION = "v0.0.46"


def checked(schema_name: str, body: Any, source: str) -> tuple[dict[str, Any], list[Any]]:
    """The body converted against v0.0.46's `schema_name`, and its warnings (see checked_as)."""
    return checked_as(VERSION, schema_name, body, source)


def _invalid(errno: Errno, text: str, source: str, warnings: list[Any]) -> RequestInvalid:
    return RequestInvalid(errno, [error_entry(errno, text, source)], warnings)


def _blank(value: Any) -> bool:
    """Values a client sends for "not set": "", 0, [], {}, false, an unset no_val."""
    if isinstance(value, dict) and value.keys() <= {"set", "infinite", "number"}:
        return not value.get("set") and not value.get("infinite")
    if isinstance(value, dict):
        return all(_blank(v) for v in value.values())
    return value in ("", 0, [], False, None)


def expand_names(value: list[str]) -> tuple[str, ...]:
    """A hostlist array (["n[1-2]", "n4"]) as node names.

    Raises:
        ValueError: a malformed expression.
    """
    names: list[str] = []
    for item in value:
        try:
            names += expand(item)
        except HostlistError as exc:
            raise ValueError(str(exc)) from None
    return tuple(names)


# --- nodes --------------------------------------------------------------------

SOURCE_NODE = "slurm_v0046_post_node"
_NODE_TEXT = ("comment", "extra", "reason")


def parse_node_update(body: Any, path_name: str | None) -> tuple[NodeUpdate, list[Any]]:
    """update_node_msg -> NodeUpdate; the path's node name wins over `name`.

    Raises:
        RequestInvalid: schema problems, a bad hostlist, or no node named.
    """
    value, warnings = checked("v0.0.46_update_node_msg", body, SOURCE_NODE)
    update = NodeUpdate()
    try:
        names = [path_name] if path_name else value.get("name", [])
        update.names = expand_names(names)
    except ValueError as exc:
        raise _invalid(Errno.INVALID_NODE_NAME, f"name: {exc}", SOURCE_NODE, warnings) from None
    if not update.names:
        raise _invalid(Errno.INVALID_NODE_NAME, "name: no node given", SOURCE_NODE, warnings)
    for key, item in value.items():
        if key == "name":
            continue
        if key == "state":
            update.state = tuple(item) or None
        elif key in _NODE_TEXT:
            setattr(update, key, item)
        elif key in ("features", "features_act"):
            target = "features" if key == "features" else "active_features"
            setattr(update, target, tuple(item))
        elif key in ("weight", "resume_after"):
            setattr(update, key, no_val_number(item))
        elif not _blank(item):
            update.other[key] = item
    return update, warnings


SOURCE_NEW_NODE = "slurm_v0046_post_new_node"


def parse_new_node(body: Any) -> tuple[str, list[Any]]:
    """openapi_create_node_req -> its node_conf line.

    Raises:
        RequestInvalid: schema problems or no node_conf.
    """
    value, warnings = checked("v0.0.46_openapi_create_node_req", body, SOURCE_NEW_NODE)
    text = value.get("node_conf", "")
    if not text.strip():
        raise _invalid(
            Errno.DATA_PATH_NOT_FOUND,
            "node_conf: a NodeName= line is required",
            SOURCE_NEW_NODE,
            warnings,
        )
    return text, warnings


# --- partitions ---------------------------------------------------------------

SOURCE_PARTITIONS = "slurm_v0046_post_partitions"
# partition_info paths that only describe a partition (GET answers carry them).
DESCRIPTIVE = frozenset({"cluster", "cpus/total", "nodes/total", "tres/configured", "select_type"})
# Values equal to what a partition has by default are not a request for a change.
DEFAULTS: dict[str, Any] = {
    "priority/job_factor": 1,
    "partition/oversubscribe": "NO",
    "partition/exclusive": "NO",
    "preempt_mode": ["DISABLED"],
    "minimums/nodes": 0,
}


def _flat(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested groups as "group/key" paths (no_val structs stay whole)."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{prefix}{key}"
        nested = isinstance(item, dict) and not item.keys() <= {"set", "infinite", "number"}
        if nested:
            out.update(_flat(item, f"{path}/"))
        else:
            out[path] = item
    return out


def _partition(item: dict[str, Any], where: str, problems: list[FieldProblem]) -> PartitionUpdate:
    fields = _flat(item)
    update = PartitionUpdate(name=fields.pop("name", ""))
    if not update.name:
        problems.append(FieldProblem(f"{where}/name", "a partition name is required"))
    for path, value in fields.items():
        if path == "nodes/configured":
            update.nodes = value
        elif path == "partition/state":
            update.state = PartitionState(value[0]) if value else None
        elif path == "flags":
            flags = set(value)
            if "DEFAULT" in flags:
                update.default = True
            elif "DEFAULT_CLEAR" in flags:
                update.default = False
            others = sorted(flags - {"DEFAULT", "DEFAULT_CLEAR"})
            if others:
                update.other["flags"] = others
        elif path in ("maximums/time", "defaults/time", "maximums/nodes"):
            name = {"maximums/time": "max_time", "defaults/time": "default_time"}.get(
                path, "max_nodes"
            )
            setattr(update, name, no_val_number(value))
        elif path == "maximums/cpus_per_node":
            update.max_cpus_per_node = no_val_number(value)
        elif path == "priority/tier":
            update.priority_tier = value
        elif path in DESCRIPTIVE or _blank(value) or DEFAULTS.get(path) == value:
            continue
        elif path.startswith("maximums/") and isinstance(value, dict) and value.get("infinite"):
            continue  # "no limit" is every maximum's default
        else:
            update.other[path] = value
    return update


def parse_partitions(body: Any) -> tuple[list[PartitionUpdate], list[Any]]:
    """openapi_partitions_mod_req -> one PartitionUpdate per partition.

    Raises:
        RequestInvalid: schema problems, a partition without a name, or none at all.
    """
    value, warnings = checked("v0.0.46_openapi_partitions_mod_req", body, SOURCE_PARTITIONS)
    items = value.get("partitions", [])
    if not items:
        raise _invalid(
            Errno.DATA_PATH_NOT_FOUND,
            "partitions: at least one partition is required",
            SOURCE_PARTITIONS,
            warnings,
        )
    problems: list[FieldProblem] = []
    updates = [_partition(item, f"partitions/{i}", problems) for i, item in enumerate(items)]
    if problems:
        raise invalid_from_problems(problems, [], SOURCE_PARTITIONS)
    return updates, warnings
