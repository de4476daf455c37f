"""HttpConnection driven directly over a fake transport, without a network.

Valid requests are fed three ways (whole, one byte at a time, followed by a
pipelined request), as h11's tests do; malformed input must end in exactly one
4xx answer and a close, never an exception out of `data_received` or a hang.
"""

from __future__ import annotations

import asyncio
import itertools
import random

import pytest
from http_helpers import (
    Conn,
    EchoHandler,
    ErrorLog,
    FakeTransport,
    assert_error,
    parse_responses,
    run,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from slurmrestd.http.connection import HttpConnection
from slurmrestd.http.limits import HttpLimits
from slurmrestd.http.message import HttpRequest, HttpResponse, PeerInfo
from slurmrestd.http.state import ConnState

SECOND = b"GET /second?n=2 HTTP/1.1\r\nHost: x\r\n\r\n"


def _echo(method="GET", path="/", query="", body="", keep_alive=True, version="1.1"):
    return {
        "method": method,
        "path": path,
        "query": query,
        "body": body,
        "keep_alive": keep_alive,
        "version": version,
    }


VALID = [
    pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", _echo(), id="get"),
    pytest.param(
        b"GET /slurm/v0.0.40/jobs?update_time=5&flags=DETAIL HTTP/1.1\r\nHost: x\r\n\r\n",
        _echo(path="/slurm/v0.0.40/jobs", query="update_time=5&flags=DETAIL"),
        id="get-query",
    ),
    pytest.param(
        b"GET /a%20b/%7Ec?q=%20 HTTP/1.1\r\n\r\n",
        _echo(path="/a b/~c", query="q=%20"),
        id="percent-decoded-path-raw-query",
    ),
    pytest.param(
        b"GET http://example.com/x?y=1 HTTP/1.1\r\nHost: example.com\r\n\r\n",
        _echo(path="/x", query="y=1"),
        id="absolute-form",
    ),
    pytest.param(
        b"POST /job/submit HTTP/1.1\r\nContent-Type: application/json\r\n"
        b'Content-Length: 11\r\n\r\n{"job": {}}',
        _echo(method="POST", path="/job/submit", body='{"job": {}}'),
        id="post-body",
    ),
    pytest.param(
        b"POST /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        _echo(method="POST", path="/x"),
        id="post-empty",
    ),
    pytest.param(
        b"PUT /x HTTP/1.1\r\nContent-Length: 3\r\n\r\n\x00\xff\n",
        _echo(method="PUT", path="/x", body="\x00\xff\n"),
        id="put-binary-body",
    ),
    pytest.param(
        b"DELETE /slurm/v0.0.40/job/7 HTTP/1.1\r\nHost: x\r\n\r\n",
        _echo(method="DELETE", path="/slurm/v0.0.40/job/7"),
        id="delete",
    ),
    pytest.param(
        b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        _echo(version="1.0"),
        id="http10-keep-alive",
    ),
    pytest.param(
        b"GET / HTTP/1.1\r\nhOsT:\t x \r\nX-Empty:\r\nX-Auth-Token: a.b.c\r\n\r\n",
        _echo(),
        id="odd-header-spacing",
    ),
]


@pytest.mark.parametrize("way", ["whole", "bytewise", "pipelined"])
@pytest.mark.parametrize(("raw", "expected"), VALID)
def test_valid_request(raw: bytes, expected: dict, way: str) -> None:
    async def main() -> None:
        conn = Conn()
        if way == "whole":
            conn.feed(raw)
        elif way == "bytewise":
            conn.feed(raw, chunk=1)
        else:
            conn.feed(raw + SECOND)
        responses = await conn.wait_responses(2 if way == "pipelined" else 1)
        assert responses[0].status == 200
        assert responses[0].json() == expected
        assert responses[0].version == expected["version"]
        if way == "pipelined":
            assert responses[1].json() == _echo(path="/second", query="n=2")
            assert len(responses) == 2
        assert not conn.transport.closed

    run(main())


def test_headers_reach_handler_case_insensitive_duplicates_kept() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"GET / HTTP/1.1\r\nhOsT:\t x \r\nX-A: 1\r\nx-a: 2\r\n\r\n")
        await conn.wait_responses(1)
        headers = conn.handler.requests[0].headers
        assert headers.get("HOST") == "x"
        assert headers.get_all("x-A") == ["1", "2"]
        assert conn.handler.peers[0].address == "192.0.2.1:40000"

    run(main())


