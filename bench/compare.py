"""Our slurmrestd against SchedMD's C slurmrestd on the same real Slurm 22.05.

Run as root from the repository root (see bench/README.md):

    /opt/srtest-venv/bin/python -m bench.compare --quick

It claims the project's testbed (tests/slurm/testbed: brought up if down, left
as found), starts our daemon (--backend slurm, as alice) next to the C daemon
the testbed runs, and for 0, 100 and 1000 held jobs drives both, alternating,
with wrk over the same endpoints at 1, 8 and 32 connections; then POST
/job/submit, then a memory soak of each (bench/soak.py). Then it benchmarks our
embedded backend alone with 10 000 jobs, and soaks it too.
Results: <out>/results.jsonl (one Sample per line), <out>/soak.jsonl (one soak
per daemon) and <out>/summary.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the testbed and daemon harness live there

from bench import embedded_alone, plan, real_slurm, report, soak, testbed_claim  # noqa: E402
from bench.cells import Recorder, say  # noqa: E402
from bench.measure import Sample  # noqa: E402
from slurm.testbed import default_layout  # noqa: E402

WAIT_EMPTY_S = 330.0  # MinJobAge=300 on the testbed, plus slurmctld's purge interval


def environment(mode: plan.Mode) -> dict[str, str]:
    def out(*argv: str) -> str:
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    debian = Path("/etc/debian_version")
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "mode": mode.name,
        "host": f"{os.cpu_count()} CPUs, {platform.machine()}, Linux {platform.release()}, "
        f"Debian {debian.read_text().strip() if debian.exists() else '?'}",
        "slurm": out("/usr/sbin/slurmrestd", "-V") or "?",
        "wrk": out("wrk", "--version").splitlines()[0] if out("wrk", "--version") else "?",
        "python": platform.python_version(),
        "load": Path("/proc/loadavg").read_text().strip(),
    }


def summary(
    env: dict[str, str],
    samples: list[Sample],
    end_load: str,
    soaks: Sequence[soak.SoakResult] = (),
) -> str:
    lines = ["# Bench: our slurmrestd vs the C slurmrestd 22.05", ""]
    lines += [f"- {key}: {value}" for key, value in env.items()]
    lines += [f"- load at end: {end_load}", ""]
    if any(r.target in ("c", "ours") for r in (*samples, *soaks)):
        lines += ["## Real Slurm 22.05: C slurmrestd / ours (--backend slurm)", ""]
        lines.append(report.comparison_tables(samples))
        lines.append(report.soak_comparison_table(soaks))
    if any(r.target == "embedded" for r in (*samples, *soaks)):
        lines += ["## Ours, embedded backend (alone)", ""]
        lines.append(report.single_tables(samples, "embedded"))
        lines.append(report.soak_single_table(soaks, "embedded"))
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so jobs are cancelled and daemons stopped."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.compare",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="a few seconds per cell")
    parser.add_argument("--out", type=Path, help="result directory (default /tmp/...)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--slurm-only", action="store_true", help="skip the embedded backend")
    which.add_argument("--embedded-only", action="store_true", help="skip the real Slurm")
    parser.add_argument(
        "--wait-empty",
        action="store_true",
        help=f"first wait up to {WAIT_EMPTY_S:.0f}s until slurmctld has purged old jobs",
    )
    parser.add_argument(
        "--wait-alone",
        type=float,
        default=900,
        metavar="S",
        help="wait up to S seconds for other testbed users (e.g. CI) to finish (default 900)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    mode = plan.QUICK if args.quick else plan.FULL
    run_id = time.strftime("%Y%m%d%H%M%S")
    out = args.out or Path(f"/tmp/slurmrestd-py-bench-{run_id}")
    out.mkdir(parents=True, exist_ok=True)
    env = environment(mode)
    say("\n".join(f"{k}: {v}" for k, v in env.items()))
    record = Recorder(out)
    soaks = soak.SoakLog(out)
    try:
        with sigterm_as_interrupt():
            if not args.embedded_only:
                if os.geteuid() != 0:
                    say("the real-Slurm comparison needs root (the testbed); use --embedded-only")
                    return 2
                if not testbed_claim.wait_until_alone(default_layout(), args.wait_alone, say):
                    say("the testbed stayed busy; measuring anyway (see 'other cores')")
                wait_empty_s = WAIT_EMPTY_S if args.wait_empty else 0
                real_slurm.bench_slurm(mode, run_id, record, wait_empty_s, soaks)
            if not args.slurm_only:
                embedded_alone.bench_embedded(mode, run_id, record, soaks)
    except KeyboardInterrupt:
        say("interrupted: cleaned up; partial results kept")
    except RuntimeError as exc:  # the testbed could not be brought up, or lost its C daemon
        say(f"error: {exc}")
        return 1
    finally:
        record.close()
        soaks.close()
        end_load = Path("/proc/loadavg").read_text().strip()
        text = summary(env, record.samples, end_load, soaks.results)
        (out / "summary.md").write_text(text)
        print(text, flush=True)
        say(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
