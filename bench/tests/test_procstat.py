import os
import time

from bench import procstat

STAT = (
    "4242 (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 "
    "150 50 7 3 20 0 1 0 12345 1000 200 18446744073709551615"
)


def test_cpu_ticks_skip_a_command_name_with_spaces_and_parentheses():
    assert procstat.parse_cpu_ticks(STAT) == 200


def test_children_ticks_are_added_on_request():
    assert procstat.parse_cpu_ticks(STAT, children=True) == 210


def test_peak_rss_comes_from_vmhwm():
    status = "Name:\tx\nVmPeak:\t  9000 kB\nVmHWM:\t    4321 kB\nVmRSS:\t 1000 kB\n"
    assert procstat.parse_peak_rss_kib(status) == 4321
    assert procstat.parse_peak_rss_kib("Name:\tkthread\n") is None


def test_host_busy_counts_everything_but_idle_and_iowait():
    text = "cpu  10 1 5 1000 40 2 3 4 0 0\ncpu0 5 0 2 500 20 1 1 2 0 0\n"
    assert procstat.parse_host_busy_ticks(text) == 10 + 1 + 5 + 2 + 3 + 4


def test_own_cpu_ticks_grow_with_work():
    before = procstat.cpu_ticks(os.getpid())
    deadline = time.process_time() + 0.1
    while time.process_time() < deadline:
        pass
    assert procstat.cpu_ticks(os.getpid()) - before >= 0.05 * procstat.CLOCK_TICKS


def test_peak_rss_reset_starts_a_new_window():
    pid = os.getpid()
    block = bytearray(os.urandom(1)) * (64 << 20)  # 64 MiB, touched
    high = procstat.peak_rss_kib(pid)
    del block
    assert procstat.reset_peak_rss(pid)
    low = procstat.peak_rss_kib(pid)
    assert high is not None and low is not None
    assert high - low > 32 << 10
