import contextlib
import itertools
import json
import os
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import compare, embedded_alone, plan, procstat, real_slurm, report, soak
from bench.jobs import HeldJobs
from bench.measure import Target
from bench.tests.test_jobs import FakeBed

wrk_missing = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
HEADERS = {"X-SLURM-USER-NAME": "alice", "X-SLURM-USER-TOKEN": "t0k"}
# Big enough for a few of every rare kind, small enough for a second or two of wrk.
SMALL = soak.SoakPlan(requests=1000, warmup=100, connections=4, cap_s=20, timeout_s=5)


@dataclass
class Daemon:
    """A fake daemon: answers like the real ones would (unknown job 500, bad body 400),
    or `broken` (200 to everything), or 500 to paths under `unserved`."""

    broken: bool = False
    unserved: str = "/never"
    drop: str = "/never"  # close the connection without an answer
    seen: list[tuple[str, str, bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        with self.lock:
            self.seen.append((method, path, body))
        status = 200
        if not self.broken:
            if path.startswith(self.unserved) or str(soak.UNKNOWN_JOB_ID) in path:
                status = 500
            try:
                json.loads(body or b"{}")
            except ValueError:
                status = 400
        return status, json.dumps({"jobs": [{"job_id": 7}, {"job_id": 8}]}).encode()


@contextlib.contextmanager
def serving(daemon: Daemon) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length) if length else b""
            if self.path.startswith(daemon.drop):
                self.close_connection = True
                return
            status, payload = daemon.answer(self.command, self.path, body)
            # One write: headers and body in separate segments meet delayed ACKs (40 ms).
            head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(payload)}\r\n\r\n"
            self.wfile.write(head.encode() + payload)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def submitted_names(daemon: Daemon) -> set[str]:
    """Names of the jobs the daemon was asked to submit (unparsable bodies skipped)."""
    names = set()
    for method, path, body in daemon.seen:
        with contextlib.suppress(ValueError):
            if method == "POST" and path.endswith("/job/submit"):
                names.add(json.loads(body)["job"]["name"])
    return names


def kinds(job_id=7):
    return soak.mix(plan.GET_ENDPOINTS, job_id, plan.submit_body("bench-t-submit"))


# --- the mix and its sequence ----------------------------------------------------------


def test_rare_kinds_get_their_share_submissions_are_capped_and_the_rest_is_shared():
    mix = kinds()
    counts = dict(zip((k.label for k in mix), soak.request_counts(mix, 105_000), strict=True))
    assert counts["submit"] == plan.MAX_SUBMITS_PER_CELL  # 105 000 / 200 = 525, capped
    assert counts["nojob"] == counts["badbody"] == 105_000 // soak.ERROR_EVERY
    assert counts["jobs"] == counts["dbjobs"] == 105_000 // soak.HEAVY_EVERY
    shared = [counts[k] for k in ("ping", "nodes", "partitions", "dbqos", "job")]
    assert max(shared) - min(shared) <= 1
    assert sum(counts.values()) == 105_000
    small = dict(zip((k.label for k in mix), soak.request_counts(mix, 25_000), strict=True))
    assert small["submit"] == 25_000 // soak.SUBMIT_EVERY


def test_a_mix_of_rare_kinds_only_is_refused():
    rare = [soak.Request("x", "GET", "/x", every=2)]
    with pytest.raises(ValueError):
        soak.request_counts(rare, 10)


def test_sequence_holds_the_counts_and_is_the_same_every_time():
    mix = kinds()
    seq = soak.sequence(mix, 25_000)
    assert len(seq) == 25_000 and seq == soak.sequence(mix, 25_000)
    expected = dict(zip((k.label for k in mix), soak.request_counts(mix, 25_000), strict=True))
    assert soak.labels_of(mix, seq) == Counter({k: v for k, v in expected.items() if v})


def test_rare_kinds_are_spread_over_the_whole_sequence_not_bunched():
    mix = kinds()
    seq = soak.sequence(mix, 25_000)
    letter = chr(ord("a") + [k.label for k in mix].index("submit"))
    at = [i for i, c in enumerate(seq) if c == letter]
    gaps = [b - a for a, b in itertools.pairwise(at)]
    assert max(gaps) <= 2 * soak.SUBMIT_EVERY and at[0] < soak.SUBMIT_EVERY
    assert at[-1] > 25_000 - soak.SUBMIT_EVERY


