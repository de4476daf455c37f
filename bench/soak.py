"""The memory soak (issue 6): a daemon's RSS before and after many mixed requests.

After a warm-up of 5 000 requests the daemon's VmRSS is read, then 100 000
(quick: 20 000) more requests of the same mix are sent at 8 connections and
VmRSS is read again; both reads wait until the daemon is idle, then AT_REST_S
more: what a daemon does with its memory at rest (ours gives freed pages back
after 1 s of quiet) is part of what is measured, the same for both. The mix:
the plan's GET endpoints the daemon(s) serve, whole-cluster listings rarer (one
costs ~1 s with 10 000 jobs), 1 in 200 a held-job POST /job/submit (at most
plan.MAX_SUBMITS_PER_CELL per soak), and a few requests that must fail
(an unknown job id, an unparsable body).

Load generator: wrk, not a Python client, because it costs less CPU, which the
2-core host shares with the daemon: on this VM ~28 us per request with this
script against a local server, vs ~44 us for a bare asyncio client that does
not even classify answers (our daemon spends 250-500 us on a light request).
wrk is bounded by time, so the count is kept by its Lua script: one thread
per connection, so each thread has at most one request in flight and every
response belongs to the request that thread sent last; this is what lets the
script tell an expected error from an unexpected one. Each thread owns every
`threads`-th slot of a precomputed sequence (one letter per request) and stops
itself after its last answer; it then prints a line, and when every thread
has, we SIGINT wrk (its main thread otherwise sleeps for the whole -d).
"""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import loadgen, plan, procstat
from bench.cells import say
from bench.measure import Target, probe, settle

GROWTH_TARGET_PCT = 10.0  # issue 6: RSS must grow by less than this over the soak
WARMUP_REQUESTS = 5_000
SOAK_REQUESTS = {"quick": 20_000, "full": 100_000}
SOAK_CAP_S = {"quick": 900.0, "full": 3600.0}  # longest one wrk run may last
MAX_SOAK_REQUESTS = 100_000
MAX_SOAK_S = 3600.0
CONNECTIONS = 8
AT_REST_S = 2.0  # after the daemon is idle, before its RSS is read

SUBMIT_EVERY = 200  # one held-job submission per this many requests (capped, see above)
ERROR_EVERY = 500  # each kind of request that must fail
HEAVY_EVERY = 1000  # each whole-cluster listing
HEAVY = frozenset({"jobs", "dbjobs"})
UNKNOWN_JOB_ID = 999_999_999  # above Slurm's largest job id (MaxJobId < 0x04000000)
BAD_BODY = b'{"script": "#!/bin/sh\\ntrue\\n", "job": {"name": '  # cut short: unparsable
MAX_TRIES = 4  # sends of one slot without an answer (socket errors) before it is given up

DONE_MARKER = "SOAK-THREAD-DONE "
PROGRESS_MARKER = "SOAK-PROGRESS "
RESULT_MARKER = "BENCH-SOAK "


@dataclass(frozen=True)
class Request:
    """One kind of request in the mix."""

    label: str
    method: str
    path: str
    body: bytes | None = None
    expect_error: bool = False  # must be answered with a status >= 400
    every: int = 0  # one per `every` requests; 0: shares what the rare kinds leave
    cap: int | None = None  # at most this many per soak


@dataclass(frozen=True)
class SoakPlan:
    requests: int  # measured, after the warm-up
    warmup: int
    connections: int
    cap_s: float  # longest one wrk run (warm-up or measured) may last
    timeout_s: float  # wrk's per-request timeout

    def __post_init__(self) -> None:
        if not 1 <= self.connections <= 64:
            raise ValueError(f"connections must lie within 1..64: {self.connections}")
        if min(self.warmup, self.requests) < self.connections:
            raise ValueError("every wrk thread needs at least one request")
        if self.requests > MAX_SOAK_REQUESTS or self.warmup > MAX_SOAK_REQUESTS:
            raise ValueError(f"a soak sends at most {MAX_SOAK_REQUESTS} requests per run")
        if not 0 < self.cap_s <= MAX_SOAK_S or not 0 < self.timeout_s <= plan.MAX_TIMEOUT_S:
            raise ValueError("soak durations out of bounds")

    @classmethod
    def for_mode(cls, mode: plan.Mode) -> SoakPlan:
        return cls(
            SOAK_REQUESTS[mode.name],
            WARMUP_REQUESTS,
            CONNECTIONS,
            SOAK_CAP_S[mode.name],
            mode.timeout_s,
        )


