"""The lifecycle of one HTTP connection as a transition table.

Rules:
- Everything that moves a connection between states is listed in TRANSITIONS;
  code elsewhere asks `advance()` and never assigns a state itself.
- The parser side (IDLE -> HEAD -> BODY -> IDLE) and the closing side
  (-> DRAINING -> CLOSED) are one table: a connection stops reading for good
  when it enters DRAINING (protocol error, `Connection: close`, shutdown) and
  finishes the responses it still owes before closing.
- Shutdown while a request body is being read goes through LAST_BODY: that
  request's head was accepted (perhaps with "100 Continue"), so it is read to
  its end and answered, as the last one (uvicorn drops keep-alive likewise).
- An illegal event raises ConnStateError naming state and event, and leaves
  the state unchanged.
"""

from __future__ import annotations

import enum


class ConnState(enum.Enum):
    IDLE = "idle"  # between requests (or before the first)
    HEAD = "head"  # reading a request line and headers
    BODY = "body"  # reading a request body
    LAST_BODY = "last_body"  # reading the body of the request after which we close
    DRAINING = "draining"  # reading stopped; answering what is queued, then close
    CLOSED = "closed"


class ConnEvent(enum.Enum):
    MESSAGE_BEGIN = "message_begin"
    HEADERS_COMPLETE = "headers_complete"
    MESSAGE_COMPLETE = "message_complete"
    LAST_REQUEST = "last_request"  # complete request after which we close
    PROTOCOL_ERROR = "protocol_error"
    SHUTDOWN = "shutdown"
    EOF = "eof"  # the peer will send no more
    CLOSE = "close"  # transport closed (by us or by the peer)


class ConnStateError(Exception):
    def __init__(self, state: ConnState, event: ConnEvent) -> None:
        super().__init__(f"event {event.value} is not allowed in state {state.value}")
        self.state = state
        self.event = event


_S, _E = ConnState, ConnEvent
_READING = (_S.IDLE, _S.HEAD, _S.BODY, _S.LAST_BODY)
_ANY_OPEN = (*_READING, _S.DRAINING)

TRANSITIONS: dict[tuple[ConnState, ConnEvent], ConnState] = {
    (_S.IDLE, _E.MESSAGE_BEGIN): _S.HEAD,
    (_S.HEAD, _E.HEADERS_COMPLETE): _S.BODY,
    (_S.BODY, _E.MESSAGE_COMPLETE): _S.IDLE,
    (_S.BODY, _E.LAST_REQUEST): _S.DRAINING,
    (_S.LAST_BODY, _E.MESSAGE_COMPLETE): _S.DRAINING,
    (_S.LAST_BODY, _E.LAST_REQUEST): _S.DRAINING,
    **{(s, _E.PROTOCOL_ERROR): _S.DRAINING for s in _READING},
    **{(s, _E.SHUTDOWN): _S.DRAINING for s in (_S.IDLE, _S.HEAD, _S.DRAINING)},
    (_S.BODY, _E.SHUTDOWN): _S.LAST_BODY,
    (_S.LAST_BODY, _E.SHUTDOWN): _S.LAST_BODY,
    **{(s, _E.EOF): _S.DRAINING for s in _ANY_OPEN},
    **{(s, _E.CLOSE): _S.CLOSED for s in (*_ANY_OPEN, _S.CLOSED)},
}


class ConnectionLifecycle:
    """Current state of one connection; changes only through TRANSITIONS."""

    __slots__ = ("state",)

    def __init__(self) -> None:
        self.state = ConnState.IDLE

    def advance(self, event: ConnEvent) -> ConnState:
        """Apply `event`. Raises ConnStateError if it is illegal here."""
        try:
            self.state = TRANSITIONS[(self.state, event)]
        except KeyError:
            raise ConnStateError(self.state, event) from None
        return self.state

    @property
    def reading(self) -> bool:
        return self.state in _READING