def test_shared_kinds_rotate_between_the_rare_ones():
    mix = kinds()
    seq = soak.sequence(mix, 1000)
    first = [mix[ord(c) - ord("a")].label for c in seq[:5]]
    assert first == ["ping", "nodes", "partitions", "dbqos", "job"]


def test_the_mix_has_a_failing_job_id_and_an_unparsable_body_both_expected_to_fail():
    by_label = {k.label: k for k in kinds(job_id=42)}
    assert by_label["job"].path == "/slurm/v0.0.38/job/42" and not by_label["job"].expect_error
    assert by_label["nojob"].path.endswith(f"/job/{soak.UNKNOWN_JOB_ID}")
    assert by_label["nojob"].expect_error and by_label["badbody"].expect_error
    with pytest.raises(ValueError):
        json.loads(by_label["badbody"].body)
    assert json.loads(by_label["submit"].body)["job"]["hold"] is True


# --- the wrk script and its result ------------------------------------------------------


def test_script_carries_the_sequence_the_flags_and_json_content_type_on_posts_only():
    mix = [
        soak.Request("ping", "GET", "/ping"),
        soak.Request("bad", "POST", "/submit", b'{"a', expect_error=True, every=3),
    ]
    script = soak.lua_script(mix, "aab", {"X-A": 'q"t'}, threads=2)
    assert 'local seq = "aab"' in script and "local nthreads = 2" in script
    assert "local expect_error = {false, true}" in script
    ping, bad = (line for line in script.splitlines() if "wrk.format(" in line)
    assert '["X-A"] = "q\\034t"' in ping and "Content-Type" not in ping
    assert '["Content-Type"] = "application/json"' in bad and '"{\\034a"' in bad


def test_result_line_is_parsed_with_socket_errors_summed_and_the_bad_answers_listed():
    line = (
        'BENCH-SOAK {"requests":900,"duration":3000000,"bytes":1,"connect":1,"read":2,'
        '"write":0,"timeout":4,"answered":900,"unexpected":2,"expected_errors":5,"lost":1,'
        '"bad":"jobs:500 nojob:200 "}'
    )
    result = soak.parse_result("Running 20s test\n" + line + "\n")
    assert (result.requests, result.duration_s, result.unexpected) == (900, 3.0, 2)
    assert (result.expected_errors, result.socket_errors, result.lost) == (5, 7, 1)
    assert result.bad == ("jobs:500", "nojob:200")
    with pytest.raises(ValueError):
        soak.parse_result("Running 20s test\n")


def test_wrk_gets_one_thread_per_connection_and_the_cap_as_its_duration():
    argv = soak.wrk_argv("http://h:1", SMALL, "s.lua")
    assert argv == ["wrk", "-t4", "-c4", "-d20s", "--timeout=5s", "-s", "s.lua", "http://h:1/"]


# --- memory figures ---------------------------------------------------------------------


def test_rss_is_vmrss_not_the_peak():
    status = "Name:\tx\nVmPeak:\t 9000 kB\nVmHWM:\t  4321 kB\nVmRSS:\t    1000 kB\n"
    assert procstat.parse_rss_kib(status) == 1000
    assert procstat.parse_rss_kib("Name:\tkthread\n") is None
    assert procstat.rss_kib(os.getpid()) > 0


def test_growth_is_relative_to_the_start_and_may_be_negative():
    assert soak.growth_pct(200, 230) == pytest.approx(15.0)
    assert soak.growth_pct(200, 190) == pytest.approx(-5.0)
    assert soak.growth_pct(None, 10) is None and soak.growth_pct(0, 10) is None


def test_plans_are_bounded_and_follow_the_mode():
    quick, full = soak.SoakPlan.for_mode(plan.QUICK), soak.SoakPlan.for_mode(plan.FULL)
    assert (quick.requests, quick.warmup, quick.connections) == (20_000, 5_000, 8)
    assert full.requests == 100_000 and full.cap_s <= soak.MAX_SOAK_S
    with pytest.raises(ValueError):
        soak.SoakPlan(requests=200_000, warmup=10, connections=8, cap_s=10, timeout_s=5)
    with pytest.raises(ValueError):
        soak.SoakPlan(requests=100, warmup=3, connections=8, cap_s=10, timeout_s=5)
    with pytest.raises(ValueError):
        soak.SoakPlan(requests=100, warmup=10, connections=8, cap_s=99_999, timeout_s=5)


