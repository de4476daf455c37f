"""One request, one reply, over a fresh TCP connection to a controller.

slurmctld answers one message per connection and closes it, so there is no
pooling. Every socket gets TCP_NODELAY: requests are single small writes and
waiting for Nagle would add latency to each call. Socket failures become the
SlurmError numbers Slurm's own clients report for them.
"""

from __future__ import annotations

import logging
import socket
import struct

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


def connect(address: tuple[str, int], timeout: float) -> socket.socket:
    """A connected socket with TCP_NODELAY set.

    Raises:
        Unreachable: CONTROLLER_CONNECT when the connection cannot be made in time.
    """
    try:
        sock = socket.create_connection(address, timeout=timeout)
    except OSError as exc:
        log.debug("cannot connect to %s:%s: %s", address[0], address[1], exc.strerror or exc)
        text = error_text(Errno.CONTROLLER_CONNECT)
        raise Unreachable(Errno.CONTROLLER_CONNECT, text, SOURCE) from None
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
