"""The HTTP client as 22.05 named it in error texts: "[host name]:port".

22.05 wrote its peer's address through a reverse lookup (getnameinfo with a
numeric port, no name required), so a client on 127.0.0.1 reads
`job update from [localhost]:46574 failed` (reference capture
POST_slurm_v0.0.38_job_{job_id}__err_update_other_users_job). Lookups can take
seconds when DNS is slow, so they run on the thread pool and their results,
failures included, are kept for a while per address.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

Resolver = Callable[[str], str]  # IP address text -> host name (or the address itself)
RunBlocking = Callable[..., Awaitable[str]]


def reverse_lookup(host: str) -> str:
    """The name of an IP address, or the address when it has none (NI_NAMEREQD off)."""
    try:
        name, _ = socket.getnameinfo((host, 0), socket.NI_NUMERICSERV)
    except (OSError, UnicodeError):  # gaierror is an OSError; odd scope ids too
        return host
    return name


def split_address(address: str) -> tuple[str, str] | None:
    """("127.0.0.1", "46574") of "127.0.0.1:46574" or "[::1]:46574"; None for others."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isascii() or not port.isdigit():
        return None
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, port


def bracketed(address: str) -> str:
    """ "host:port" -> "[host]:port", as 22.05 wrote client addresses."""
    if address.startswith("["):
        return address
    host, sep, port = address.rpartition(":")
    return f"[{host}]:{port}" if sep and host else address


class PeerNames:
    """Host names of peer addresses, looked up once per `ttl` seconds, at most `capacity`."""

    def __init__(
        self,
        resolve: Resolver = reverse_lookup,
        *,
        capacity: int = 256,
        ttl: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._resolve = resolve
        self._capacity = capacity
        self._ttl = ttl
        self._clock = clock
        self._names: OrderedDict[str, tuple[float, str]] = OrderedDict()  # host -> (until, name)

    async def client_text(self, address: str, run_blocking: RunBlocking) -> str:
        """ "[name]:port" for an IP peer; other peers (unix, stdio) bracketed as they are."""
        parts = split_address(address)
        if parts is None or not _is_ip(parts[0]):
            return bracketed(address)
        host, port = parts
        name = self._cached(host)
        if name is None:
            name = await run_blocking(self._resolve, host)
            self._remember(host, name)
        return f"[{name}]:{port}"

    def _cached(self, host: str) -> str | None:
        entry = self._names.get(host)
        if entry is None or entry[0] <= self._clock():
            return None
        self._names.move_to_end(host)
        return entry[1]

    def _remember(self, host: str, name: str) -> None:
        self._names[host] = (self._clock() + self._ttl, name)
        self._names.move_to_end(host)
        while len(self._names) > self._capacity:
            self._names.popitem(last=False)  # the least recently used


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# One per process, like the group name cache of api/app.py: names do not depend on the request.
PEER_NAMES = PeerNames()
