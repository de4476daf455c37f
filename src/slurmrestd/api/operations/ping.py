"""GET /slurm/{version}/ping: ping the controllers."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.call import OperationCall
from slurmrestd.model.controller import ControllerPing


def render_ping(ping: ControllerPing, api: int) -> dict[str, Any]:
    """One controller ping in the shape of API minor version `api`."""
    state = "UP" if ping.responding else "DOWN"
    if api <= 38:
        return {
            "hostname": ping.hostname,
            "ping": state,
            "status": 0 if ping.responding else -1,
            "mode": ping.mode,
        }
    if api <= 41:
        return {
            "hostname": ping.hostname,
            "pinged": state,
            "latency": ping.latency_us,
            "mode": ping.mode,
        }
    if api <= 44:
        return {
            "hostname": ping.hostname,
            "pinged": state,
            "responding": ping.responding,
            "latency": ping.latency_us,
            "mode": ping.mode,
            "primary": ping.primary,
        }
    return {
        "hostname": ping.hostname,
        "responding": ping.responding,
        "latency": ping.latency_us,
        "primary": ping.primary,
        "status": state,
    }


async def get_ping(call: OperationCall) -> dict[str, Any]:
    pings = await call.read(call.cluster.ping, call.identity)
    return {"pings": [render_ping(p, call.api_number) for p in pings]}
