"""/slurm/{version}/ nodes, partitions, reservations and diag: the controller's tables.

One lookup per kind: the list answer, and the single-name answer taken from the
same snapshot. 22.05 answered an unknown name with {"error", "errno"} and an
empty list (HTTP 500).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from slurmrestd.api.call import NotModified, OperationCall
from slurmrestd.api.numbers import no_val
from slurmrestd.api.versions.v0_0_38 import diag as diag_38
from slurmrestd.api.versions.v0_0_38 import nodes as nodes_38
from slurmrestd.api.versions.v0_0_38 import partitions as partitions_38
from slurmrestd.api.versions.v0_0_38 import reservations as reservations_38
from slurmrestd.api.versions.v0_0_40 import resources as resources_40
from slurmrestd.api.versions.v0_0_41 import resources as resources_41
from slurmrestd.api.versions.v0_0_42 import resources as resources_42
from slurmrestd.api.versions.v0_0_43 import resources as resources_43
from slurmrestd.api.versions.v0_0_44 import resources as resources_44
from slurmrestd.api.versions.v0_0_45 import resources as resources_45
from slurmrestd.api.versions.v0_0_46 import diag as diag_46
from slurmrestd.api.versions.v0_0_46 import nodes as nodes_46
from slurmrestd.api.versions.v0_0_46 import partitions as partitions_46
from slurmrestd.api.versions.v0_0_46 import reservations as reservations_46
from slurmrestd.cluster.errors import Errno, SlurmError, error_text

_LEGACY = 38
# v0.0.40 ... v0.0.45: one module each, with render_node/partition/reservation/diag.
_BETWEEN: dict[int, ModuleType] = {
    40: resources_40,
    41: resources_41,
    42: resources_42,
    43: resources_43,
    44: resources_44,
    45: resources_45,
}


@dataclass(frozen=True, slots=True)
class Table:
    """One kind of controller record and how each version renders it."""

    key: str  # payload key: "nodes"
    read: str  # Cluster method returning a snapshot with `key` and `last_update`
    param: str  # path parameter naming one record
    not_found: Errno
    renderers: dict[int, Callable[[Any], dict[str, Any]]]


NODES = Table(
    "nodes",
    "nodes",
    "node_name",
    Errno.INVALID_NODE_NAME,
    {
        38: nodes_38.render_node,
        **{api: m.render_node for api, m in _BETWEEN.items()},
        46: nodes_46.render_node,
    },
)
PARTITIONS = Table(
    "partitions",
    "partitions",
    "partition_name",
    Errno.INVALID_PARTITION_NAME,
    {
        38: partitions_38.render_partition,
        **{api: m.render_partition for api, m in _BETWEEN.items()},
        46: partitions_46.render_partition,
    },
)
RESERVATIONS = Table(
    "reservations",
    "reservations",
    "reservation_name",
    Errno.RESERVATION_INVALID,
    {
        38: reservations_38.render_reservation,
        **{api: m.render_reservation for api, m in _BETWEEN.items()},
        46: reservations_46.render_reservation,
    },
)
_DIAG: dict[int, ModuleType] = {38: diag_38, **_BETWEEN, 46: diag_46}


def _renderer(table: Table, call: OperationCall) -> Callable[[Any], dict[str, Any]]:
    render = table.renderers.get(call.api_number)
    if render is None:
        raise SlurmError(
            Errno.NOT_IMPLEMENTED, f"{table.key} are not available in {call.version} yet", ""
        )
    return render


async def _answer(call: OperationCall, table: Table, name: str | None) -> dict[str, Any]:
    render = _renderer(table, call)
    since = call.update_time()
    snapshot = await call.read(getattr(call.cluster, table.read), call.identity)
    records = getattr(snapshot, table.key)
    if since is not None and snapshot.last_update <= since:
        raise NotModified
    if name is not None:
        records = [r for r in records if r.name == name]
        if not records:
            if call.api_number == _LEGACY:
                errno = int(table.not_found)
                call.envelope.entry({"error": error_text(errno), "errno": errno}, errno)
            else:
                call.envelope.error(
                    table.not_found, f"{table.param} {name!r} not found", table.read
                )
    payload: dict[str, Any] = {table.key: [render(r) for r in records]}
    if call.api_number > _LEGACY:
        payload["last_update"] = no_val(snapshot.last_update)
    return payload


def _list(table: Table) -> Callable[[OperationCall], Any]:
    async def handler(call: OperationCall) -> dict[str, Any]:
        return await _answer(call, table, None)

    return handler


def _one(table: Table) -> Callable[[OperationCall], Any]:
    async def handler(call: OperationCall) -> dict[str, Any]:
        return await _answer(call, table, str(call.params[table.param]))

    return handler


get_nodes, get_node = _list(NODES), _one(NODES)
get_partitions, get_partition = _list(PARTITIONS), _one(PARTITIONS)
get_reservations, get_reservation = _list(RESERVATIONS), _one(RESERVATIONS)


async def get_diag(call: OperationCall) -> dict[str, Any]:
    module = _DIAG.get(call.api_number)
    if module is None:
        raise SlurmError(Errno.NOT_IMPLEMENTED, f"diag is not available in {call.version} yet", "")
    diag = await call.read(call.cluster.diag, call.identity)
    return {"statistics": module.render_diag(diag)}