def test_pipelined_responses_come_in_request_order() -> None:
    async def main() -> None:
        handler = EchoHandler()
        conn = Conn(handler)
        # The first request is slow: later ones must wait behind it.
        conn.feed(
            b"GET /slow HTTP/1.1\r\n\r\n"
            + b"".join(b"GET /%d HTTP/1.1\r\n\r\n" % i for i in range(5))
        )
        await handler.started.wait()
        await asyncio.sleep(0.01)
        assert conn.transport.data == b""
        handler.gate.set()
        responses = await conn.wait_responses(6)
        assert [r.json()["path"] for r in responses] == ["/slow", "/0", "/1", "/2", "/3", "/4"]

    run(main())


# ------------------------------------------------------------------ keep-alive
def test_http11_keeps_alive_by_default() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"GET / HTTP/1.1\r\n\r\n")
        (response,) = await conn.wait_responses(1)
        assert conn.transport.data.startswith(b"HTTP/1.1 200 OK\r\n")
        assert response.header("Connection") is None
        assert response.header("Date")
        await asyncio.sleep(0.01)
        assert not conn.transport.closed
        conn.feed(SECOND)
        await conn.wait_responses(2)

    run(main())


def test_http11_connection_close_closes_after_answer() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        (response,) = await conn.wait_closed()
        assert response.status == 200
        assert response.header("Connection") == "Close"
        assert response.json()["keep_alive"] is False

    run(main())


def test_data_after_connection_close_is_not_answered() -> None:
    async def main() -> None:
        with ErrorLog() as errors:
            conn = Conn()
            conn.feed(b"GET /1 HTTP/1.1\r\nConnection: close\r\n\r\n" + SECOND)
            responses = await conn.wait_closed()
        assert [r.status for r in responses] == [200]
        assert [r.path for r in conn.handler.requests] == ["/1"]
        assert errors.records == []

    run(main())


def test_http10_closes_by_default() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"GET / HTTP/1.0\r\n\r\n")
        (response,) = await conn.wait_closed()
        assert conn.transport.data.startswith(b"HTTP/1.0 200 OK\r\n")
        assert response.header("Connection") == "Close"

    run(main())


def test_http10_keep_alive_is_acknowledged() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        (first,) = await conn.wait_responses(1)
        assert first.version == "1.0"
        assert first.header("Connection") == "Keep-Alive"
        assert not conn.transport.closed
        conn.feed(b"GET /2 HTTP/1.0\r\n\r\n")
        responses = await conn.wait_closed()
        assert [r.json()["path"] for r in responses] == ["/1", "/2"]
        assert responses[1].header("Connection") == "Close"

    run(main())


def test_handler_may_ask_to_close() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"GET /close HTTP/1.1\r\n\r\n" + SECOND)
        responses = await conn.wait_closed()
        assert [r.status for r in responses] == [200]
        assert responses[0].header("Connection") == "Close"

    run(main())


def test_client_half_close_after_request_is_answered_then_closed() -> None:
    async def main() -> None:
        handler = EchoHandler()
        conn = Conn(handler)
        conn.feed(b"GET /slow HTTP/1.1\r\n\r\n" + SECOND)
        conn.eof()
        await handler.started.wait()
        assert not conn.transport.closed
        handler.gate.set()
        responses = await conn.wait_closed()
        assert [r.json()["path"] for r in responses] == ["/slow", "/second"]

    run(main())


def test_eof_when_idle_closes_without_answer() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"GET / HTTP/1.1\r\n\r\n")
        await conn.wait_responses(1)
        conn.eof()
        assert len(await conn.wait_closed()) == 1

    run(main())


# ----------------------------------------------------------------------- limits
SMALL = HttpLimits(max_body_bytes=10, max_header_bytes=1024)


