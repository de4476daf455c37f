"""Named limits and timeouts of the HTTP layer, with where each value comes from."""

from __future__ import annotations

from dataclasses import dataclass

# Upstream slurmrestd caps request bodies at 50 MB (MAX_BODY_BYTES in 22.05 and
# later) and answers 413 beyond it.
MAX_BODY_BYTES = 50 * 1024 * 1024

# Upstream has no header limit of its own; nginx defaults to 8 KiB per line and
# 32 KiB in total, h11 to 16 KiB. Tokens in headers are ~0.5-2 KiB, so 64 KiB
# leaves ample room while stopping header floods.
MAX_HEADER_BYTES = 64 * 1024

# Upstream has no client timeouts at all (a silent client holds a connection
# forever). A request head and body must arrive within this many seconds...
READ_TIMEOUT_S = 60.0
# ...and an idle keep-alive connection is closed after this many.
IDLE_TIMEOUT_S = 300.0

# Upstream's default for --max-connections (conmgr MAX_OPEN_CONNECTIONS).
DEFAULT_MAX_CONNECTIONS = 124

# How many pipelined requests we buffer before we stop reading the socket.
MAX_PIPELINED = 32


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """The limits one server applies to every connection."""

    max_body_bytes: int = MAX_BODY_BYTES
    max_header_bytes: int = MAX_HEADER_BYTES
    read_timeout: float = READ_TIMEOUT_S
    idle_timeout: float = IDLE_TIMEOUT_S
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_pipelined: int = MAX_PIPELINED
