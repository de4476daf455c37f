"""v0.0.45 administration operations, from v0.0.46.

Node updates still take `reason_uid` (older versions too; v0.0.46 dropped
it), partitions still carry the deprecated per-CPU memory numbers and the
OverSubscribe count, and the configuration dump lacks six keys 26.11 added.
"""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.v0_0_45 import job_desc
from slurmrestd.api.versions.v0_0_45.admin_shapes import V0_0_46, Body, keys_without

# slurm_conf keys v0.0.46 added.
NEW_CONF_KEYS = (
    "DefRuntimePlugin",
    "SerializerParameters",
    "SerializerPlugins",
    "SlurmrestdHttpAuthParameters",
    "SlurmrestdParameters",
    "SlurmstepdParameters",
)


def node_update(value: Body) -> tuple[Body, list[str]]:
    """Drop reason_uid: a reason is recorded as set by the user who sets it."""
    value = dict(value)
    if value.pop("reason_uid", None):
        return value, ["reason_uid: ignored; a reason is set by the requesting user"]
    return value, []


def _memory_per_cpu(group: dict[str, Any]) -> dict[str, Any]:
    """The deprecated plain number as v0.0.46's no_val struct (0 = not set)."""
    group = dict(group)
    megabytes = group.pop("memory_per_cpu", None)
    if megabytes and "partition_memory_per_cpu" not in group:
        group["partition_memory_per_cpu"] = {"set": True, "infinite": False, "number": megabytes}
    return group


def oversubscribe_text(jobs: int | None, force: bool) -> str | None:
    """maximums/{shares,oversubscribe} as v0.0.46's partition/oversubscribe text
    (Slurm's max_share: 0 = exclusive, 1 = no sharing, n = up to n jobs)."""
    if force:
        return f"FORCE:{max(jobs or 1, 1)}"
    if jobs is None:
        return None
    return {0: "EXCLUSIVE", 1: "NO"}.get(jobs, f"YES:{jobs}")


def _partition(item: Body) -> Body:
    item = dict(item)
    for group in ("defaults", "maximums"):
        if group in item:
            item[group] = _memory_per_cpu(item[group])
    maximums = dict(item.get("maximums", {}))
    over = maximums.pop("oversubscribe", None) or {}
    count = maximums.pop("shares", None)
    if "maximums" in item:
        item["maximums"] = maximums
    jobs = over.get("jobs", count)
    text = oversubscribe_text(jobs, "force" in over.get("flags", ()))
    partition = dict(item.get("partition", {}))
    if text is not None and "oversubscribe" not in partition:
        item["partition"] = {**partition, "oversubscribe": text}
    return item


def partitions(value: Body) -> tuple[Body, list[str]]:
    """Deprecated partition numbers in v0.0.46's places."""
    return {**value, "partitions": [_partition(p) for p in value.get("partitions", [])]}, []


SHAPES = V0_0_46.derive(
    "v0.0.45",
    job_desc.PARSER,
    to_newer={"update_node_msg": node_update, "openapi_partitions_mod_req": partitions},
    render_conf=keys_without(V0_0_46.render_conf, *NEW_CONF_KEYS),
)
