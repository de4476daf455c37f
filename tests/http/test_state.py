"""The connection lifecycle table: legal paths, and what an illegal event does."""

from __future__ import annotations

import itertools

import pytest

from slurmrestd.http.state import (
    TRANSITIONS,
    ConnectionLifecycle,
    ConnEvent,
    ConnState,
    ConnStateError,
)

S, E = ConnState, ConnEvent

LEGAL_PATHS = [
    pytest.param(
        [E.MESSAGE_BEGIN, E.HEADERS_COMPLETE, E.MESSAGE_COMPLETE] * 2,
        [S.HEAD, S.BODY, S.IDLE] * 2,
        id="keep-alive-requests",
    ),
    pytest.param(
        [E.MESSAGE_BEGIN, E.HEADERS_COMPLETE, E.LAST_REQUEST, E.CLOSE],
        [S.HEAD, S.BODY, S.DRAINING, S.CLOSED],
        id="connection-close",
    ),
    pytest.param([E.PROTOCOL_ERROR, E.CLOSE], [S.DRAINING, S.CLOSED], id="error-when-idle"),
    pytest.param([E.MESSAGE_BEGIN, E.PROTOCOL_ERROR], [S.HEAD, S.DRAINING], id="error-in-head"),
    pytest.param(
        [E.MESSAGE_BEGIN, E.HEADERS_COMPLETE, E.PROTOCOL_ERROR],
        [S.HEAD, S.BODY, S.DRAINING],
        id="error-in-body",
    ),
    pytest.param([E.EOF, E.SHUTDOWN, E.EOF, E.CLOSE], [S.DRAINING] * 3 + [S.CLOSED], id="eof"),
    pytest.param(
        [E.MESSAGE_BEGIN, E.SHUTDOWN, E.CLOSE, E.CLOSE],
        [S.HEAD, S.DRAINING, S.CLOSED, S.CLOSED],
        id="shutdown-mid-head",
    ),
    pytest.param([E.CLOSE], [S.CLOSED], id="peer-vanishes"),
    pytest.param(
        [E.MESSAGE_BEGIN, E.HEADERS_COMPLETE, E.SHUTDOWN, E.SHUTDOWN, E.MESSAGE_COMPLETE],
        [S.HEAD, S.BODY, S.LAST_BODY, S.LAST_BODY, S.DRAINING],
        id="shutdown-mid-body-finishes-it",
    ),
    pytest.param(
        [E.MESSAGE_BEGIN, E.HEADERS_COMPLETE, E.SHUTDOWN, E.EOF, E.CLOSE],
        [S.HEAD, S.BODY, S.LAST_BODY, S.DRAINING, S.CLOSED],
        id="shutdown-mid-body-then-eof",
    ),
    pytest.param(
        [E.MESSAGE_BEGIN, E.HEADERS_COMPLETE, E.SHUTDOWN, E.PROTOCOL_ERROR],
        [S.HEAD, S.BODY, S.LAST_BODY, S.DRAINING],
        id="shutdown-mid-body-then-error",
    ),
]


@pytest.mark.parametrize(("events", "states"), LEGAL_PATHS)
def test_legal_paths(events: list[ConnEvent], states: list[ConnState]) -> None:
    lifecycle = ConnectionLifecycle()
    assert lifecycle.state is S.IDLE
    assert [lifecycle.advance(event) for event in events] == states
    assert lifecycle.state is states[-1]


ILLEGAL = [
    (state, event)
    for state, event in itertools.product(ConnState, ConnEvent)
    if (state, event) not in TRANSITIONS
]


def test_table_has_illegal_pairs_we_care_about() -> None:
    # Reading stops for good: no request may begin once draining or closed,
    # and a second error cannot be raised on a connection already draining.
    for pair in [
        (S.DRAINING, E.MESSAGE_BEGIN),
        (S.CLOSED, E.MESSAGE_BEGIN),
        (S.DRAINING, E.PROTOCOL_ERROR),
        (S.IDLE, E.HEADERS_COMPLETE),
        (S.HEAD, E.MESSAGE_COMPLETE),
        (S.CLOSED, E.SHUTDOWN),
        (S.CLOSED, E.EOF),
        (S.LAST_BODY, E.MESSAGE_BEGIN),
        (S.LAST_BODY, E.HEADERS_COMPLETE),
    ]:
        assert pair in ILLEGAL


@pytest.mark.parametrize(
    ("state", "event"), ILLEGAL, ids=[f"{s.value}-{e.value}" for s, e in ILLEGAL]
)
def test_illegal_event_raises_and_leaves_state(state: ConnState, event: ConnEvent) -> None:
    lifecycle = ConnectionLifecycle()
    lifecycle.state = state
    with pytest.raises(ConnStateError) as info:
        lifecycle.advance(event)
    assert lifecycle.state is state
    assert info.value.state is state
    assert info.value.event is event
    assert state.value in str(info.value)
    assert event.value in str(info.value)


def test_every_state_is_reachable_from_idle() -> None:
    seen = {S.IDLE}
    frontier = [S.IDLE]
    while frontier:
        state = frontier.pop()
        for (source, _), target in TRANSITIONS.items():
            if source is state and target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(ConnState)


def test_closed_is_terminal() -> None:
    assert {target for (source, _), target in TRANSITIONS.items() if source is S.CLOSED} == {
        S.CLOSED
    }


@pytest.mark.parametrize(
    ("state", "reading"),
    [
        (S.IDLE, True),
        (S.HEAD, True),
        (S.BODY, True),
        (S.LAST_BODY, True),
        (S.DRAINING, False),
        (S.CLOSED, False),
    ],
)
def test_reading_only_before_draining(state: ConnState, reading: bool) -> None:
    lifecycle = ConnectionLifecycle()
    lifecycle.state = state
    assert lifecycle.reading is reading
