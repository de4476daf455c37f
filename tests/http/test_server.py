"""HttpServer over real loopback sockets, in-process: the connection limit,
accepting on several listeners, and graceful shutdown."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import pytest
from http_helpers import read_response, run

from slurmrestd.http.limits import HttpLimits
from slurmrestd.http.listeners import TcpAddress, UnixAddress, bind_tcp, bind_unix
from slurmrestd.http.message import HttpRequest, HttpResponse, PeerInfo, TransportKind
from slurmrestd.http.server import HttpServer


class App:
    """A handler that records peers and the most connections it ever saw open."""

    def __init__(self) -> None:
        self.server: HttpServer | None = None
        self.peak = 0
        self.peers: list[PeerInfo] = []
        self.gate = asyncio.Event()
        self.started = asyncio.Event()

    async def __call__(self, request: HttpRequest, peer: PeerInfo) -> HttpResponse:
        assert self.server is not None
        self.peak = max(self.peak, len(self.server.state.connections))
        self.peers.append(peer)
        if request.path == "/slow":
            self.started.set()
            await self.gate.wait()
        await asyncio.sleep(0.001)  # let other connections interleave
        return HttpResponse(200, request.path.encode())


def _serve(app: App, limits: HttpLimits, sockets: list[socket.socket]) -> HttpServer:
    server = HttpServer(app, limits)
    app.server = server
    server.start(sockets)
    return server


def _tcp() -> tuple[list[socket.socket], int]:
    sockets = bind_tcp(TcpAddress("127.0.0.1", 0))
    return sockets, sockets[0].getsockname()[1]


async def _get(port: int, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % path.encode())
    return reader, writer, path.encode()


def test_fifty_clients_through_four_connection_slots() -> None:
    async def main() -> None:
        app = App()
        sockets, port = _tcp()
        server = _serve(app, HttpLimits(max_connections=4), sockets)

        async def client(i: int) -> bytes:
            reader, writer, _ = await _get(port, f"/{i}")
            response = await read_response(reader)
            assert response.status == 200
            assert response.header("Connection") is None  # keep-alive
            writer.close()
            await writer.wait_closed()
            return response.body

        bodies = await asyncio.gather(*(client(i) for i in range(50)))
        assert bodies == [f"/{i}".encode() for i in range(50)]
        assert 1 <= app.peak <= 4
        assert server.state.accepted_total == 50
        await asyncio.wait_for(server.shutdown(timeout=5), 2)

    run(main(), deadline=20)


def test_accepting_waits_for_a_free_slot() -> None:
    async def main() -> None:
        app = App()
        sockets, port = _tcp()
        server = _serve(app, HttpLimits(max_connections=2), sockets)
        first = await _get(port, "/a")
        second = await _get(port, "/b")
        for reader, _, path in (first, second):
            assert (await read_response(reader)).body == path
        # Both slots are held by idle keep-alive connections: the third client
        # connects (the kernel backlog holds it) but is not served...
        reader, writer, _ = await _get(port, "/c")
        pending = asyncio.create_task(read_response(reader))
        done, _ = await asyncio.wait([pending], timeout=0.2)
        assert not done
        assert len(server.state.connections) == 2
        # ...until one of them closes.
        first[1].close()
        response = await pending
        assert response.body == b"/c"
        assert app.peak == 2
        for _, w, _ in (second, (reader, writer, b"")):
            w.close()
        await asyncio.wait_for(server.shutdown(timeout=5), 2)

    run(main())


def test_graceful_shutdown_lets_an_in_flight_request_finish() -> None:
    async def main() -> None:
        app = App()
        sockets, port = _tcp()
        server = _serve(app, HttpLimits(), sockets)
        reader, writer, _ = await _get(port, "/slow")
        await app.started.wait()
        stopping = asyncio.create_task(server.shutdown(timeout=30))
        await asyncio.sleep(0)  # shutdown has closed the listeners
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", port)
        assert not stopping.done()
        app.gate.set()
        response = await read_response(reader)
        assert (response.status, response.body) == (200, b"/slow")
        assert await asyncio.wait_for(reader.read(), 2) == b""  # then closed
        await asyncio.wait_for(stopping, 2)  # long before its 30 s bound
        assert server.state.connections == set()
        writer.close()

    run(main())


def test_graceful_shutdown_closes_idle_connections_at_once() -> None:
    async def main() -> None:
        app = App()
        sockets, port = _tcp()
        server = _serve(app, HttpLimits(), sockets)
        reader, writer, path = await _get(port, "/idle")
        assert (await read_response(reader)).body == path
        await asyncio.wait_for(server.shutdown(timeout=30), 2)
        assert await asyncio.wait_for(reader.read(), 2) == b""
        writer.close()

    run(main())


def test_shutdown_aborts_what_does_not_finish_in_time() -> None:
    async def main() -> None:
        app = App()
        sockets, port = _tcp()
        server = _serve(app, HttpLimits(), sockets)
        reader, writer, _ = await _get(port, "/slow")
        await app.started.wait()
        await asyncio.wait_for(server.shutdown(timeout=0.1), 2)
        try:
            rest = await asyncio.wait_for(reader.read(), 2)
        except ConnectionResetError:
            rest = b""
        assert rest == b""
        writer.close()

    run(main())


def test_tcp_and_unix_listeners_at_once(tmp_path: Path) -> None:
    async def main() -> None:
        app = App()
        tcp, port = _tcp()
        path = str(tmp_path / "rest.sock")
        server = _serve(app, HttpLimits(max_connections=2), [*tcp, bind_unix(UnixAddress(path))])

        reader, writer, _ = await _get(port, "/tcp")
        assert (await read_response(reader)).body == b"/tcp"
        writer.close()
        ureader, uwriter = await asyncio.open_unix_connection(path)
        uwriter.write(b"GET /unix HTTP/1.1\r\nHost: t\r\n\r\n")
        assert (await read_response(ureader)).body == b"/unix"
        uwriter.close()

        tcp_peer, unix_peer = app.peers
        assert tcp_peer.kind is TransportKind.TCP
        assert tcp_peer.address.startswith("127.0.0.1:")
        assert tcp_peer.credentials is None
        assert unix_peer.kind is TransportKind.UNIX
        assert unix_peer.credentials is not None
        assert (unix_peer.credentials.pid, unix_peer.credentials.uid) == (
            os.getpid(),
            os.getuid(),
        )
        await asyncio.wait_for(server.shutdown(timeout=5), 2)
        with pytest.raises(OSError):
            await asyncio.open_unix_connection(path)

    run(main())


async def _ping_unix(path: str, name: str) -> bytes:
    reader, writer = await asyncio.open_unix_connection(path)
    writer.write(b"GET /%s HTTP/1.1\r\nHost: t\r\n\r\n" % name.encode())
    try:
        return (await asyncio.wait_for(read_response(reader), 2)).body
    finally:
        writer.close()


async def _ping_tcp(port: int, name: str) -> bytes:
    reader, writer, _ = await _get(port, f"/{name}")
    try:
        return (await asyncio.wait_for(read_response(reader), 2)).body
    finally:
        writer.close()


def test_one_slot_serves_every_listener_in_turn(tmp_path: Path) -> None:
    # A listener nobody connects to must not sit on a free slot.
    async def main() -> None:
        app = App()
        tcp, port = _tcp()
        path = str(tmp_path / "rest.sock")
        server = _serve(app, HttpLimits(max_connections=1), [*tcp, bind_unix(UnixAddress(path))])
        assert await _ping_unix(path, "u1") == b"/u1"
        assert await _ping_unix(path, "u2") == b"/u2"
        assert await _ping_tcp(port, "t1") == b"/t1"
        assert await _ping_tcp(port, "t2") == b"/t2"
        assert await _ping_unix(path, "u3") == b"/u3"
        await asyncio.wait_for(server.shutdown(timeout=5), 2)

    run(main())


def test_limit_counts_connections_not_listeners(tmp_path: Path) -> None:
    async def main() -> None:
        app = App()
        tcp, port = _tcp()
        path = str(tmp_path / "rest.sock")
        server = _serve(app, HttpLimits(max_connections=2), [*tcp, bind_unix(UnixAddress(path))])
        reader, writer, _ = await _get(port, "/kept")
        assert (await read_response(reader)).body == b"/kept"  # stays open
        assert await _ping_tcp(port, "second") == b"/second"
        writer.close()
        await asyncio.wait_for(server.shutdown(timeout=5), 2)

    run(main())