def mix(
    endpoints: Iterable[plan.Endpoint], job_id: int | None, submit_body: bytes
) -> list[Request]:
    """The request kinds of a soak over `endpoints` (GETs), plus submissions and errors."""
    kinds = [
        Request(e.label, "GET", e.path(job_id), every=HEAVY_EVERY if e.label in HEAVY else 0)
        for e in endpoints
    ]
    kinds.append(
        Request(
            plan.SUBMIT.label,
            "POST",
            plan.SUBMIT.path(),
            submit_body,
            every=SUBMIT_EVERY,
            cap=plan.MAX_SUBMITS_PER_CELL,
        )
    )
    job = next(e for e in plan.GET_ENDPOINTS if e.needs_job)
    kinds.append(Request("nojob", "GET", job.path(UNKNOWN_JOB_ID), None, True, ERROR_EVERY))
    kinds.append(Request("badbody", "POST", plan.SUBMIT.path(), BAD_BODY, True, ERROR_EVERY))
    return kinds


def request_counts(kinds: Sequence[Request], total: int) -> list[int]:
    """How many of each kind `total` requests hold (rare kinds first, the rest shared)."""
    counts = [
        min(total // k.every, k.cap if k.cap is not None else total) if k.every else 0
        for k in kinds
    ]
    shared = [i for i, k in enumerate(kinds) if not k.every]
    if not shared:
        raise ValueError("the mix needs at least one kind that fills the rest")
    rest = total - sum(counts)
    for n, i in enumerate(shared):
        counts[i] = rest // len(shared) + (1 if n < rest % len(shared) else 0)
    return counts


def sequence(kinds: Sequence[Request], total: int) -> str:
    """`total` requests as letters ('a' = kinds[0]): rare kinds spread evenly, the
    shared kinds in rotation between them. Deterministic, so both daemons get the same."""
    if len(kinds) > 26:
        raise ValueError("at most 26 kinds of request")
    counts = request_counts(kinds, total)
    slots: list[int | None] = [None] * total
    for i, kind in enumerate(kinds):
        for j in range(counts[i] if kind.every else 0):
            # Offset by the kind so rare kinds do not all aim at the same slot.
            slot = (int((j + 0.5) * total / counts[i]) + i) % total
            while slots[slot] is not None:
                slot = (slot + 1) % total
            slots[slot] = i
    rotation = [i for i, kind in enumerate(kinds) if not kind.every]
    turn = 0
    for slot, taken in enumerate(slots):
        if taken is None:
            slots[slot] = rotation[turn % len(rotation)]
            turn += 1
    return "".join(chr(ord("a") + i) for i in slots if i is not None)


def labels_of(kinds: Sequence[Request], seq: str) -> Counter[str]:
    return Counter(kinds[ord(letter) - ord("a")].label for letter in seq)


def lua_script(
    kinds: Sequence[Request],
    seq: str,
    headers: Mapping[str, str],
    threads: int,
    progress_every: int = 1000,
) -> str:
    """The wrk script for one run of `seq` (see the module docstring)."""
    entries = []
    for kind in kinds:
        sent = dict(headers)
        if kind.body is not None:
            sent["Content-Type"] = "application/json"
        table = ", ".join(
            f"[{loadgen.lua_string(k)}] = {loadgen.lua_string(v)}" for k, v in sent.items()
        )
        body = loadgen.lua_string(kind.body) if kind.body is not None else "nil"
        entries.append(
            f"  reqs[{len(entries) + 1}] = wrk.format({loadgen.lua_string(kind.method)}, "
            f"{loadgen.lua_string(kind.path)}, {{{table}}}, {body})"
        )
    flags = ", ".join("true" if k.expect_error else "false" for k in kinds)
    names = ", ".join(loadgen.lua_string(k.label) for k in kinds)
    fields = ("requests", "duration", "bytes")
    errors = ("connect", "read", "write", "timeout")
    sums = ("answered", "unexpected", "expected_errors", "lost")
    pairs = [f'"{n}":%d' for n in (*fields, *errors, *sums)] + ['"bad":"%s"']
    return "\n".join(
        [
            f"local total = {len(seq)}",
            f"local nthreads = {threads}",
            f"local progress_every = {progress_every}",
            f"local max_tries = {MAX_TRIES}",
            f"local seq = {loadgen.lua_string(seq)}",
            f"local expect_error = {{{flags}}}",
            f"local labels = {{{names}}}",
            "local created, threads = 0, {}",
            "function setup(thread)",
            "  thread:set('id', created)",
            "  created = created + 1",
            "  table.insert(threads, thread)",
            "end",
            "function init(args)",  # here, not above: wrk sets the Host header just before
            "  reqs = {}",
            *entries,
            "  pos, sent_pos, tries = id + 1, 0, 0",
            "  answered, unexpected, expected_errors, lost, bad = 0, 0, 0, 0, ''",
            "  finished = false",
            "end",
            "local function finish()",
            "  if not finished then",
            "    finished = true",
            f"    io.write('{DONE_MARKER}' .. id .. '\\n')",
            "    io.flush()",
            "    wrk.thread:stop()",
            "  end",
            "end",
            "function request()",
            "  if pos == sent_pos then tries = tries + 1 else sent_pos, tries = pos, 1 end",
            "  if tries > max_tries then",  # never answered: give the slot up
            "    lost = lost + 1",
            "    pos = pos + nthreads",
            "    sent_pos, tries = pos, 1",
            "  end",
            "  if pos > total then finish() return reqs[1] end",
            "  return reqs[seq:byte(pos) - 96]",
            "end",
            "function response(status, headers, body)",
            "  if pos > total then return end",
            "  local kind = seq:byte(pos) - 96",
            "  answered = answered + 1",
            "  if expect_error[kind] and status >= 400 then",
            "    expected_errors = expected_errors + 1",
            "  elseif expect_error[kind] or status < 200 or status > 299 then",
            "    unexpected = unexpected + 1",
            "    if unexpected <= 5 then bad = bad .. labels[kind] .. ':' .. status .. ' ' end",
            "  end",
            "  if answered % progress_every == 0 then",
            f"    io.write('{PROGRESS_MARKER}' .. id .. ' ' .. answered .. '\\n')",
            "    io.flush()",
            "  end",
            "  pos = pos + nthreads",
            "  if pos > total then finish() end",
            "end",
            "function done(summary, latency, requests)",
            "  local s = {answered = 0, unexpected = 0, expected_errors = 0, lost = 0}",
            "  local bad_all = ''",
            "  for _, t in ipairs(threads) do",
            *[f"    s.{n} = s.{n} + t:get('{n}')" for n in sums],
            "    bad_all = bad_all .. t:get('bad')",
            "  end",
            f"  io.write(string.format('{RESULT_MARKER}{{{','.join(pairs)}}}\\n',",
            "    " + ", ".join(f"summary.{n}" for n in fields) + ",",
            "    " + ", ".join(f"summary.errors.{n}" for n in errors) + ",",
            "    " + ", ".join(f"s.{n}" for n in sums) + ", bad_all))",
            "end",
            "",
        ]
    )


@dataclass(frozen=True)
class RunResult:
    """What one wrk run of a soak reported."""

    requests: int
    duration_s: float
    answered: int  # answers the script checked (equals requests unless wrk misbehaves)
    unexpected: int  # non-2xx to a request that should succeed, or < 400 to one that must fail
    expected_errors: int
    socket_errors: int
    lost: int  # slots given up after MAX_TRIES sends without an answer
    bad: tuple[str, ...]  # the first few unexpected answers as "label:status"


def parse_result(stdout: str) -> RunResult:
    """The done() line of the soak script. Raises ValueError when it is missing."""
    for line in stdout.splitlines():
        if line.startswith(RESULT_MARKER):
            data = json.loads(line[len(RESULT_MARKER) :])
            break
    else:
        raise ValueError(f"wrk printed no soak result line:\n{stdout[-2000:]}")
    return RunResult(
        requests=data["requests"],
        duration_s=data["duration"] / 1e6,
        answered=data["answered"],
        unexpected=data["unexpected"],
        expected_errors=data["expected_errors"],
        socket_errors=sum(data[k] for k in ("connect", "read", "write", "timeout")),
        lost=data["lost"],
        bad=tuple(data["bad"].split()),
    )


def wrk_argv(url: str, soak_plan: SoakPlan, script: Path) -> list[str]:
    n = soak_plan.connections
    return [
        "wrk",
        f"-t{n}",
        f"-c{n}",
        f"-d{max(1, round(soak_plan.cap_s))}s",
        f"--timeout={max(1, round(soak_plan.timeout_s))}s",
        "-s",
        str(script),
        url + "/",
    ]


def run_wrk(
    target: Target,
    kinds: Sequence[Request],
    seq: str,
    soak_plan: SoakPlan,
    progress: Callable[[int], None] = lambda answered: None,
) -> RunResult:
    """Send `seq` with wrk; returns when every thread has had its last answer (or at
    the cap). Raises RuntimeError when wrk fails or prints no result."""
    threads = soak_plan.connections
    step = max(1, len(seq) // 10)
    script_text = lua_script(kinds, seq, target.headers, threads, max(1, step // threads))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-soak-") as script:
        script.write(script_text)
        script.flush()
        proc = subprocess.Popen(
            wrk_argv(target.url, soak_plan, Path(script.name)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # wrk stops itself at the cap; this only covers a wedged wrk.
        watchdog = threading.Timer(soak_plan.cap_s + soak_plan.timeout_s + 60, proc.kill)
        watchdog.start()
        lines: list[str] = []
        finished: set[str] = set()
        answered: dict[str, int] = {}
        shown = 0
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line)
                if line.startswith(DONE_MARKER):
                    finished.add(line.split()[1])
                    if len(finished) == threads:
                        proc.send_signal(signal.SIGINT)  # our child, by its PID: ends the sleep
                elif line.startswith(PROGRESS_MARKER):
                    thread_id, count = line.split()[1:3]
                    answered[thread_id] = int(count)
                    if sum(answered.values()) >= shown + step:
                        shown = sum(answered.values())
                        progress(shown)
            stderr = proc.stderr.read() if proc.stderr is not None else ""
            proc.wait()
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"wrk exited {proc.returncode}: {stderr.strip()}")
    try:
        return parse_result("".join(lines))
    except ValueError as exc:
        raise RuntimeError(str(exc)) from None


def growth_pct(start: float | None, end: float | None) -> float | None:
    """How much `end` exceeds `start`, in percent of `start` (negative: it shrank)."""
    if start is None or end is None or start <= 0:
        return None
    return (end - start) / start * 100


@dataclass
class SoakResult:
    """One daemon's soak (a JSON line in soak.jsonl)."""

    target: str
    planned: int  # requests planned after the warm-up
    warmup: int
    connections: int
    jobs_start: int | None = None
    jobs_end: int | None = None
    requests: int = 0  # answered after the warm-up
    duration_s: float = 0.0
    rss_start_kib: int | None = None  # after the warm-up, daemon idle
    rss_end_kib: int | None = None  # after the soak, daemon idle
    peak_rss_kib: int | None = None  # VmHWM over the measured part
    unexpected: int = 0  # both runs
    expected_errors: int = 0
    socket_errors: int = 0
    bad: list[str] = field(default_factory=list)
    mix: dict[str, int] = field(default_factory=dict)  # requests per kind after the warm-up
    note: str = ""

    @property
    def growth_pct(self) -> float | None:
        return growth_pct(self.rss_start_kib, self.rss_end_kib)

    @property
    def rps(self) -> float | None:
        return self.requests / self.duration_s if self.duration_s > 0 else None

    def add_note(self, text: str) -> None:
        self.note = "; ".join(filter(None, [self.note, text]))


Runner = Callable[[Target, Sequence[Request], str, SoakPlan, Callable[[int], None]], RunResult]


def soak(
    target: Target,
    kinds: Sequence[Request],
    soak_plan: SoakPlan,
    count_jobs: Callable[[], int | None],
    runner: Runner = run_wrk,
) -> SoakResult:
    """Warm up, read RSS, soak, read RSS again (both reads with the daemon idle)."""
    seq = sequence(kinds, soak_plan.warmup + soak_plan.requests)
    warm, measured = seq[: soak_plan.warmup], seq[soak_plan.warmup :]
    result = SoakResult(target.name, soak_plan.requests, soak_plan.warmup, soak_plan.connections)
    result.mix = dict(labels_of(kinds, measured))
    result.jobs_start = count_jobs()
    say(f"  soak {target.name}: warm-up of {len(warm)} requests")
    first = runner(target, kinds, warm, soak_plan, lambda n: None)
    settle(target.pid)
    time.sleep(AT_REST_S)
    result.rss_start_kib = procstat.rss_kib(target.pid)
    procstat.reset_peak_rss(target.pid)
    say(f"  soak {target.name}: {len(measured)} requests")
    second = runner(
        target, kinds, measured, soak_plan, lambda n: say(f"    {target.name}: {n} answered")
    )
    if not settle(target.pid):
        result.add_note("daemon still busy at the end")
    time.sleep(AT_REST_S)
    result.rss_end_kib = procstat.rss_kib(target.pid)
    result.peak_rss_kib = procstat.peak_rss_kib(target.pid)
    result.jobs_end = count_jobs()
    result.requests, result.duration_s = second.requests, round(second.duration_s, 3)
    for run in (first, second):
        result.unexpected += run.unexpected
        result.expected_errors += run.expected_errors
        result.socket_errors += run.socket_errors
        result.bad += list(run.bad)
        if run.lost:
            result.add_note(f"{run.lost} requests never answered")
    if second.requests < len(measured):
        result.add_note(f"stopped at the {soak_plan.cap_s:.0f} s cap")
    growth = result.growth_pct
    if growth is not None and growth >= GROWTH_TARGET_PCT:
        result.add_note(f"over the {GROWTH_TARGET_PCT:.0f} % target")
    return result


def served_mix(
    targets: Iterable[Target], job_id: int | None, submit_body: bytes
) -> tuple[list[Request], str]:
    """The mix over the GET endpoints every target serves (probed), and a note
    naming those left out, so daemons compared get exactly the same requests."""
    targets = list(targets)
    left_out = []
    served = []
    for endpoint in plan.GET_ENDPOINTS:
        path = endpoint.path(job_id)
        statuses = {t.name: probe(t, "GET", path).status for t in targets}
        if all(200 <= s < 300 for s in statuses.values()):
            served.append(endpoint)
        else:
            bad = ", ".join(f"{n} {s}" for n, s in statuses.items() if not 200 <= s < 300)
            left_out.append(f"{endpoint.label} ({bad})")
    note = f"not in the mix: {', '.join(left_out)}" if left_out else ""
    return mix(served, job_id, submit_body), note


class SoakLog:
    """Collects soak results, appends each to soak.jsonl at once, prints a line."""

    def __init__(self, out: Path) -> None:
        self.results: list[SoakResult] = []
        self._file = (out / "soak.jsonl").open("a")

    def add(self, result: SoakResult) -> None:
        self.results.append(result)
        self._file.write(json.dumps(dataclasses.asdict(result)) + "\n")
        self._file.flush()
        mib = [
            f"{v / 1024:.1f}" if v is not None else "-"
            for v in (result.rss_start_kib, result.rss_end_kib)
        ]
        growth = result.growth_pct
        say(
            f"  soak {result.target}: {result.requests} requests, RSS {mib[0]} -> {mib[1]} MiB "
            f"({'-' if growth is None else f'{growth:+.1f} %'}), "
            f"{result.unexpected} unexpected errors {result.note}"
        )

    def close(self) -> None:
        self._file.close()


def soak_pair(
    targets: Mapping[str, Target],
    order: Sequence[str],
    job_id: int | None,
    submit_body: bytes,
    soak_plan: SoakPlan,
    count_jobs: Callable[[], int | None],
    log: SoakLog,
    runner: Runner = run_wrk,
) -> None:
    """Soak each daemon of `order` in turn with the same mix; results go to `log`."""
    kinds, note = served_mix((targets[n] for n in order), job_id, submit_body)
    for name in order:
        try:
            result = soak(targets[name], kinds, soak_plan, count_jobs, runner)
        except RuntimeError as exc:  # wrk failed: recorded, the run goes on
            result = SoakResult(name, soak_plan.requests, soak_plan.warmup, soak_plan.connections)
            result.add_note(f"failed: {exc}")
        result.add_note(note)
        log.add(result)
