import sys
from pathlib import Path

# bench/testbed_claim.py and bench/jobs.py use the testbed package in tests/.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