async def _one_error(raw: bytes, status: int, limits: HttpLimits = SMALL, chunk=None):
    conn = Conn(limits=limits)
    conn.feed(raw, chunk)
    responses = await conn.wait_closed()
    assert len(responses) == 1, responses
    assert_error(responses[0], status)
    assert conn.protocol.protocol_error is not None
    assert conn.protocol.protocol_error.status == status
    assert conn.handler.requests == []
    return responses[0]


def test_post_without_content_length_is_411() -> None:
    run(_one_error(b"POST /x HTTP/1.1\r\nHost: x\r\n\r\n", 411))


def test_content_length_over_limit_is_413_before_the_body_arrives() -> None:
    run(_one_error(b"POST /x HTTP/1.1\r\nContent-Length: 11\r\n\r\n", 413))


def test_content_length_at_limit_is_accepted_in_pieces() -> None:
    async def main() -> None:
        conn = Conn(limits=SMALL)
        conn.feed(b"POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", chunk=3)
        (response,) = await conn.wait_responses(1)
        assert response.json()["body"] == "0123456789"

    run(main())


def test_body_bytes_after_413_are_dropped() -> None:
    async def main() -> None:
        conn = Conn(limits=SMALL)
        conn.feed(b"POST /x HTTP/1.1\r\nContent-Length: 4000\r\n\r\n")
        for _ in range(4):
            conn.feed(b"x" * 1000)
        conn.feed(SECOND)
        (response,) = await conn.wait_closed()
        assert_error(response, 413)

    run(main())


@pytest.mark.parametrize(
    "header",
    [
        b"Content-Length: -1\r\n",
        b"Content-Length: abc\r\n",
        b"Content-Length: 1\r\nContent-Length: 2\r\n",
        b"Content-Length: 1, 2\r\n",
        b"Content-Length: 1x\r\n",
    ],
    ids=["negative", "letters", "two-values", "list", "trailing-junk"],
)
def test_bad_content_length_is_400(header: bytes) -> None:
    run(_one_error(b"POST /x HTTP/1.1\r\n" + header + b"\r\nab", 400))


@pytest.mark.parametrize(
    "header",
    [
        b"Transfer-Encoding: chunked\r\n",
        b"Content-Encoding: gzip\r\nContent-Length: 2\r\n",
        b"Upgrade: websocket\r\nConnection: Upgrade\r\n",
    ],
    ids=["transfer-encoding", "content-encoding", "upgrade"],
)
def test_unsupported_encodings_and_upgrade_are_406(header: bytes) -> None:
    run(_one_error(b"POST /x HTTP/1.1\r\n" + header + b"\r\n", 406))


def test_unknown_expectation_is_417() -> None:
    run(_one_error(b"POST /x HTTP/1.1\r\nContent-Length: 2\r\nExpect: something\r\n\r\n", 417))


def test_expect_100_continue_gets_interim_answer_first() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"POST /x HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        await asyncio.sleep(0)
        assert conn.transport.data == b"HTTP/1.1 100 Continue\r\n\r\n"
        conn.feed(b"hi")
        interim, final = await conn.wait_responses(2)
        assert interim.status == 100
        assert final.status == 200
        assert final.json()["body"] == "hi"

    run(main())


def test_expect_100_continue_from_http10_gets_no_interim_answer() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"POST /x HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        await asyncio.sleep(0)
        assert conn.transport.data == b""
        conn.feed(b"hi")
        (response,) = await conn.wait_closed()
        assert (response.version, response.status) == ("1.0", 200)

    run(main())


def test_many_headers_over_limit_is_431() -> None:
    head = b"GET / HTTP/1.1\r\n" + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 40) for i in range(40))
    run(_one_error(head + b"\r\n", 431))
    run(_one_error(head + b"\r\n", 431, chunk=7))


def test_one_endless_header_line_is_431_without_buffering_it_all() -> None:
    async def main() -> None:
        conn = Conn(limits=SMALL)
        conn.feed(b"GET / HTTP/1.1\r\nX-Endless: ")
        fed = 0
        while conn.protocol.lifecycle.reading and fed < 100_000:
            conn.feed(b"a" * 100)
            fed += 100
        # Caught within one chunk of the limit.
        assert fed <= SMALL.max_header_bytes + 100
        (response,) = await conn.wait_closed()
        assert_error(response, 431)

    run(main())


