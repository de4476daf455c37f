#!/bin/sh
# Bring the real Slurm 22.05 testbed up (root; installs Debian packages if missing).
cd "$(dirname "$0")/../.." && exec "${PYTHON:-python3}" -m slurm.testbed up "$@"
