"""Inetd mode: one HTTP connection on stdin/stdout (a socket, pipes or files).

A socket on fd 0 is served like any accepted connection; it must be the same
socket as fd 1 (as upstream demands). Anything else (pipes, a tty, regular
files) is read by a thread and fed to the same protocol, and written with
blocking writes: there is only this one connection to serve.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import stat
import threading
from collections.abc import Callable
from typing import Any

from slurmrestd.http.connection import Handler, HttpConnection
from slurmrestd.http.limits import HttpLimits
from slurmrestd.http.message import FileOwnership, PeerInfo, TransportKind

_READ_SIZE = 256 * 1024


class InetdError(Exception):
    """stdin/stdout cannot be served (e.g. two different sockets)."""


class StdioTransport(asyncio.Transport):
    """A transport over two file descriptors that may not support polling."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, protocol: asyncio.Protocol, in_fd: int, out_fd: int
    ) -> None:
        super().__init__()
        self._loop = loop
        self._protocol = protocol
        self._in_fd = in_fd
        self._out_fd = out_fd
        self._closing = False
        self._can_read = threading.Event()
        self._can_read.set()
        self._reader = threading.Thread(target=self._read_loop, name="inetd-stdin", daemon=True)

    def start(self) -> None:
        self._protocol.connection_made(self)
        self._reader.start()

    def _read_loop(self) -> None:
        while not self._closing:
            self._can_read.wait()
            try:
                data = os.read(self._in_fd, _READ_SIZE)
            except OSError:
                data = b""
            if self._closing:
                return
            if not data:
                self._loop.call_soon_threadsafe(self._eof)
                return
            self._loop.call_soon_threadsafe(self._deliver, data)

    def _deliver(self, data: bytes) -> None:
        if not self._closing:
            self._protocol.data_received(data)

    def _eof(self) -> None:
        if not self._closing:
            self._protocol.eof_received()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data)
        while view and not self._closing:
            try:
                written = os.write(self._out_fd, view)
            except BrokenPipeError:
                self.close()
                return
            except BlockingIOError:
                continue
            view = view[written:]

    def pause_reading(self) -> None:
        self._can_read.clear()

    def resume_reading(self) -> None:
        self._can_read.set()

    def is_reading(self) -> bool:
        return self._can_read.is_set()

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self._can_read.set()
        self._loop.call_soon(self._protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


def _ownership(fd: int) -> FileOwnership:
    st = os.fstat(fd)
    return FileOwnership(uid=st.st_uid, gid=st.st_gid, mode=st.st_mode)


async def serve_stdio(
    handler: Handler,
    limits: HttpLimits,
    *,
    in_fd: int = 0,
    out_fd: int = 1,
    on_connection: Callable[[HttpConnection], None] | None = None,
) -> HttpConnection:
    """Serve the one connection on in_fd/out_fd until it closes; return it.

    `on_connection` gets the connection as soon as it exists (for shutdown).
    """
    loop = asyncio.get_running_loop()
    in_stat = os.fstat(in_fd)
    if stat.S_ISSOCK(in_stat.st_mode):
        out_stat = os.fstat(out_fd)
        same = (in_stat.st_dev, in_stat.st_ino) == (out_stat.st_dev, out_stat.st_ino)
        if not stat.S_ISSOCK(out_stat.st_mode) or not same:
            raise InetdError("STDIN and STDOUT must be same socket")
        sock = socket.socket(fileno=os.dup(in_fd))
        sock.setblocking(False)
        connection = HttpConnection(handler, limits, loop=loop)
        await loop.connect_accepted_socket(lambda: connection, sock)
    else:
        peer = PeerInfo(
            kind=TransportKind.PIPE,
            address="stdio",
            files=(_ownership(in_fd), _ownership(out_fd)),
        )
        connection = HttpConnection(handler, limits, peer=peer, loop=loop)
        transport = StdioTransport(loop, connection, in_fd, out_fd)
        transport.start()
    if on_connection is not None:
        on_connection(connection)
    await connection.closed
    with contextlib.suppress(OSError):
        os.close(out_fd) if out_fd > 2 else None
    return connection