# --- tables -----------------------------------------------------------------------------


def result(target, start=100 << 10, end=105 << 10, note="", jobs=1000):
    r = soak.SoakResult(target, 100_000, 5000, 8, jobs_start=jobs, requests=100_000)
    r.duration_s, r.rss_start_kib, r.rss_end_kib, r.peak_rss_kib = 50.0, start, end, 300 << 10
    r.unexpected, r.note = 1, note
    return r


def test_soak_comparison_pairs_c_with_ours_and_gives_the_end_rss_ratio():
    c = result("c", start=600 << 10, end=637 << 10, jobs=1000)
    ours = result("ours", start=100 << 10, end=120 << 10, note="over the 10 % target", jobs=1200)
    table = report.soak_comparison_table([ours, c])
    assert table.startswith("### Memory over 100000 mixed requests\n")
    header, _, row = table.splitlines()[2:5]
    assert header.count("|") == row.count("|")
    assert row == (
        "| 1000/1200 | 100000 / 100000 | 2000 / 2000 | 600 / 100 | 637 / 120 "
        "| +6.2 % / +20.0 % | 300 / 300 | 0.19x | 1 / 1 | ours: over the 10 % target |"
    )
    assert report.soak_comparison_table([result("embedded")]) == ""


def test_a_missing_daemon_shows_dashes_and_no_ratio():
    row = report.soak_comparison_table([result("c")]).splitlines()[4]
    assert "| 100 / - |" in row and "| - | 1 / - |" in row


def test_soak_single_table_lists_the_daemon_alone():
    table = report.soak_single_table([result("embedded", jobs=10_360), result("c")], "embedded")
    assert table.count("| 10360 |") == 1
    assert "| 10360 | 100000 | 2000 | 100 | 105 | +5.0 % | 300 | 1 |  |" in table
    assert report.soak_single_table([result("c")], "embedded") == ""


def test_summary_puts_each_soak_under_its_half():
    env = {"date": "2026-11-21"}
    text = compare.summary(env, [], "0.1", [result("c"), result("ours"), result("embedded")])
    slurm_half, embedded_half = text.split("## Ours, embedded backend")
    assert "| 100 / 100 |" in slurm_half and "Memory over" in slurm_half
    assert "| 1000 | 100000 | 2000 |" in embedded_half
    only_embedded = compare.summary(env, [], "0.1", [result("embedded")])
    assert "## Real Slurm" not in only_embedded and "Memory over" in only_embedded


# --- wrk against a fake daemon ----------------------------------------------------------


@wrk_missing
def test_wrk_sends_exactly_the_sequence_and_tells_expected_errors_from_unexpected():
    mix = kinds()
    seq = soak.sequence(mix, 2000)
    planned = soak.labels_of(mix, seq)
    daemon = Daemon()
    with serving(daemon) as url:
        done = soak.run_wrk(Target("x", url, os.getpid(), HEADERS), mix, seq, SMALL)
    assert done.requests == done.answered == len(daemon.seen) == 2000
    assert done.unexpected == 0 and done.lost == 0
    assert done.expected_errors == planned["nojob"] + planned["badbody"] == 8
    submit = next(k for k in mix if k.label == "submit")
    submits = [s for s in daemon.seen if s[0] == "POST" and s[2] == submit.body]
    assert len(submits) == planned["submit"] == 10


@wrk_missing
def test_wrk_counts_an_error_request_that_succeeds_as_unexpected():
    mix = kinds()
    seq = soak.sequence(mix, 2000)
    with serving(Daemon(broken=True)) as url:
        done = soak.run_wrk(Target("x", url, os.getpid(), HEADERS), mix, seq, SMALL)
    assert done.unexpected == 8 and done.expected_errors == 0
    assert {b.split(":")[0] for b in done.bad} == {"nojob", "badbody"}


