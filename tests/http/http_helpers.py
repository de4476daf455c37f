"""Helpers for the HTTP tests: a fake transport, an echo handler, a response reader.

Named `http_helpers` (not `helpers`) because the test directories share one
import namespace, and never made a package: `tests/http` must not shadow the
standard library's `http`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Container, Coroutine
from dataclasses import dataclass
from typing import Any

from slurmrestd.http.connection import HttpConnection
from slurmrestd.http.limits import HttpLimits
from slurmrestd.http.message import HttpRequest, HttpResponse, PeerInfo, TransportKind

# Every test coroutine is bounded by this; a hang fails instead of blocking the run.
TEST_DEADLINE_S = 10.0


def run(coro: Coroutine[Any, Any, Any], deadline: float = TEST_DEADLINE_S) -> Any:
    """Run `coro` in a fresh event loop, failing it if it outlives `deadline`."""
    return asyncio.run(asyncio.wait_for(coro, deadline))


async def until(predicate: Callable[[], bool], timeout: float = 2.0) -> None:
    """Wait (yielding to the loop) until `predicate()` holds; fail after `timeout`."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    spins = 0
    while not predicate():
        if loop.time() > end:
            raise AssertionError("condition not reached before the deadline")
        # A few bare yields settle in-memory work; then stop spinning the CPU.
        await asyncio.sleep(0 if spins < 50 else 0.001)
        spins += 1


class FakeTransport(asyncio.Transport):
    """Records what the protocol writes and whether it paused, resumed or closed."""

    def __init__(self, protocol: asyncio.Protocol) -> None:
        super().__init__()
        self._protocol = protocol
        self._loop = asyncio.get_running_loop()
        self.data = bytearray()
        self.closed = False
        self.paused = False
        self.pause_calls = 0
        self.resume_calls = 0
        self.writes_after_close = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self.closed:
            self.writes_after_close += 1
            return
        self.data += data

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._loop.call_soon(self._protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        self.paused = True
        self.pause_calls += 1

    def resume_reading(self) -> None:
        self.paused = False
        self.resume_calls += 1

    def is_reading(self) -> bool:
        return not self.paused

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


class EchoHandler:
    """Answers with a JSON echo of the request; some paths behave specially.

    `/status/NNN` answers NNN with a body, `/raise` raises, `/close` asks for a
    close, `/slow` waits for `gate`.
    """

    def __init__(self) -> None:
        self.requests: list[HttpRequest] = []
        self.peers: list[PeerInfo] = []
        self.gate = asyncio.Event()
        self.started = asyncio.Event()

    async def __call__(self, request: HttpRequest, peer: PeerInfo) -> HttpResponse:
        self.requests.append(request)
        self.peers.append(peer)
        if request.path.startswith("/status/"):
            return HttpResponse(int(request.path.rsplit("/", 1)[1]), b"not for the wire")
        if request.path == "/raise":
            raise RuntimeError("handler failed")
        if request.path == "/slow":
            self.started.set()
            await self.gate.wait()
        body = json.dumps(echo_of(request)).encode()
        return HttpResponse(
            200, body, content_type="application/json", close=request.path == "/close"
        )


def echo_of(request: HttpRequest) -> dict[str, Any]:
    return {
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "body": request.body.decode("latin-1"),
        "keep_alive": request.keep_alive,
        "version": request.http_version,
    }


@dataclass
class Response:
    version: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        assert len(values) <= 1, f"header {name} repeated: {values}"
        return values[0] if values else None

    def json(self) -> Any:
        return json.loads(self.body)


def parse_responses(data: bytes, bodyless: Container[int] = ()) -> tuple[list[Response], bytes]:
    """Split `data` into complete responses and the incomplete rest.

    Strict about the shape we promise: status line, `Name: value` headers and a
    body of exactly Content-Length bytes (none for 1xx/204/304 or indexes in
    `bodyless`, i.e. answers to HEAD).
    """
    responses: list[Response] = []
    rest = bytes(data)
    while rest:
        head, sep, after = rest.partition(b"\r\n\r\n")
        if not sep:
            break
        lines = head.decode("latin-1").split("\r\n")
        version, status, reason = lines[0].split(" ", 2)
        assert version in ("HTTP/1.0", "HTTP/1.1"), lines[0]
        headers = []
        for line in lines[1:]:
            name, colon, value = line.partition(": ")
            assert colon and name and " " not in name, f"bad header line {line!r}"
            headers.append((name, value))
        response = Response(version[5:], int(status), reason, headers, b"")
        length = response.header("Content-Length")
        if response.status < 200 or response.status in (204, 304):
            assert length is None, f"{status} with Content-Length"
        elif len(responses) not in bodyless:
            assert length is not None, f"{status} without Content-Length"
            if len(after) < int(length):
                break
            response.body, after = after[: int(length)], after[int(length) :]
        responses.append(response)
        rest = after
    return responses, rest


def assert_error(response: Response, status: int | Container[int]) -> None:
    """The one shape of every error answer: text/plain, `Connection: Close`."""
    if isinstance(status, int):
        assert response.status == status, (response.status, response.body)
    else:
        assert response.status in status, (response.status, response.body)
    assert response.header("Content-Type") == "text/plain"
    assert response.header("Connection") == "Close"
    assert response.body


class Conn:
    """An `HttpConnection` over a `FakeTransport`; must be built inside a running loop."""

    def __init__(
        self,
        handler: Callable[[HttpRequest, PeerInfo], Awaitable[HttpResponse]] | None = None,
        limits: HttpLimits | None = None,
    ) -> None:
        self.handler = handler if handler is not None else EchoHandler()
        self.protocol = HttpConnection(
            self.handler,  # type: ignore[arg-type]
            limits or HttpLimits(),
            peer=PeerInfo(kind=TransportKind.TCP, address="192.0.2.1:40000"),
        )
        self.transport = FakeTransport(self.protocol)
        self.protocol.connection_made(self.transport)

    def feed(self, data: bytes, chunk: int | None = None) -> None:
        """Deliver `data` whole, or in pieces of `chunk` bytes."""
        if chunk is None:
            self.protocol.data_received(data)
            return
        for i in range(0, len(data), chunk):
            self.protocol.data_received(data[i : i + chunk])

    def eof(self) -> None:
        self.protocol.eof_received()

    def responses(self, bodyless: Container[int] = ()) -> list[Response]:
        return parse_responses(self.transport.data, bodyless)[0]

    async def wait_responses(self, n: int, bodyless: Container[int] = ()) -> list[Response]:
        await until(lambda: len(self.responses(bodyless)) >= n)
        return self.responses(bodyless)

    async def wait_closed(self, timeout: float = 2.0) -> list[Response]:
        """Wait for the connection to close; return every response it wrote."""
        await asyncio.wait_for(asyncio.shield(self.protocol.closed), timeout)
        assert self.transport.closed
        responses, rest = parse_responses(self.transport.data)
        assert rest == b"", f"partial response left: {rest[:200]!r}"
        return responses


class ErrorLog(logging.Handler):
    """Collects ERROR records of the HTTP layer (an unexpected internal failure)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> ErrorLog:
        logging.getLogger("slurmrestd.http").addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("slurmrestd.http").removeHandler(self)


async def read_response(reader: asyncio.StreamReader) -> Response:
    """Read exactly one response (with a Content-Length body) off a real stream."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = await reader.readexactly(length)
    (response,), rest = parse_responses(head + body)
    assert rest == b""
    return response
