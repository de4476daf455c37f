"""The rest_auth plugin interface: Identity, the plugin protocol, rejection.

A plugin answers one of three ways for each request: an `Identity` (accepted),
`None` (not mine: try the next plugin) or it raises `AuthRejected` (stop and
answer 401). It must not parse HTTP itself beyond reading `request.headers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from slurmrestd.http.message import HttpRequest, PeerInfo


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a request acts as; this is what backends receive."""

    user_name: str
    uid: int
    gid: int
    auth_type: str  # plugin name, e.g. "rest_auth/local"
    token: str | None = None  # the JWT, when authenticated by token


class AuthRejected(Exception):
    """The request claims an identity that cannot be accepted (HTTP 401)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class AuthContext:
    """Facts about this daemon that plugins decide on."""

    daemon_uid: int
    daemon_gid: int
    daemon_user: str
    slurm_user: str | None = None  # SlurmUser from slurm.conf, if any
    auth_alt_parameters: str | None = None  # AuthAltParameters from slurm.conf


@runtime_checkable
class AuthPlugin(Protocol):
    """A rest_auth plugin."""

    name: str

    def authenticate(self, request: HttpRequest, peer: PeerInfo) -> Identity | None:
        """Identity for this request, None to skip, or raise AuthRejected."""
        ...

    def reload(self, context: AuthContext) -> None:
        """Re-read keys/configuration (SIGHUP). Raise on a broken configuration."""
        ...