@wrk_missing
def test_a_request_never_answered_is_given_up_and_wrk_still_stops_early():
    mix = [soak.Request("ping", "GET", "/ping"), soak.Request("gone", "GET", "/gone", every=50)]
    seq = soak.sequence(mix, 400)
    with serving(Daemon(drop="/gone")) as url:
        done = soak.run_wrk(Target("x", url, os.getpid()), mix, seq, SMALL)
    assert done.lost == 8 and done.requests == 392
    assert done.duration_s < SMALL.cap_s / 2


@wrk_missing
def test_soak_reads_rss_after_the_warm_up_and_at_the_end():
    daemon = Daemon()
    with serving(daemon) as url:
        got = soak.soak(Target("x", url, os.getpid(), HEADERS), kinds(), SMALL, lambda: 5)
    assert len(daemon.seen) == SMALL.warmup + SMALL.requests
    assert got.requests == SMALL.requests and sum(got.mix.values()) == SMALL.requests
    assert got.rss_start_kib > 0 and got.rss_end_kib > 0 and got.peak_rss_kib > 0
    assert got.growth_pct is not None and (got.jobs_start, got.jobs_end) == (5, 5)
    assert got.unexpected == 0 and got.expected_errors == 4


def test_a_failing_load_generator_is_recorded_and_the_next_daemon_still_soaks(tmp_path):
    def runner(target, mix, seq, soak_plan, progress):
        if target.name == "c":
            raise RuntimeError("wrk exited 1")
        return soak.RunResult(len(seq), 1.0, len(seq), 0, 0, 0, 0, ())

    log = soak.SoakLog(tmp_path)
    with serving(Daemon()) as url:
        targets = {n: Target(n, url, os.getpid()) for n in ("c", "ours")}
        soak.soak_pair(targets, ("c", "ours"), 7, b"{}", SMALL, lambda: 0, log, runner)
    log.close()
    c, ours = log.results
    assert c.note == "failed: wrk exited 1" and c.rss_end_kib is None
    assert ours.requests == SMALL.requests and ours.rss_end_kib is not None
    lines = (tmp_path / "soak.jsonl").read_text().splitlines()
    assert [json.loads(line)["target"] for line in lines] == ["c", "ours"]


# --- the two flows ----------------------------------------------------------------------


@wrk_missing
def test_slurm_flow_soaks_both_daemons_with_the_same_mix_and_the_runs_submit_name(tmp_path):
    bed = FakeBed(held=990)
    jobs = HeldJobs(bed, "r1")
    c, ours = Daemon(), Daemon(unserved="/slurmdb/")  # like our slurm backend today
    log = soak.SoakLog(tmp_path)
    with serving(c) as c_url, serving(ours) as ours_url:
        targets = {
            "c": Target("c", c_url, os.getpid(), HEADERS),
            "ours": Target("ours", ours_url, os.getpid(), HEADERS),
        }
        real_slurm.memory_soak(SMALL, 1000, targets, ("ours", "c"), jobs, None, log)
    log.close()
    assert [r.target for r in log.results] == ["ours", "c"]
    assert jobs.in_controller() == 1001  # topped up to the level, plus the target job
    assert all(r.requests == SMALL.requests and r.unexpected == 0 for r in log.results)
    assert all("not in the mix: dbjobs (ours 500), dbqos (ours 500)" in r.note for r in log.results)
    for daemon in (c, ours):
        paths = {path for _, path, _ in daemon.seen[len(plan.GET_ENDPOINTS) :]}  # after probes
        assert not any(p.startswith("/slurmdb/") for p in paths)
        assert "/slurm/v0.0.38/job/1001" in paths  # the target job HeldJobs created
        assert submitted_names(daemon) == {jobs.submit_name}


@wrk_missing
def test_embedded_flow_soaks_the_daemon_alone_and_counts_its_jobs(tmp_path):
    daemon = Daemon()
    log = soak.SoakLog(tmp_path)
    with serving(daemon) as url:
        target = Target("embedded", url, os.getpid(), HEADERS)
        embedded_alone.embedded_soak(SMALL, target, 7, "r2", log)
    log.close()
    (got,) = log.results
    assert got.target == "embedded" and got.requests == SMALL.requests and got.note == ""
    assert (got.jobs_start, got.jobs_end) == (2, 2)  # from GET /jobs of the fake daemon
    assert submitted_names(daemon) == {"bench-r2-submit"}
