#!/bin/sh
# Stop every daemon the testbed harness started; --purge also deletes its directory.
cd "$(dirname "$0")/../.." && exec "${PYTHON:-python3}" -m slurm.testbed down "$@"
