"""GET /slurm/{version}/licenses: the controller's license table."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.call import OperationCall
from slurmrestd.api.numbers import no_val
from slurmrestd.model.license import License


def render_license(lic: License, api: int) -> dict[str, Any]:
    """One license in the shape of API minor version `api`."""
    row: dict[str, Any] = {
        "LicenseName": lic.name,
        "Total": lic.total,
        "Used": lic.used,
        "Free": lic.free,
        "Reserved": lic.reserved,
        "Remote": lic.remote,
    }
    if api >= 40:
        row.update(
            LastConsumed=lic.last_consumed,
            LastDeficit=lic.last_deficit,
            LastUpdate=lic.last_update,
        )
    if api >= 44:  # v0.0.44_license is the first with Nodes
        row["Nodes"] = lic.nodes
    return row


async def get_licenses(call: OperationCall) -> dict[str, Any]:
    snapshot = await call.read(call.cluster.licenses, call.identity)
    payload: dict[str, Any] = {
        "licenses": [render_license(lic, call.api_number) for lic in snapshot.licenses]
    }
    if call.api_number >= 40:
        payload["last_update"] = no_val(snapshot.last_update)
    return payload