def test_head_just_under_limit_is_accepted_byte_by_byte() -> None:
    # Chunks of an unfinished head are counted once, not once per chunk and
    # again per parsed header.
    async def main() -> None:
        head = b"GET / HTTP/1.1\r\nX-Big: " + b"v" * 900 + b"\r\n\r\n"
        assert len(head) < SMALL.max_header_bytes
        conn = Conn(limits=SMALL)
        conn.feed(head, chunk=1)
        (response,) = await conn.wait_responses(1)
        assert response.status == 200

    run(main())


def test_large_body_then_partial_pipelined_head_is_not_431() -> None:
    # The body of the first request is not part of the second request's head.
    async def main() -> None:
        body = b"b" * 5000
        limits = HttpLimits(max_header_bytes=1024)
        conn = Conn(limits=limits)
        conn.feed(b"PUT /1 HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + body + b"GET /2 HT")
        conn.feed(b"TP/1.1\r\n\r\n")
        responses = await conn.wait_responses(2)
        assert [r.status for r in responses] == [200, 200]
        assert not conn.transport.closed

    run(main())


def test_read_timeout_mid_head_is_408() -> None:
    async def main() -> None:
        conn = Conn(limits=HttpLimits(read_timeout=0.05))
        conn.feed(b"GET / HTTP/1.1\r\nHost")
        (response,) = await conn.wait_closed()
        assert_error(response, 408)

    run(main())


def test_read_timeout_mid_body_is_408() -> None:
    async def main() -> None:
        conn = Conn(limits=HttpLimits(read_timeout=0.05))
        conn.feed(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
        (response,) = await conn.wait_closed()
        assert_error(response, 408)
        assert conn.handler.requests == []

    run(main())


def test_read_timeout_not_applied_between_requests() -> None:
    async def main() -> None:
        conn = Conn(limits=HttpLimits(read_timeout=0.02, idle_timeout=5))
        conn.feed(b"GET / HTTP/1.1\r\n\r\n")
        await conn.wait_responses(1)
        await asyncio.sleep(0.08)
        assert not conn.transport.closed
        assert len(conn.responses()) == 1

    run(main())


def test_idle_timeout_closes_idle_keep_alive_connection() -> None:
    async def main() -> None:
        conn = Conn(limits=HttpLimits(idle_timeout=0.05))
        conn.feed(b"GET / HTTP/1.1\r\n\r\n")
        (response,) = await conn.wait_closed()
        assert response.status == 200  # closed silently: nothing after the answer

    run(main())


def test_idle_timeout_closes_a_connection_that_never_sends() -> None:
    async def main() -> None:
        conn = Conn(limits=HttpLimits(idle_timeout=0.05))
        assert await conn.wait_closed() == []

    run(main())


def test_idle_timeout_does_not_cut_a_slow_handler() -> None:
    async def main() -> None:
        handler = EchoHandler()
        conn = Conn(handler, limits=HttpLimits(idle_timeout=0.03, read_timeout=0.03))
        conn.feed(b"GET /slow HTTP/1.1\r\n\r\n")
        await handler.started.wait()
        await asyncio.sleep(0.1)
        assert not conn.transport.closed
        handler.gate.set()
        (response,) = await conn.wait_closed()  # then idle again, and closed
        assert response.status == 200

    run(main())


def test_paused_writing_holds_the_next_answer_until_resumed() -> None:
    async def main() -> None:
        conn = Conn()
        conn.protocol.pause_writing()  # as a transport does when its buffer fills
        conn.feed(b"GET /1 HTTP/1.1\r\n\r\n" + SECOND)
        await conn.wait_responses(1)
        await asyncio.sleep(0.01)
        assert len(conn.responses()) == 1
        conn.protocol.resume_writing()
        responses = await conn.wait_responses(2)
        assert responses[1].json()["path"] == "/second"

    run(main())


# --------------------------------------------------------------- malformed input
MALFORMED = {
    "bare-lf": b"GET / HTTP/1.1\nHost: x\n\n",
    "bare-lf-after-header": b"GET / HTTP/1.1\r\nHost: x\n\r\n",
    "cr-without-lf": b"GET / HTTP/1.1\rHost: x\r\n\r\n",
    "lowercase-method": b"get / HTTP/1.1\r\nHost: x\r\n\r\n",
    "unknown-method": b"FROB / HTTP/1.1\r\n\r\n",
    "connect": b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n",
    "connect-path": b"CONNECT / HTTP/1.1\r\n\r\n",
    "webdav-method": b"PROPFIND / HTTP/1.1\r\n\r\n",
    "http-9.9": b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    "version-missing": b"GET /\r\n\r\n",
    "version-garbage": b"GET / HTTQ/1.1\r\n\r\n",
    "space-in-url": b"GET /a b HTTP/1.1\r\n\r\n",
    "control-char-in-url": b"GET /a\x01b HTTP/1.1\r\n\r\n",
    "bad-content-length": b"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
    "te-and-cl": b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
    "nul-in-header-value": b"GET / HTTP/1.1\r\nX-A: a\x00b\r\n\r\n",
    "space-in-header-name": b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
    "space-before-colon": b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
    "obsolete-line-folding": b"GET / HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n",
    "random-bytes": bytes([0xEE]) + random.Random(1234).randbytes(511),
    "tls-client-hello": bytes.fromhex(
        "16030100c4010000c00303"
        "5b4c7a7f1d3e2f01c0ffee00112233445566778899aabbccddeeff0011223344"
        "000020c02bc02fc02cc030cca9cca8c013c014009c009d002f0035000a01000077"
        "0000000e000c0000096c6f63616c686f7374"
    ),
    "empty-line-flood": b"\r\n" * 40_000,
    "absurdly-long-url": b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\n\r\n",
    "request-line-then-eof": b"GET / HTTP/1.1\r\n",
    "half-a-body-then-eof": b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab",
}


@pytest.mark.parametrize("chunk", [None, 3], ids=["whole", "chunks-of-3"])
@pytest.mark.parametrize("raw", list(MALFORMED.values()), ids=list(MALFORMED))
def test_malformed_request_gets_one_4xx_and_close(raw: bytes, chunk: int | None) -> None:
    async def main() -> None:
        with ErrorLog() as errors:
            conn = Conn()
            conn.feed(raw, chunk)
            conn.eof()
            responses = await conn.wait_closed()
        assert len(responses) == 1, [r.status for r in responses]
        assert_error(responses[0], range(400, 500))
        assert conn.handler.requests == []
        assert errors.records == []
        assert conn.transport.writes_after_close == 0

    run(main())


def test_request_line_then_eof_is_400() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"GET / HTTP/1.1\r\n")
        conn.eof()
        (response,) = await conn.wait_closed()
        assert_error(response, 400)
        assert b"Incomplete" in response.body

    run(main())


def test_well_formed_but_unsupported_version_is_505() -> None:
    run(_one_error(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505))


def test_request_line_without_version_is_400() -> None:
    run(_one_error(b"GET /\r\n\r\n", 400))


@pytest.mark.parametrize("method", [b"CONNECT", b"PROPFIND", b"PURGE"])
def test_method_upstream_does_not_know_is_405(method: bytes) -> None:
    run(_one_error(method + b" / HTTP/1.1\r\n\r\n", 405))


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"])
def test_methods_upstream_knows_reach_the_handler(method: str) -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(method.encode() + b" /m HTTP/1.1\r\n\r\n")
        (response,) = await conn.wait_responses(1)
        assert response.json()["method"] == method

    run(main())


def test_empty_lines_before_a_request_are_ignored() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"\r\n\r\n" + b"GET / HTTP/1.1\r\n\r\n" + b"\r\n" + SECOND)
        responses = await conn.wait_responses(2)
        assert [r.status for r in responses] == [200, 200]

    run(main())


