"""The load generator: wrk, driven by a generated Lua script.

The script sets the method and headers and prints one machine-readable line
from wrk's done() hook, so nothing depends on wrk's human-oriented text.
Runs are bounded by time; bounded-count POSTs use bench/submitter.py.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

RESULT_MARKER = "BENCH-RESULT "


@dataclass(frozen=True)
class Load:
    """One wrk run: where, what, how hard and for how long."""

    url: str  # scheme://host:port, loopback only
    path: str
    connections: int
    duration_s: float
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 30.0

    @property
    def threads(self) -> int:
        # As the C daemon's baseline: one wrk thread for one connection, else two.
        return 1 if self.connections < 2 else 2


@dataclass(frozen=True)
class LoadResult:
    requests: int
    duration_s: float
    received_bytes: int
    p50_ms: float | None  # None when nothing completed
    p99_ms: float | None
    status_errors: int  # responses with a status above 399
    socket_errors: int  # connect + read + write errors and timeouts

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0


def lua_string(data: bytes | str) -> str:
    """A Lua string literal holding exactly `data` (bytes escaped as \\ddd)."""
    raw = data.encode() if isinstance(data, str) else data
    out = []
    for byte in raw:
        char = chr(byte)
        if 32 <= byte < 127 and char not in '"\\':
            out.append(char)
        else:
            # Three digits always: a following digit can never extend the escape.
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def lua_script(load: Load) -> str:
    lines = [f"wrk.method = {lua_string(load.method)}"]
    for name, value in load.headers.items():
        lines.append(f"wrk.headers[{lua_string(name)}] = {lua_string(value)}")
    fields = ("requests", "duration", "bytes")
    errors = ("connect", "read", "write", "status", "timeout")
    pairs = [f'"{name}":%d' for name in (*fields, *errors, "p50_us", "p99_us")]
    values = [f"summary.{name}" for name in fields]
    values += [f"summary.errors.{name}" for name in errors]
    values += ["latency:percentile(50)", "latency:percentile(99)"]
    lines += [
        "function done(summary, latency, requests)",
        f"  io.write(string.format('{RESULT_MARKER}{{{','.join(pairs)}}}\\n',",
        f"    {', '.join(values)}))",
        "end",
    ]
    return "\n".join(lines) + "\n"


def wrk_argv(load: Load, script: Path) -> list[str]:
    return [
        "wrk",
        f"-t{load.threads}",
        f"-c{load.connections}",
        f"-d{max(1, round(load.duration_s))}s",
        f"--timeout={max(1, round(load.timeout_s))}s",
        "-s",
        str(script),
        load.url + load.path,
    ]


def parse_result(stdout: str) -> LoadResult:
    """The done() line of our script. Raises ValueError when it is missing."""
    for line in stdout.splitlines():
        if line.startswith(RESULT_MARKER):
            data = json.loads(line[len(RESULT_MARKER) :])
            break
    else:
        raise ValueError(f"wrk printed no result line:\n{stdout[-2000:]}")
    done = data["requests"] > 0
    return LoadResult(
        requests=data["requests"],
        duration_s=data["duration"] / 1e6,
        received_bytes=data["bytes"],
        p50_ms=data["p50_us"] / 1000 if done else None,
        p99_ms=data["p99_us"] / 1000 if done else None,
        status_errors=data["status"],
        socket_errors=sum(data[k] for k in ("connect", "read", "write", "timeout")),
    )


def run(load: Load) -> LoadResult:
    """Run wrk once. Raises RuntimeError when wrk fails or prints no result."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-") as script:
        script.write(lua_script(load))
        script.flush()
        # wrk stops itself after duration_s; the bound covers a wedged connection.
        proc = subprocess.run(
            wrk_argv(load, Path(script.name)),
            capture_output=True,
            text=True,
            timeout=load.duration_s + load.timeout_s + 30,
            check=False,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"wrk exited {proc.returncode}: {proc.stderr.strip()}")
    try:
        return parse_result(proc.stdout)
    except ValueError as exc:
        raise RuntimeError(str(exc)) from None
