"""rest_auth/local: trust the kernel's word on who is at the other end.

UNIX sockets: SO_PEERCRED; the daemon's own uid is accepted as itself, uid 0
is accepted and may name a user with X-SLURM-USER-NAME, anyone else is
rejected. TCP: not applicable (skip). Inetd over pipes/files: accepted when
they belong to the daemon's uid and grant nothing to "other" (as upstream).
"""

from __future__ import annotations

import stat

from slurmrestd.auth.base import AuthContext, AuthRejected, Identity
from slurmrestd.auth.users import USERS
from slurmrestd.http.message import FileOwnership, HttpRequest, PeerInfo, TransportKind

NAME = "rest_auth/local"
USER_HEADER = "X-SLURM-USER-NAME"


class LocalAuth:
    name = NAME

    def __init__(self, context: AuthContext) -> None:
        self._context = context

    def reload(self, context: AuthContext) -> None:
        self._context = context

    def authenticate(self, request: HttpRequest, peer: PeerInfo) -> Identity | None:
        if peer.kind is TransportKind.TCP:
            return None
        if peer.kind is TransportKind.PIPE:
            return self._authenticate_files(peer.files)
        creds = peer.credentials
        if creds is None or creds.uid < 0 or creds.gid < 0 or creds.pid <= 0:
            raise AuthRejected("unable to read the peer's credentials")
        ctx = self._context
        named = request.headers.get(USER_HEADER)
        if creds.uid == 0:
            if named and named != ctx.daemon_user:
                return _identity_for_name(named)
            return self._daemon_identity()
        if creds.uid == ctx.daemon_uid:
            if named and named != ctx.daemon_user:
                raise AuthRejected(f"peer uid {creds.uid} cannot act as user {named}")
            return self._daemon_identity()
        raise AuthRejected(f"peer uid {creds.uid} is neither root nor the daemon's user")

    def _authenticate_files(self, files: tuple[FileOwnership, ...]) -> Identity:
        if not files:
            raise AuthRejected("no stdin/stdout to authenticate")
        for owner in files:
            if owner.mode & (stat.S_ISUID | stat.S_ISGID):
                raise AuthRejected("stdin/stdout has setuid or setgid bits")
            if owner.mode & stat.S_IRWXO:
                raise AuthRejected("stdin/stdout grants permissions to other users")
            if owner.uid != self._context.daemon_uid:
                raise AuthRejected(f"stdin/stdout is owned by uid {owner.uid}, not the daemon's")
        return self._daemon_identity()

    def _daemon_identity(self) -> Identity:
        ctx = self._context
        return Identity(ctx.daemon_user, ctx.daemon_uid, ctx.daemon_gid, NAME)


def _identity_for_name(name: str) -> Identity:
    try:
        entry = USERS.by_name(name)
    except KeyError:
        raise AuthRejected(f"unknown user name {name}") from None
    return Identity(entry.pw_name, entry.pw_uid, entry.pw_gid, NAME)