def test_valid_request_then_garbage_answers_both_in_order() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"GET /1 HTTP/1.1\r\n\r\n" + MALFORMED["tls-client-hello"])
        first, second = await conn.wait_closed()
        assert first.status == 200
        assert first.json()["path"] == "/1"
        assert_error(second, 400)

    run(main())


def test_data_after_an_error_is_ignored() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"get / HTTP/1.1\r\n\r\n")
        conn.feed(SECOND)
        (response,) = await conn.wait_closed()
        assert_error(response, 400)
        assert conn.handler.requests == []

    run(main())


# ----------------------------------------------------------- bodies not sent
def test_head_gets_headers_but_no_body() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"HEAD /h HTTP/1.1\r\n\r\n" + SECOND)
        head, get = await conn.wait_responses(2, bodyless={0})
        assert head.status == 200
        assert int(head.header("Content-Length")) > 0  # what a GET would carry
        assert head.body == b""
        assert get.json()["path"] == "/second"
        assert conn.transport.data.count(b"\r\n\r\n") == 2
        assert conn.transport.data.split(b"\r\n\r\n")[1].startswith(b"HTTP/1.1 200 OK")

    run(main())


@pytest.mark.parametrize("status", [204, 304])
def test_no_body_and_no_content_length_for(status: int) -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"GET /status/%d HTTP/1.1\r\n\r\n" % status + SECOND)
        first, second = await conn.wait_responses(2)
        assert first.status == status
        assert first.header("Content-Length") is None
        assert first.body == b""
        assert b"not for the wire" not in conn.transport.data
        assert second.json()["path"] == "/second"

    run(main())


