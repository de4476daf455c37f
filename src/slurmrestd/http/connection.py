"""One HTTP/1.1 connection: parsing with httptools, pipelining, limits, timers.

`HttpConnection` holds what lives as long as the socket does; `RequestCycle`
holds what lives for one request while it is read. Parser callbacks only
record; decisions happen at message boundaries. Complete requests (or the
error that ended reading) go into a queue that one task answers in order, so
pipelined requests are answered in the order they came.

This module knows nothing of Slurm: a finished request goes to an injected
`async handler(request, peer) -> HttpResponse`.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import socket
import struct
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

import httptools

from slurmrestd.http.errors import HttpProtocolError
from slurmrestd.http.limits import HttpLimits
from slurmrestd.http.message import (
    Headers,
    HttpRequest,
    HttpResponse,
    PeerCredentials,
    PeerInfo,
    TransportKind,
)
from slurmrestd.http.state import ConnectionLifecycle, ConnEvent, ConnState
from slurmrestd.http.wire import date_header, render_head

log = logging.getLogger("slurmrestd.http")

Handler = Callable[[HttpRequest, PeerInfo], Awaitable[HttpResponse]]

_PEERCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid

# A request has begun but is not yet complete.
_MID_REQUEST = (ConnState.HEAD, ConnState.BODY, ConnState.LAST_BODY)
# Bodies from this size on go out in a write of their own rather than joined to the head.
_SPLIT_WRITE_BYTES = 1 << 16


def peer_from_socket(sock: socket.socket | Any) -> PeerInfo:
    """Describe the peer of an accepted socket (SO_PEERCRED for UNIX sockets)."""
    if sock is None:
        return PeerInfo(kind=TransportKind.TCP)
    if sock.family == socket.AF_UNIX:
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size)
        pid, uid, gid = _PEERCRED.unpack(raw)
        return PeerInfo(
            kind=TransportKind.UNIX,
            address=f"unix:pid={pid},uid={uid}",
            credentials=PeerCredentials(pid=pid, uid=uid, gid=gid),
        )
    try:
        host, port = sock.getpeername()[:2]
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    except OSError:
        address = "?"
    return PeerInfo(kind=TransportKind.TCP, address=address)


class RequestCycle:
    """What is recorded while one request is read off the wire."""

    __slots__ = ("body", "body_bytes", "expect_continue", "head_bytes", "headers", "url")

    def __init__(self) -> None:
        self.url = bytearray()
        self.headers: list[tuple[str, str]] = []
        self.head_bytes = 0
        self.body: list[bytes] = []
        self.body_bytes = 0
        self.expect_continue = False


class HttpConnection(asyncio.Protocol):
    """asyncio protocol serving HTTP/1.1 on one transport."""

    def __init__(
        self,
        handler: Handler,
        limits: HttpLimits,
        *,
        peer: PeerInfo | None = None,
        on_close: Callable[[HttpConnection], None] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        # global
        self._handler = handler
        self._limits = limits
        self._on_close = on_close
        self._loop = loop or asyncio.get_running_loop()
        # per-connection
        self.transport: asyncio.BaseTransport | None = None
        self.peer = peer
        self.lifecycle = ConnectionLifecycle()
        self.protocol_error: HttpProtocolError | None = None  # the error that ended reading
        self._parser = httptools.HttpRequestParser(self)
        self._queue: collections.deque[HttpRequest | HttpProtocolError] = collections.deque()
        self._worker: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._reading_paused = False
        self._write_paused = False
        self._drained: asyncio.Future[None] | None = None
        self._boundary_seen = False  # a request began, or its head or body ended, in this chunk
        self._stalled_bytes = 0  # bytes since the last such boundary while IDLE or in HEAD
        self.closed = self._loop.create_future()
        # per-request
        self._cycle: RequestCycle | None = None

    # ---------------------------------------------------------- transport side
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if self.peer is None:
            self.peer = peer_from_socket(sock)
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # Responses are written in one piece; don't let Nagle delay them.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._arm_timer(self._limits.idle_timeout, self._on_idle_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.lifecycle.state is not ConnState.CLOSED:
            self.lifecycle.advance(ConnEvent.CLOSE)
        self._cancel_timer()
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        if not self.closed.done():
            self.closed.set_result(None)
        if self._on_close is not None:
            self._on_close(self)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    def eof_received(self) -> bool:
        if self.lifecycle.state in _MID_REQUEST:
            self._fail(HttpProtocolError(400, "Incomplete HTTP request"))
        elif self.lifecycle.reading:
            self.lifecycle.advance(ConnEvent.EOF)
        self._maybe_close()
        return True  # keep the write side open until queued answers are sent

    def data_received(self, data: bytes) -> None:
        if not self.lifecycle.reading:
            return  # reading has ended; what follows an error or close is dropped
        self._boundary_seen = False
        try:
            self._parser.feed_data(data)
        except HttpProtocolError as exc:
            self._fail(exc)
            return
        except httptools.HttpParserUpgrade:
            self._fail(HttpProtocolError(406, "HTTP protocol upgrading is not supported."))
            return
        except httptools.HttpParserCallbackError as exc:
            # Our callbacks raise HttpProtocolError; httptools wraps it.
            cause = exc.__context__
            if isinstance(cause, HttpProtocolError):
                self._fail(cause)
            elif self.lifecycle.reading:
                log.error("HTTP parser callback failed: %r", cause)
                self._fail(HttpProtocolError(400, "Malformed HTTP request"))
            return
        except httptools.HttpParserInvalidMethodError:
            self._fail(HttpProtocolError(400, "Invalid HTTP method"))
            return
        except httptools.HttpParserError as exc:
            self._fail(HttpProtocolError(400, f"Malformed HTTP request: {_parser_reason(exc)}"))
            return
        state = self.lifecycle.state
        if not self._boundary_seen and state in (ConnState.IDLE, ConnState.HEAD):
            # A whole chunk that neither began a request nor ended its head: empty
            # lines before a request, or part of one endless header line, which
            # httptools buffers itself. Count it, so neither grows without bound.
            # (Chunks holding a boundary are not counted: part of them may belong
            # to the previous request's body.)
            self._stalled_bytes += len(data)
            if self._stalled_bytes > self._limits.max_header_bytes:
                if state is ConnState.HEAD:
                    self._fail(HttpProtocolError(431, "HTTP request headers too large"))
                else:
                    self._fail(HttpProtocolError(400, "Too many empty lines before HTTP request"))

    # ------------------------------------------------------- parser callbacks
    def on_message_begin(self) -> None:
        self.lifecycle.advance(ConnEvent.MESSAGE_BEGIN)
        self._at_boundary()
        self._cycle = RequestCycle()
        self._arm_timer(self._limits.read_timeout, self._on_read_timeout)

    def on_url(self, url: bytes) -> None:
        assert self._cycle is not None
        self._cycle.url += url
        self._count_head(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        assert self._cycle is not None
        self._count_head(len(name) + len(value) + 4)
        try:
            # llhttp drops the OWS before a value but keeps the OWS after it.
            header = (name.decode("ascii"), value.decode("latin-1").rstrip(" \t"))
        except UnicodeDecodeError:
            raise HttpProtocolError(400, "Invalid character in HTTP header name") from None
        if "\x00" in header[1]:
            raise HttpProtocolError(400, "Invalid character in HTTP header value")
        self._cycle.headers.append(header)

    def on_headers_complete(self) -> None:
        cycle = self._cycle
        assert cycle is not None
        self.lifecycle.advance(ConnEvent.HEADERS_COMPLETE)
        self._at_boundary()
        headers = Headers(cycle.headers)
        method = self._parser.get_method().decode("ascii", "replace")
        _check_head(method, self._parser.get_http_version(), headers, self._limits)
        expect = headers.get("expect")
        if expect is not None:
            if expect.strip().lower() != "100-continue":
                raise HttpProtocolError(417, "Unsupported HTTP Expect header")
            cycle.expect_continue = True
            idle = not self._queue and (self._worker is None or self._worker.done())
            # RFC 9110 10.1.1: an HTTP/1.0 client cannot take an interim answer.
            if idle and self._parser.get_http_version() == "1.1":
                self._write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        cycle = self._cycle
        assert cycle is not None
        cycle.body_bytes += len(body)
        if cycle.body_bytes > self._limits.max_body_bytes:
            raise HttpProtocolError(413, "HTTP Content-Length header too large to process")
        cycle.body.append(body)

    def on_message_complete(self) -> None:
        cycle = self._cycle
        assert cycle is not None
        self._cycle = None
        self._at_boundary()
        request = self._build_request(cycle)
        self.lifecycle.advance(
            ConnEvent.MESSAGE_COMPLETE if request.keep_alive else ConnEvent.LAST_REQUEST
        )
        self._enqueue(request)
        if self.lifecycle.state is ConnState.IDLE:
            self._cancel_timer()

    # ------------------------------------------------------------- internals
    def _at_boundary(self) -> None:
        self._boundary_seen = True
        self._stalled_bytes = 0

    def _count_head(self, n: int) -> None:
        assert self._cycle is not None
        self._cycle.head_bytes += n
        if self._cycle.head_bytes > self._limits.max_header_bytes:
            raise HttpProtocolError(431, "HTTP request headers too large")

    def _build_request(self, cycle: RequestCycle) -> HttpRequest:
        try:
            url = httptools.parse_url(bytes(cycle.url))
        except httptools.HttpParserInvalidURLError:
            raise HttpProtocolError(400, "Unable to parse URL path.") from None
        path = unquote((url.path or b"/").decode("latin-1"))
        query = (url.query or b"").decode("latin-1")
        return HttpRequest(
            method=self._parser.get_method().decode("ascii", "replace"),
            path=path,
            query=query,
            http_version=self._parser.get_http_version(),
            headers=Headers(cycle.headers),
            body=b"".join(cycle.body),
            keep_alive=bool(self._parser.should_keep_alive())
            and self.lifecycle.state is not ConnState.LAST_BODY,
        )

    def _fail(self, error: HttpProtocolError) -> None:
        """Stop reading; answer `error` after what is already queued, then close."""
        if not self.lifecycle.reading:
            return  # in what follows the last request (same chunk): dropped with it
        self.lifecycle.advance(ConnEvent.PROTOCOL_ERROR)
        self.protocol_error = error
        self._cycle = None
        self._enqueue(error)

    def _enqueue(self, item: HttpRequest | HttpProtocolError) -> None:
        self._queue.append(item)
        if len(self._queue) >= self._limits.max_pipelined and not self._reading_paused:
            self._set_reading(False)
        if self._worker is None or self._worker.done():
            self._worker = self._loop.create_task(self._answer_queue())

    def _set_reading(self, on: bool) -> None:
        self._reading_paused = not on
        pause = getattr(self.transport, "resume_reading" if on else "pause_reading", None)
        if pause is not None and not self.transport.is_closing():  # type: ignore[union-attr]
            pause()

    async def _answer_queue(self) -> None:
        while self._queue:
            item = self._queue.popleft()
            if self._reading_paused and len(self._queue) < self._limits.max_pipelined // 2:
                self._set_reading(True)
            if isinstance(item, HttpProtocolError):
                self._send(None, HttpResponse(item.status, item.text.encode(), close=True))
                self._close()
                return
            try:
                response = await self._handler(item, self.peer)  # type: ignore[arg-type]
            except Exception:
                log.exception("unhandled error answering %s %s", item.method, item.path)
                response = HttpResponse(500, b"Internal server error", close=True)
            if self.lifecycle.state is ConnState.CLOSED:
                return
            self._send(item, response)
            if self._write_paused:
                self._drained = self._loop.create_future()
                await self._drained
            if response.close or not item.keep_alive:
                self._close()
                return
        # This task is ending: it must not count as an answer still owed, or a
        # connection that stopped reading (EOF, shutdown) would never close.
        self._worker = None
        self._maybe_close()
        if self.lifecycle.state is ConnState.IDLE:
            self._arm_timer(self._limits.idle_timeout, self._on_idle_timeout)

    def _send(self, request: HttpRequest | None, response: HttpResponse) -> None:
        close = response.close or request is None or not request.keep_alive
        version = request.http_version if request is not None else "1.1"
        body = response.body
        if response.status in (204, 304) or (request is not None and request.method == "HEAD"):
            body = b""
        head = render_head(
            version=version,
            status=response.status,
            content_type=response.content_type if response.body else None,
            content_length=len(response.body),
            headers=response.headers,
            close=close,
            keep_alive_10=version == "1.0" and not close,
            date=date_header(),
        )
        if len(body) < _SPLIT_WRITE_BYTES:
            self._write(head + body)
        else:  # a large body is not copied to prepend the head
            self._write(head)
            self._write(memoryview(body))

    def _write(self, data: bytes | memoryview) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)  # type: ignore[attr-defined]

    def _maybe_close(self) -> None:
        """Close once reading has ended and nothing more is owed."""
        busy = self._queue or (self._worker is not None and not self._worker.done())
        if self.lifecycle.state is ConnState.DRAINING and not busy:
            self._close()

    def _close(self) -> None:
        self._cancel_timer()
        if self.lifecycle.reading:
            self.lifecycle.advance(ConnEvent.SHUTDOWN)
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def shutdown(self) -> None:
        """Graceful stop: close now if idle, else after the answers owed.

        A request whose body is being read is still read and answered.
        """
        if self.lifecycle.state is ConnState.CLOSED:
            return
        if self.lifecycle.reading:
            self.lifecycle.advance(ConnEvent.SHUTDOWN)
        self._maybe_close()

    # ----------------------------------------------------------------- timers
    def _arm_timer(self, delay: float, callback: Callable[[], None]) -> None:
        self._cancel_timer()
        if delay > 0:
            self._timer = self._loop.call_later(delay, callback)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_idle_timeout(self) -> None:
        self._timer = None
        busy = self._queue or (self._worker is not None and not self._worker.done())
        if self.lifecycle.state is ConnState.IDLE and not busy:
            self._close()

    def _on_read_timeout(self) -> None:
        self._timer = None
        if self.lifecycle.state in _MID_REQUEST:
            self._fail(HttpProtocolError(408, "Timed out reading the HTTP request"))


# The methods upstream slurmrestd knows; it answers any other with 405.
_KNOWN_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})


def _check_head(method: str, version: str, headers: Headers, limits: HttpLimits) -> None:
    """Reject what upstream rejects once a request head is complete."""
    if version not in ("1.0", "1.1"):
        # llhttp reads a request line without a version as HTTP/0.9 and takes any
        # digit pair as a version; only 1.0 and 1.1 are spoken here.
        if version == "0.9":
            raise HttpProtocolError(400, "Missing HTTP version in request line")
        raise HttpProtocolError(505, f"HTTP version {version} is not supported")
    if method not in _KNOWN_METHODS:
        # Also keeps CONNECT away from the handler: llhttp would report it as an
        # upgrade only after the request was complete, and it would be answered twice.
        raise HttpProtocolError(405, f"Unsupported HTTP method {method}")
    if "transfer-encoding" in headers:
        raise HttpProtocolError(406, "Invalid HTTP Transfer-Encoding header")
    if "content-encoding" in headers:
        raise HttpProtocolError(406, "HTTP Content-Encoding is not supported")
    if "upgrade" in headers:
        raise HttpProtocolError(406, "HTTP protocol upgrading is not supported.")
    lengths = headers.get_all("content-length")
    length = 0
    if lengths:
        if len(set(lengths)) != 1 or not lengths[0].strip().isdigit():
            raise HttpProtocolError(
                400, "Unexpected character or unparsable number in HTTP Content-Length header"
            )
        length = int(lengths[0])
    if length > limits.max_body_bytes:
        raise HttpProtocolError(413, "HTTP Content-Length header too large to process")
    if method == "POST" and not lengths:
        raise HttpProtocolError(411, "HTTP Content-Length header required for POST method requests")


def _parser_reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.removeprefix("Parse Error: ")[:200]
