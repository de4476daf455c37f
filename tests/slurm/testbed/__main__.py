"""By hand: `cd tests && python -m slurm.testbed up|down [--purge]|status`."""

from __future__ import annotations

import argparse
import sys

from slurm.testbed import (
    PackageError,
    TestbedError,
    bring_up,
    default_layout,
    tear_down,
    unavailable_reason,
)
from slurm.testbed.daemons import alive, recorded
from slurm.testbed.sessions import bring_up_lock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m slurm.testbed")
    parser.add_argument("action", choices=("up", "down", "status"))
    parser.add_argument("--purge", action="store_true", help="down: delete the testbed directory")
    args = parser.parse_args(argv)
    layout = default_layout()
    if args.action == "status":
        for pid_file in recorded(layout):
            pid = alive(pid_file)
            print(f"{pid_file.name}: {'pid ' + str(pid) if pid else 'not running'}")
        return 0
    if args.action == "down":
        for line in tear_down(layout, purge=args.purge):
            print(line)
        return 0
    reason = unavailable_reason()
    if reason is not None:
        print(f"testbed: {reason}", file=sys.stderr)
        return 2
    try:
        with bring_up_lock(layout):
            bed = bring_up(layout)
    except (TestbedError, PackageError) as exc:
        print(f"testbed: ERROR: {exc}", file=sys.stderr)
        return 1
    print("\n".join(bed.steps))
    print(f"SLURM_CONF={bed.conf}")
    print(f"SLURMRESTD_URL={bed.rest_url}")
    print(f"started: {', '.join(bed.started) or 'nothing (already up)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