# -------------------------------------------------------------- handler errors
def test_handler_exception_is_500_and_closes_only_that_connection() -> None:
    async def main() -> None:
        handler = EchoHandler()
        bad, good = Conn(handler), Conn(handler)
        with ErrorLog() as errors:
            bad.feed(b"GET /raise HTTP/1.1\r\n\r\n" + SECOND)
            good.feed(b"GET /ok HTTP/1.1\r\n\r\n")
            responses = await bad.wait_closed()
        assert len(responses) == 1
        assert_error(responses[0], 500)
        assert len(errors.records) == 1  # logged with its traceback
        (ok,) = await good.wait_responses(1)
        assert ok.status == 200
        assert not good.transport.closed
        good.feed(SECOND)
        await good.wait_responses(2)

    run(main())


# ---------------------------------------------------------------- back-pressure
def test_pipelining_over_limit_pauses_reading_until_the_queue_drains() -> None:
    async def main() -> None:
        handler = EchoHandler()
        conn = Conn(handler, limits=HttpLimits(max_pipelined=4))
        conn.feed(
            b"GET /slow HTTP/1.1\r\n\r\n"
            + b"".join(b"GET /%d HTTP/1.1\r\n\r\n" % i for i in range(9))
        )
        assert conn.transport.paused
        assert conn.transport.pause_calls == 1
        await handler.started.wait()
        assert conn.transport.paused  # nothing answered yet
        handler.gate.set()
        responses = await conn.wait_responses(10)
        assert [r.json()["path"] for r in responses] == ["/slow", *(f"/{i}" for i in range(9))]
        assert not conn.transport.paused
        assert conn.transport.resume_calls == 1
        assert not conn.transport.closed

    run(main())


def test_few_pipelined_requests_do_not_pause() -> None:
    async def main() -> None:
        conn = Conn(limits=HttpLimits(max_pipelined=4))
        conn.feed(b"GET /1 HTTP/1.1\r\n\r\n" * 3)
        await conn.wait_responses(3)
        assert conn.transport.pause_calls == 0

    run(main())


# --------------------------------------------------------------------- shutdown
def test_shutdown_closes_an_idle_connection_at_once() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"GET / HTTP/1.1\r\n\r\n")
        await conn.wait_responses(1)
        conn.protocol.shutdown()
        assert conn.transport.closed
        assert len(await conn.wait_closed()) == 1

    run(main())


def test_shutdown_drops_a_partial_request() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"GET / HTTP/1.1\r\nHo")
        conn.protocol.shutdown()
        assert await conn.wait_closed() == []

    run(main())


