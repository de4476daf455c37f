"""CPU time and peak memory of a process, read from /proc (Linux only).

CPU is utime+stime in clock ticks; with `children` the reaped children's
ticks are added, so work a daemon hands to subprocesses (our slurm backend
runs squeue/sbatch) is charged to it.
"""

from __future__ import annotations

import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Writing this to /proc/<pid>/clear_refs resets the process's VmHWM (Linux >= 4.0).
_RESET_PEAK_RSS = "5"


def parse_cpu_ticks(stat_line: str, *, children: bool = False) -> int:
    """utime+stime (+cutime+cstime) from the text of /proc/<pid>/stat."""
    # Fields after the parenthesised command name, which may itself hold spaces.
    fields = stat_line.rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return utime + stime + (cutime + cstime if children else 0)


def cpu_ticks(pid: int, *, children: bool = False) -> int:
    return parse_cpu_ticks(Path(f"/proc/{pid}/stat").read_text(), children=children)


def parse_status_kib(status_text: str, field: str) -> int | None:
    """A KiB field ("VmHWM", "VmRSS") of /proc/<pid>/status, if present."""
    for line in status_text.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return None


def status_kib(pid: int, field: str) -> int | None:
    try:
        return parse_status_kib(Path(f"/proc/{pid}/status").read_text(), field)
    except OSError:
        return None


def parse_peak_rss_kib(status_text: str) -> int | None:
    """VmHWM (peak resident set size) in KiB from /proc/<pid>/status, if present."""
    return parse_status_kib(status_text, "VmHWM")


def peak_rss_kib(pid: int) -> int | None:
    return status_kib(pid, "VmHWM")


def parse_rss_kib(status_text: str) -> int | None:
    """VmRSS (current resident set size) in KiB from /proc/<pid>/status, if present."""
    return parse_status_kib(status_text, "VmRSS")


def rss_kib(pid: int) -> int | None:
    return status_kib(pid, "VmRSS")


def reset_peak_rss(pid: int) -> bool:
    """Start a new VmHWM window for `pid`; False where the kernel refuses (not root)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text(_RESET_PEAK_RSS)
    except OSError:
        return False
    return True


def parse_host_busy_ticks(proc_stat_text: str) -> int:
    """Busy ticks of all CPUs (user, nice, system, irq, softirq, steal) from /proc/stat."""
    for line in proc_stat_text.splitlines():
        if line.startswith("cpu "):
            values = [int(v) for v in line.split()[1:]]
            user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
            return user + nice + system + irq + softirq + steal
    raise ValueError("no aggregate cpu line in /proc/stat")


def host_busy_ticks() -> int:
    return parse_host_busy_ticks(Path("/proc/stat").read_text())
