"""Accepting connections on many listeners, --max-connections, graceful stop.

Accepting is a loop per listening socket that, once a client is waiting, takes
a slot from one shared semaphore: at the connection limit we simply stop
calling accept(), the kernel backlog holds new clients, and accepting resumes
the moment a connection closes (upstream 22.05 could stop accepting for good:
22.05.9 NEWS). No slot is held while waiting for a client, so a listener
nobody uses cannot starve the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket

from slurmrestd.http.connection import Handler, HttpConnection
from slurmrestd.http.limits import HttpLimits
from slurmrestd.http.listeners import describe

log = logging.getLogger("slurmrestd.http")

# Out of file descriptors: wait this long before accepting again instead of spinning.
_ACCEPT_BACKOFF_S = 0.1


class ServerState:
    """Connections currently open; shared counters for limits and shutdown."""

    def __init__(self) -> None:
        self.connections: set[HttpConnection] = set()
        self.accepted_total = 0


class HttpServer:
    """Serves HTTP on a set of listening sockets with one connection limit."""

    def __init__(
        self,
        handler: Handler,
        limits: HttpLimits,
        *,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self._handler = handler
        self._limits = limits
        self._loop = loop or asyncio.get_running_loop()
        self._slots = asyncio.Semaphore(limits.max_connections)
        self._listeners: list[socket.socket] = []
        self._accept_tasks: list[asyncio.Task[None]] = []
        self.state = ServerState()

    def start(self, sockets: list[socket.socket]) -> None:
        """Begin accepting on every socket (already bound and listening)."""
        for sock in sockets:
            self._listeners.append(sock)
            self._accept_tasks.append(self._loop.create_task(self._accept_loop(sock)))
            log.info("listening on %s", describe(sock))

    async def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            await self._readable(listener)
            await self._slots.acquire()
            try:
                sock, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                self._slots.release()  # the client went away, or another process took it
                continue
            except OSError as exc:
                self._slots.release()
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    log.error("accept on %s failed: %s", describe(listener), exc.strerror)
                    await asyncio.sleep(_ACCEPT_BACKOFF_S)
                elif exc.errno in (errno.EBADF, errno.EINVAL):
                    return  # listener closed
                continue
            self.state.accepted_total += 1
            await self.serve_socket(sock)

    async def _readable(self, listener: socket.socket) -> None:
        """Wait until a client is waiting to be accepted on `listener`."""
        fd = listener.fileno()
        ready: asyncio.Future[None] = self._loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        self._loop.add_reader(fd, wake)
        try:
            await ready
        finally:
            # close_listeners() unregisters before closing; then the fd number
            # may already belong to another socket, so leave it alone.
            if listener.fileno() == fd:
                self._loop.remove_reader(fd)

    async def serve_socket(self, sock: socket.socket) -> HttpConnection | None:
        """Serve one accepted socket; the caller holds a connection slot."""
        sock.setblocking(False)
        connection = HttpConnection(
            self._handler, self._limits, on_close=self._connection_closed, loop=self._loop
        )
        try:
            await self._loop.connect_accepted_socket(lambda: connection, sock)
        except OSError as exc:
            log.debug("dropping connection that failed at start: %s", exc)
            sock.close()
            self._slots.release()
            return None
        self.state.connections.add(connection)
        return connection

    def _connection_closed(self, connection: HttpConnection) -> None:
        if connection in self.state.connections:
            self.state.connections.discard(connection)
            self._slots.release()

    def close_listeners(self) -> None:
        """Stop accepting; open connections are untouched."""
        for task in self._accept_tasks:
            task.cancel()
        self._accept_tasks.clear()
        for sock in self._listeners:
            # Unregister before closing: a cancelled accept loop drops its
            # registration only on the next loop pass, when the fd number may
            # already belong to a new socket.
            if sock.fileno() >= 0:
                self._loop.remove_reader(sock.fileno())
            with contextlib.suppress(OSError):
                sock.close()
        self._listeners.clear()

    async def shutdown(self, timeout: float = 30.0) -> None:
        """Close listeners, let connections finish what they owe, then abort the rest."""
        self.close_listeners()
        connections = list(self.state.connections)
        for connection in connections:
            connection.shutdown()
        pending = [c.closed for c in connections if not c.closed.done()]
        if pending:
            _, still_open = await asyncio.wait(pending, timeout=timeout)
            if still_open:
                log.warning("aborting %d connections at shutdown", len(still_open))
                for connection in connections:
                    if connection.transport is not None:
                        connection.transport.abort()  # type: ignore[attr-defined]
