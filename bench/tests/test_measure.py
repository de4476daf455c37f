import os
import subprocess
import sys
import time

from bench import measure
from bench.loadgen import LoadResult
from bench.tests.local_server import serving


def result(requests=10, status_errors=0):
    return LoadResult(requests, 1.0, 100, 1.0, 2.0, status_errors, 0)


def burn(seconds):
    deadline = time.process_time() + seconds
    while time.process_time() < deadline:
        pass


def test_cpu_per_request_is_charged_to_the_daemon_pid():
    target = measure.Target("ours", "http://127.0.0.1:1", os.getpid())

    def drive():
        burn(0.2)
        return result(requests=10)

    sample = measure.Sample("ours", "ping", "/p", 0, 0, 1)
    measure.run_cell(target, drive, measure.Neighbours(), sample)
    assert 15 <= sample.daemon_cpu_ms_per_req <= 40  # 200 ms over 10 requests
    assert sample.ctld_cpu_ms_per_req is None  # no slurmctld in this run
    assert sample.rps == 10.0 and sample.peak_rss_mib > 0 and sample.measured


def test_a_cell_of_error_answers_is_not_measured():
    target = measure.Target("ours", "http://127.0.0.1:1", os.getpid())
    sample = measure.Sample("ours", "dbqos", "/p", 0, 0, 1)
    measure.run_cell(target, lambda: result(5, status_errors=5), measure.Neighbours(), sample)
    assert not sample.measured and sample.note.startswith("n/a")


def test_settle_returns_once_a_process_is_idle():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert measure.settle(child.pid, window_s=0.1, limit_s=5)
    finally:
        child.kill()
        child.wait()


def test_settle_gives_up_on_a_busy_process_after_its_bound():
    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        started = time.monotonic()
        assert not measure.settle(child.pid, window_s=0.1, limit_s=0.5)
        assert time.monotonic() - started < 2
    finally:
        child.kill()
        child.wait()


def test_probe_reports_status_and_size():
    with serving() as (url, seen):
        seen.status = 502
        found = measure.probe(measure.Target("c", url, 1, {"X": "y"}), "GET", "/q")
    assert (found.status, found.size, found.ok) == (502, len(b'{"ok": true}'), False)
    assert seen.requests[0][2]["X"] == "y"


def test_a_cell_without_any_answer_says_so():
    target = measure.Target("ours", "http://127.0.0.1:1", os.getpid())
    sample = measure.Sample("ours", "jobs", "/p", 0, 0, 32)
    measure.run_cell(target, lambda: result(0), measure.Neighbours(), sample)
    assert not sample.measured and sample.note.startswith("no answer within")
    assert sample.daemon_cpu_ms_per_req is None  # no request to divide by


def test_a_daemon_busy_before_the_cell_is_flagged():
    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        target = measure.Target("c", "http://127.0.0.1:1", child.pid)
        sample = measure.Sample("c", "ping", "/p", 0, 0, 1)
        measure.run_cell(target, lambda: result(10), measure.Neighbours(), sample, settle_s=0.3)
    finally:
        child.kill()
        child.wait()
    assert sample.measured and sample.note == "daemon was busy before the cell"
