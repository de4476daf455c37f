#!/usr/bin/env bash
# Install the test dependencies into a virtualenv and run the whole test suite.
#   scripts/test.sh [pytest args...]
# As root (as in CI) the virtualenv lives outside any home directory and is made
# from the system Python, because the daemon under test drops to an
# unprivileged user that must still be able to read its interpreter and code.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then
  VENV=${SLURMRESTD_TEST_VENV:-/opt/slurmrestd-test-venv}
  PYTHON=${PYTHON:-/usr/bin/python3}
else
  VENV=${SLURMRESTD_TEST_VENV:-.venv}
  PYTHON=${PYTHON:-python3}
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
# A regular (non-editable) install: the daemon's user may not be able to read this checkout.
"$VENV/bin/python" -m pip install -q --force-reinstall --no-deps . >/dev/null
"$VENV/bin/python" -m pip install -q ".[test]" >/dev/null
"$VENV/bin/ruff" check src tests tools
exec "$VENV/bin/python" -m pytest -q "$@"
