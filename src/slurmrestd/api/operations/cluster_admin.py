"""/slurm/{version}/ administration of the controller: nodes, partitions,
reservations, reconfigure, the configuration dump and fair share.

Version-neutral handlers; each version's bodies and answers come from its
AdminShapes (api/versions/v0_0_4X/admin.py). Writes are for operators; the
backend decides who that is and refuses others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slurmrestd.api.call import OperationCall
from slurmrestd.api.operations.job_control import reject, require_version
from slurmrestd.api.versions import request as requests
from slurmrestd.api.versions.v0_0_45.admin_shapes import AdminShapes
from slurmrestd.cluster.errors import SlurmError
from slurmrestd.model.reservation_request import ReservationRequest


async def _write(call: OperationCall, func: Callable[..., Any], *args: Any) -> Any:
    """Run a backend write; a refusal becomes the envelope's error (None returned)."""
    try:
        return await call.run_blocking(func, call.identity, *args)
    except SlurmError as exc:
        call.envelope.add_slurm_error(exc)
        return None


# ------------------------------------------------------------------- nodes --


async def _update_nodes(call: OperationCall, path_name: str | None) -> dict[str, Any]:
    shapes = require_version(call, "node updates")
    try:
        update, warnings = shapes.parse_node_update(call.query, path_name)
    except requests.RequestInvalid as exc:
        reject(call, exc)
        return {}
    call.envelope.warnings.extend(warnings)
    await _write(call, call.cluster.update_nodes, update)
    return {}


async def post_node(call: OperationCall) -> dict[str, Any]:
    return await _update_nodes(call, str(call.params["node_name"]))


async def post_nodes(call: OperationCall) -> dict[str, Any]:
    return await _update_nodes(call, None)


async def delete_node(call: OperationCall) -> dict[str, Any]:
    require_version(call, "node deletion")
    await _write(call, call.cluster.delete_node, str(call.params["node_name"]))
    return {}


async def post_new_node(call: OperationCall) -> dict[str, Any]:
    shapes = require_version(call, "node creation")
    try:
        node_conf, warnings = shapes.parse_new_node(call.query)
    except requests.RequestInvalid as exc:
        reject(call, exc)
        return {}
    call.envelope.warnings.extend(warnings)
    await _write(call, call.cluster.create_node, node_conf)
    return {}


# -------------------------------------------------------------- partitions --


async def post_partitions(call: OperationCall) -> dict[str, Any]:
    shapes = require_version(call, "partition updates")
    try:
        updates, warnings = shapes.parse_partitions(call.query)
    except requests.RequestInvalid as exc:
        reject(call, exc)
        return {}
    call.envelope.warnings.extend(warnings)
    notes = await _write(call, call.cluster.update_partitions, updates)
    for note in notes or ():
        call.envelope.warn(note, shapes.source_partitions)
    return {}


async def delete_partition(call: OperationCall) -> dict[str, Any]:
    require_version(call, "partition deletion")
    await _write(call, call.cluster.delete_partition, str(call.params["partition_name"]))
    return {}


# ------------------------------------------------------------ reservations --


Parse = Callable[[AdminShapes, Any], tuple[list[ReservationRequest], list[Any]]]


async def _put_reservations(call: OperationCall, parse: Parse) -> dict[str, Any]:
    shapes = require_version(call, "reservation updates")
    try:
        wanted, warnings = parse(shapes, call.query)
    except requests.RequestInvalid as exc:
        reject(call, exc)
        return {"reservations": []}
    call.envelope.warnings.extend(warnings)
    for req in wanted:
        for key in sorted(req.other):
            call.envelope.warn(f"{key} is not supported here; ignored", "reservation")
    done = await _write(call, call.cluster.update_reservations, wanted)
    rendered = [shapes.render_reservation_desc(r) for r in done or ()]
    return {"reservations": rendered}


async def post_reservation(call: OperationCall) -> dict[str, Any]:
    return await _put_reservations(call, AdminShapes.parse_reservation)


async def post_reservations(call: OperationCall) -> dict[str, Any]:
    return await _put_reservations(call, AdminShapes.parse_reservations)


async def delete_reservation(call: OperationCall) -> dict[str, Any]:
    require_version(call, "reservation deletion")
    await _write(call, call.cluster.delete_reservation, str(call.params["reservation_name"]))
    return {}


# ------------------------------------------------- configuration, fair share --


async def get_reconfigure(call: OperationCall) -> dict[str, Any]:
    require_version(call, "reconfigure")
    await _write(call, call.cluster.reconfigure)
    return {}


async def get_conf(call: OperationCall) -> dict[str, Any]:
    shapes = require_version(call, "the configuration dump")
    since = call.update_time()
    config = await call.read(call.cluster.controller_config, call.identity)
    if since is not None and config.last_update <= since:
        # Upstream answers an unchanged configuration with a warning and no dump.
        call.envelope.warn(
            f"configuration unchanged since update_time={since}", "slurm_load_ctl_conf"
        )
        return {}
    return {"slurm_conf": shapes.render_conf(config)}


def _names(value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    items = value if isinstance(value, list) else str(value).split(",")
    return tuple(str(item).strip() for item in items if str(item).strip())


async def get_shares(call: OperationCall) -> dict[str, Any]:
    shapes = require_version(call, "fair share")
    accounts = _names(call.query.get("accounts"))
    users = _names(call.query.get("users"))
    try:
        snapshot = await call.read(call.cluster.shares, call.identity, accounts, users)
    except SlurmError as exc:
        call.envelope.add_slurm_error(exc)
        return {"shares": {"shares": [], "total_shares": 0}}
    return {"shares": shapes.render_shares(snapshot)}
