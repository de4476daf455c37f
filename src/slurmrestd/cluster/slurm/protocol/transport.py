"""One request, one reply, over a fresh TCP connection to a controller.

slurmctld answers one message per connection and closes it, so there is no
pooling. Every socket gets TCP_NODELAY: requests are single small writes and
waiting for Nagle would add latency to each call. Socket failures become the
SlurmError numbers Slurm's own clients report for them.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from typing import Any

from slurmrestd.cluster.errors import Errno, SlurmError, error_text

log = logging.getLogger(__name__)

SOURCE = "slurmctld"
# Largest reply accepted; replies to the calls made here are a few bytes.
MAX_REPLY = 64 * 1024 * 1024
_LENGTH = struct.Struct(">I")


class Unreachable(SlurmError):
    """No connection could be made: another controller may still answer."""


def _error(number: int, detail: str = "") -> SlurmError:
    """Slurm's own text for `number` (what clients match on); the detail goes to the log."""
    if detail:
        log.debug("slurmctld exchange failed: %s (%s)", error_text(number), detail)
    return SlurmError(number, error_text(number), SOURCE)


def _unreachable(address: tuple[str, int], exc: OSError) -> Unreachable:
    log.debug("cannot connect to %s:%s: %s", address[0], address[1], exc.strerror or exc)
    text = error_text(Errno.CONTROLLER_CONNECT)
    return Unreachable(Errno.CONTROLLER_CONNECT, text, SOURCE)


def connect(address: tuple[str, int], timeout: float) -> socket.socket:
    """A connected socket with TCP_NODELAY set.

    Raises:
        Unreachable: CONTROLLER_CONNECT when the connection cannot be made in time.
    """
    try:
        sock = socket.create_connection(address, timeout=timeout)
    except OSError as exc:
        raise _unreachable(address, exc) from None
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _read_exactly(sock: socket.socket, size: int, *, started: bool) -> bytes:
    chunks = []
    remaining = size
    while remaining:
        try:
            chunk = sock.recv(min(remaining, 1 << 20))
        except TimeoutError:
            raise _error(Errno.SOCKET_TIMEOUT) from None
        except OSError as exc:
            raise _error(Errno.CONTROLLER_RECEIVE, exc.strerror or str(exc)) from None
        if not chunk:
            # Nothing at all is what slurmctld sends a credential it rejects.
            if not started and remaining == size:
                raise _error(Errno.ZERO_BYTES)
            raise _error(Errno.CONTROLLER_RECEIVE, "connection closed mid-message")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def exchange(sock: socket.socket, request: bytes) -> bytes:
    """Send one framed request and read the framed reply (without its length prefix).

    Raises:
        SlurmError: CONTROLLER_SEND, SOCKET_TIMEOUT, ZERO_BYTES (closed without a
            reply, as for a rejected credential) or CONTROLLER_RECEIVE.
    """
    try:
        sock.sendall(request)
    except TimeoutError:
        raise _error(Errno.SOCKET_TIMEOUT) from None
    except OSError as exc:
        raise _error(Errno.CONTROLLER_SEND, exc.strerror or str(exc)) from None
    (length,) = _LENGTH.unpack(_read_exactly(sock, _LENGTH.size, started=False))
    if length > MAX_REPLY:
        raise _error(Errno.CONTROLLER_RECEIVE, f"reply of {length} bytes")
    return _read_exactly(sock, length, started=True)


async def exchange_on_loop(address: tuple[str, int], request: bytes, timeout: float) -> bytes:
    """`exchange` on a fresh connection, on the running event loop instead of a thread
    (a submission costs a third less CPU without the two thread switches).

    Raises:
        Unreachable: as connect; SlurmError: as exchange (SOCKET_TIMEOUT past `timeout`).
    """
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            sock = await _connect_on_loop(loop, address)
            with sock:
                return await _exchange_on_loop(loop, sock, request)
    except TimeoutError:
        raise _error(Errno.SOCKET_TIMEOUT) from None


async def _connect_on_loop(
    loop: asyncio.AbstractEventLoop, address: tuple[str, int]
) -> socket.socket:
    """A connected non-blocking socket with TCP_NODELAY; each address of the name in
    turn, as socket.create_connection does."""
    try:
        infos = _numeric(address) or await loop.getaddrinfo(*address, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise _unreachable(address, exc) from None
    failure = OSError("no address")
    for family, kind, proto, _, where in infos:
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            await loop.sock_connect(sock, where)
        except OSError as exc:
            sock.close()
            failure = exc
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    raise _unreachable(address, failure)


def _numeric(address: tuple[str, int]) -> list[Any]:
    """getaddrinfo's answer for an address literal (slurm.conf's usual case) without
    the resolver thread loop.getaddrinfo would use; [] for a host name."""
    try:
        return socket.getaddrinfo(*address, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except OSError:
        return []


async def _exchange_on_loop(
    loop: asyncio.AbstractEventLoop, sock: socket.socket, request: bytes
) -> bytes:
    try:
        await loop.sock_sendall(sock, request)
    except OSError as exc:
        raise _error(Errno.CONTROLLER_SEND, exc.strerror or str(exc)) from None
    data = bytearray()
    wanted = _LENGTH.size
    while len(data) < wanted:
        try:
            chunk = await loop.sock_recv(sock, min(wanted - len(data), 1 << 20))
        except OSError as exc:
            raise _error(Errno.CONTROLLER_RECEIVE, exc.strerror or str(exc)) from None
        if not chunk:
            if not data:  # nothing at all: a rejected credential
                raise _error(Errno.ZERO_BYTES)
            raise _error(Errno.CONTROLLER_RECEIVE, "connection closed mid-message")
        data += chunk
        if wanted == _LENGTH.size and len(data) >= wanted:
            (length,) = _LENGTH.unpack_from(data)
            if length > MAX_REPLY:
                raise _error(Errno.CONTROLLER_RECEIVE, f"reply of {length} bytes")
            wanted += length
    return bytes(data[_LENGTH.size :])
