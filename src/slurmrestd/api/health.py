"""/healthz, /livez, /readyz: unauthenticated probes (upstream 26.05 semantics).

They answer 204 with no body when fine and 503 (text) when not, so a load
balancer or systemd watchdog can ask without a token.
"""

from __future__ import annotations

from dataclasses import dataclass

from slurmrestd.cluster.base import Cluster
from slurmrestd.http.message import HttpResponse

PATHS = ("/healthz", "/livez", "/readyz")


@dataclass(slots=True)
class HealthState:
    ready: bool = False  # listeners are up and the backend was loaded
    stopping: bool = False


def answer(path: str, state: HealthState, cluster: Cluster) -> HttpResponse:
    """Answer one probe."""
    if path == "/livez":
        return HttpResponse(204, b"", None)
    if path == "/healthz":
        if cluster.healthy():
            return HttpResponse(204, b"", None)
        return HttpResponse(503, b"backend unavailable", "text/plain")
    if state.stopping:
        return HttpResponse(503, b"shutting down", "text/plain", close=True)
    if not state.ready or not cluster.healthy():
        return HttpResponse(503, b"not ready", "text/plain")
    return HttpResponse(204, b"", None)
