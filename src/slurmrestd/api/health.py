"""/healthz, /livez, /readyz: unauthenticated probes (upstream 26.05 semantics).

They answer 204 with no body when fine, so a load balancer or systemd watchdog
can ask without a token: /livez while the process serves, /healthz 500 when
the backend is unusable (as upstream), /readyz 503 before start-up completes
and while stopping. /readyz?verbose is for operators (authenticated by the
caller) and says why.
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
        return HttpResponse(500, b"backend unavailable", "text/plain")
    if state.stopping:
        return HttpResponse(503, b"shutting down", "text/plain", close=True)
    if not state.ready or not cluster.healthy():
        return HttpResponse(503, b"not ready", "text/plain")
    return HttpResponse(204, b"", None)


def describe(state: HealthState, cluster: Cluster) -> HttpResponse:
    """/readyz?verbose: 200 with one `name: value` line per check, 503 if not ready."""
    healthy = cluster.healthy()
    ready = state.ready and not state.stopping and healthy
    lines = [
        f"ready: {'yes' if ready else 'no'}",
        f"listening: {'yes' if state.ready else 'no'}",
        f"stopping: {'yes' if state.stopping else 'no'}",
        f"backend: {'healthy' if healthy else 'unavailable'}",
        f"cluster: {cluster.name}",
    ]
    return HttpResponse(200 if ready else 503, ("\n".join(lines) + "\n").encode(), "text/plain")
