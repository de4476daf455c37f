"""Inetd mode: one connection over stdin/stdout as pipes, one socket, or a file."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
from pathlib import Path

import pytest
from http_helpers import EchoHandler, assert_error, parse_responses, run

from slurmrestd.http.connection import HttpConnection
from slurmrestd.http.inetd import InetdError, serve_stdio
from slurmrestd.http.limits import HttpLimits
from slurmrestd.http.message import TransportKind

TWO = b"GET /1?a=b HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"


async def _pipe_reader(fd: int) -> tuple[asyncio.StreamReader, asyncio.BaseTransport]:
    """Read the output pipe on the loop itself (a thread blocked in read() would
    outlive a test that fails by timing out)."""
    reader = asyncio.StreamReader()
    transport, _ = await asyncio.get_running_loop().connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fd, "rb", buffering=0)
    )
    return reader, transport


async def _serve_pipes(
    data: bytes, handler: EchoHandler | None = None
) -> tuple[HttpConnection, bytes, EchoHandler]:
    """Write `data` and EOF to a pipe, serve it, return what came out of the other pipe."""
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    reader, transport = await _pipe_reader(out_r)
    try:
        os.write(in_w, data)
        os.close(in_w)
        handler = handler or EchoHandler()
        connection = await serve_stdio(handler, HttpLimits(), in_fd=in_r, out_fd=out_w)
        # serve_stdio closed out_w (fd > 2), so the reader sees the end.
        return connection, await reader.read(), handler
    finally:
        os.close(in_r)
        transport.close()


def test_pipes_two_requests_answered_in_order() -> None:
    async def main() -> None:
        connection, output, handler = await _serve_pipes(TWO)
        responses, rest = parse_responses(output)
        assert rest == b""
        assert [r.json()["path"] for r in responses] == ["/1", "/2"]
        assert responses[0].json()["query"] == "a=b"
        assert responses[1].json()["body"] == "abc"
        assert connection.protocol_error is None
        (peer,) = set(handler.peers)
        assert peer.kind is TransportKind.PIPE
        assert peer.credentials is None
        assert [f.uid for f in peer.files] == [os.getuid(), os.getuid()]
        assert all(stat.S_ISFIFO(f.mode) for f in peer.files)

    run(main())


class SlowEcho(EchoHandler):
    """Answers only after stdin's end has surely been seen."""

    async def __call__(self, request, peer):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.05)
        return await super().__call__(request, peer)


def test_pipes_end_of_input_while_answering() -> None:
    # The usual inetd case: the whole request and the end of stdin arrive
    # before the answer is ready; the connection must still end after it.
    async def main() -> None:
        _, output, _ = await _serve_pipes(TWO, SlowEcho())
        responses, rest = parse_responses(output)
        assert [r.json()["path"] for r in responses] == ["/1", "/2"]
        assert rest == b""

    run(main())


def test_pipes_one_request() -> None:
    async def main() -> None:
        _, output, _ = await _serve_pipes(b"GET / HTTP/1.0\r\n\r\n")
        (response,), _ = parse_responses(output)
        assert response.version == "1.0"
        assert response.status == 200

    run(main())


def test_pipes_nothing_at_all() -> None:
    async def main() -> None:
        connection, output, handler = await _serve_pipes(b"")
        assert output == b""
        assert handler.requests == []
        assert connection.protocol_error is None

    run(main())


def test_pipes_malformed_input_sets_protocol_error() -> None:
    async def main() -> None:
        connection, output, handler = await _serve_pipes(
            b"GET /ok HTTP/1.1\r\n\r\nNOT HTTP AT ALL\r\n\r\n"
        )
        first, second = parse_responses(output)[0]
        assert first.status == 200
        assert_error(second, 400)
        assert connection.protocol_error is not None
        assert connection.protocol_error.status == 400
        assert len(handler.requests) == 1

    run(main())


def test_pipes_truncated_request_sets_protocol_error() -> None:
    async def main() -> None:
        connection, output, _ = await _serve_pipes(
            b"POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nab"
        )
        (response,), _ = parse_responses(output)
        assert_error(response, 400)
        assert connection.protocol_error is not None

    run(main())


def test_output_pipe_closed_by_the_reader_ends_the_connection() -> None:
    async def main() -> None:
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        os.close(out_r)  # nobody will read the answer: writing it fails with EPIPE
        try:
            os.write(in_w, TWO)
            connection = await serve_stdio(EchoHandler(), HttpLimits(), in_fd=in_r, out_fd=out_w)
            assert connection.lifecycle.state.value == "closed"
        finally:
            os.close(in_r)
            os.close(in_w)

    run(main())


def test_regular_file_as_stdin(tmp_path: Path) -> None:
    async def main() -> None:
        requests = tmp_path / "requests.http"
        requests.write_bytes(TWO)
        in_fd = os.open(requests, os.O_RDONLY)
        out_r, out_w = os.pipe()
        reader, transport = await _pipe_reader(out_r)
        try:
            handler = EchoHandler()
            await serve_stdio(handler, HttpLimits(), in_fd=in_fd, out_fd=out_w)
            output = await reader.read()
        finally:
            os.close(in_fd)
            transport.close()
        responses, rest = parse_responses(output)
        assert rest == b""
        assert [r.json()["path"] for r in responses] == ["/1", "/2"]
        files = handler.peers[0].files
        assert stat.S_ISREG(files[0].mode)
        assert stat.S_ISFIFO(files[1].mode)

    run(main())


def test_one_socket_as_stdin_and_stdout() -> None:
    async def main() -> None:
        client, served = socket.socketpair()
        with client:
            client.sendall(TWO)
            client.shutdown(socket.SHUT_WR)
            fd = served.detach()  # serve_stdio closes it when done
            handler = EchoHandler()
            connection = await serve_stdio(handler, HttpLimits(), in_fd=fd, out_fd=fd)
            client.settimeout(5)
            output = b""
            while chunk := client.recv(65536):
                output += chunk
        responses, rest = parse_responses(output)
        assert rest == b""
        assert [r.json()["path"] for r in responses] == ["/1", "/2"]
        assert connection.protocol_error is None
        with pytest.raises(OSError):
            os.fstat(fd)
        peer = handler.peers[0]
        assert peer.kind is TransportKind.UNIX
        assert peer.credentials is not None
        assert peer.credentials.pid == os.getpid()

    run(main())


def test_two_different_sockets_are_refused() -> None:
    async def main() -> None:
        a1, b1 = socket.socketpair()
        a2, b2 = socket.socketpair()
        with (
            a1,
            b1,
            a2,
            b2,
            pytest.raises(InetdError, match="STDIN and STDOUT must be same socket"),
        ):
            await serve_stdio(EchoHandler(), HttpLimits(), in_fd=b1.fileno(), out_fd=b2.fileno())

    run(main())


def test_socket_in_and_pipe_out_are_refused() -> None:
    async def main() -> None:
        a, b = socket.socketpair()
        out_r, out_w = os.pipe()
        try:
            with a, b, pytest.raises(InetdError, match="same socket"):
                await serve_stdio(EchoHandler(), HttpLimits(), in_fd=b.fileno(), out_fd=out_w)
        finally:
            os.close(out_r)
            os.close(out_w)

    run(main())