@pytest.mark.parametrize("expect", [b"", b"Expect: 100-continue\r\n"], ids=["plain", "expect"])
def test_shutdown_mid_body_finishes_that_request_then_closes(expect: bytes) -> None:
    # Its head was read (and perhaps "100 Continue" promised): it is owed an answer.
    async def main() -> None:
        with ErrorLog() as errors:
            conn = Conn()
            conn.feed(b"POST /x HTTP/1.1\r\nContent-Length: 4\r\n" + expect + b"\r\nab")
            conn.protocol.shutdown()
            await asyncio.sleep(0.01)
            assert not conn.transport.closed
            conn.feed(b"cd" + SECOND)  # what follows the last request is dropped
            responses = await conn.wait_closed()
        final = responses[-1]
        assert [r.status for r in responses] == ([100] if expect else []) + [200]
        assert final.json()["body"] == "abcd"
        assert final.header("Connection") == "Close"
        assert [r.path for r in conn.handler.requests] == ["/x"]
        assert conn.protocol.protocol_error is None
        assert errors.records == []

    run(main())


def test_shutdown_mid_body_still_bounded_by_the_read_timeout() -> None:
    async def main() -> None:
        conn = Conn(limits=HttpLimits(read_timeout=0.05))
        conn.feed(b"POST /x HTTP/1.1\r\nContent-Length: 4\r\n\r\nab")
        conn.protocol.shutdown()
        (response,) = await conn.wait_closed()
        assert_error(response, 408)

    run(main())


def test_trailing_request_after_connection_close_sets_no_error() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"GET /1 HTTP/1.1\r\nConnection: close\r\n\r\n" + SECOND)
        await conn.wait_closed()
        assert conn.protocol.protocol_error is None  # inetd mode would exit 1 on it

    run(main())


def test_shutdown_lets_a_busy_connection_finish_what_it_owes() -> None:
    async def main() -> None:
        handler = EchoHandler()
        conn = Conn(handler)
        conn.feed(b"GET /slow HTTP/1.1\r\n\r\n" + SECOND)
        await handler.started.wait()
        conn.protocol.shutdown()
        await asyncio.sleep(0.01)
        assert not conn.transport.closed
        assert conn.protocol.lifecycle.state is ConnState.DRAINING
        conn.feed(b"GET /late HTTP/1.1\r\n\r\n")  # no longer read
        handler.gate.set()
        responses = await conn.wait_closed()
        assert [r.json()["path"] for r in responses] == ["/slow", "/second"]
        assert conn.protocol.lifecycle.state is ConnState.CLOSED

    run(main())


def test_shutdown_after_close_is_harmless() -> None:
    async def main() -> None:
        conn = Conn()
        conn.feed(b"GET / HTTP/1.0\r\n\r\n")
        await conn.wait_closed()
        conn.protocol.shutdown()

    run(main())


# ------------------------------------------------------------------ on_close hook
def test_on_close_is_called_once_when_the_transport_goes() -> None:
    async def main() -> None:
        closed: list[object] = []

        async def handler(request: HttpRequest, peer: PeerInfo) -> HttpResponse:
            return HttpResponse(200, b"ok")

        protocol = HttpConnection(handler, HttpLimits(), on_close=closed.append)
        transport = FakeTransport(protocol)
        protocol.connection_made(transport)
        protocol.data_received(b"GET / HTTP/1.0\r\n\r\n")
        await asyncio.wait_for(asyncio.shield(protocol.closed), 1)
        assert closed == [protocol]
        assert parse_responses(transport.data)[0][0].body == b"ok"

    run(main())


def test_peer_gone_before_the_answer_drops_it_quietly() -> None:
    async def main() -> None:
        handler = EchoHandler()
        conn = Conn(handler)
        with ErrorLog() as errors:
            conn.feed(b"GET /slow HTTP/1.1\r\n\r\n" + SECOND)
            await handler.started.wait()
            conn.protocol.connection_lost(ConnectionResetError())
            handler.gate.set()
            await asyncio.sleep(0.01)
        assert conn.transport.data == b""
        assert conn.transport.writes_after_close == 0
        assert conn.protocol.lifecycle.state is ConnState.CLOSED
        assert errors.records == []

    run(main())


# ----------------------------------------------------------------------- fuzzing
FUZZ_LIMITS = HttpLimits(max_body_bytes=64, max_header_bytes=512, max_pipelined=3)
VALID_PAIR = (
    b"POST /a?b=c HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
    b"GET /d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
)


async def _plain_echo(request: HttpRequest, peer: PeerInfo) -> HttpResponse:
    return HttpResponse(200, request.method.encode() + b" " + request.body)


@st.composite
def _chunkings(draw: st.DrawFn, data: st.SearchStrategy[bytes]) -> list[bytes]:
    raw = draw(data)
    cuts = sorted(draw(st.lists(st.integers(0, len(raw)), max_size=12)))
    bounds = [0, *cuts, len(raw)]
    return [raw[a:b] for a, b in itertools.pairwise(bounds) if b > a]


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    raw = bytearray(VALID_PAIR)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        at = draw(st.integers(0, len(raw)))
        byte = draw(st.sampled_from([0, 9, 10, 13, 32, 58, 0x7F, 0xFF, *b"\x00aZ0-/?%:"]))
        if op == "insert":
            raw[at:at] = bytes([byte])
        elif at < len(raw):
            raw[at : at + 1] = b"" if op == "delete" else bytes([byte])
    return bytes(raw)


def _check_fed(pieces: list[bytes]) -> None:
    async def main() -> None:
        with ErrorLog() as errors:
            conn = Conn(_plain_echo, limits=FUZZ_LIMITS)
            for piece in pieces:
                conn.protocol.data_received(piece)  # must never raise
            conn.eof()
            responses = await conn.wait_closed()  # must never hang
        assert errors.records == []
        failures = [r for r in responses if r.status >= 400]
        if failures:
            # One error answer, the last thing written.
            assert failures == responses[-1:], [r.status for r in responses]
            assert failures[0].status != 500
            assert_error(failures[0], range(400, 600))
        answered = [r for r in responses if 200 <= r.status < 300]
        assert all(r.status in (100, 200) for r in responses[: len(responses) - len(failures)])
        assert len(answered) <= 2

    run(main())


@settings(max_examples=250, deadline=None, database=None)
@given(_chunkings(st.binary(max_size=400)))
def test_fuzz_arbitrary_bytes_in_arbitrary_chunks(pieces: list[bytes]) -> None:
    _check_fed(pieces)


@settings(max_examples=250, deadline=None, database=None)
@given(_chunkings(_mutated()))
def test_fuzz_mutated_valid_requests_in_arbitrary_chunks(pieces: list[bytes]) -> None:
    _check_fed(pieces)


@settings(max_examples=50, deadline=None, database=None)
@given(st.lists(st.integers(0, len(VALID_PAIR)), max_size=12))
def test_fuzz_valid_pair_in_any_chunking_gets_two_answers(cuts: list[int]) -> None:
    bounds = [0, *sorted(cuts), len(VALID_PAIR)]
    pieces = [VALID_PAIR[a:b] for a, b in itertools.pairwise(bounds)]

    async def main() -> None:
        conn = Conn(_plain_echo, limits=FUZZ_LIMITS)
        for piece in pieces:
            conn.feed(piece)
        first, second = await conn.wait_responses(2)
        assert (first.body, second.body) == (b"POST hello", b"GET ")
        assert second.header("Connection") == "Keep-Alive"

    run(main())


def test_large_body_goes_out_after_its_head_intact() -> None:
    # Bodies of 64 KiB and more are written apart from the head (no copy to join them).
    body = bytes(range(256)) * 1024

    async def handler(request: HttpRequest, peer: PeerInfo) -> HttpResponse:
        return HttpResponse(200, body, content_type="application/octet-stream")

    async def main() -> None:
        conn = Conn(handler)
        conn.feed(b"GET /big HTTP/1.1\r\n\r\n" + SECOND)
        responses = await conn.wait_responses(2)
        assert [r.status for r in responses] == [200, 200]
        assert responses[0].header("Content-Length") == str(len(body))
        assert responses[0].body == body and responses[1].body == body

    run(main())
