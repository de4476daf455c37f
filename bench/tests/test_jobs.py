import subprocess
import threading

from bench.jobs import HeldJobs


class FakeBed:
    """Records commands; answers squeue with `held` jobs and sbatch with new ids."""

    def __init__(self, held):
        self.held = held
        self.commands = []
        self.lock = threading.Lock()

    def run(self, argv, **kw):
        with self.lock:
            self.commands.append(list(argv))
            if argv[0] == "squeue":
                out = "".join(f"{i}\n" for i in range(self.held))
            elif argv[0] == "sbatch":
                self.held += 1
                out = f"Submitted batch job {self.held}\n"
            else:
                out = ""
        return subprocess.CompletedProcess(argv, 0, out, "")


def test_top_up_submits_only_the_missing_held_jobs_under_the_fill_name():
    bed = FakeBed(held=7)
    jobs = HeldJobs(bed, "r1")
    assert jobs.top_up(20) == 13
    sbatches = [c for c in bed.commands if c[0] == "sbatch"]
    assert len(sbatches) == 13
    assert all("--hold" in c and c[c.index("-J") + 1] == "bench-r1-fill" for c in sbatches)
    assert jobs.in_controller() == 20


def test_top_up_below_the_current_count_adds_nothing():
    bed = FakeBed(held=50)
    assert HeldJobs(bed, "r1").top_up(10) == 0
    assert not [c for c in bed.commands if c[0] == "sbatch"]


def test_the_target_job_id_is_parsed_from_sbatch():
    assert HeldJobs(FakeBed(held=41), "r1").target() == 42


def test_cleanup_cancels_by_the_run_names_only():
    bed = FakeBed(held=0)
    HeldJobs(bed, "r9").cancel_all()
    assert bed.commands == [
        ["scancel", "--name=bench-r9-fill"],
        ["scancel", "--name=bench-r9-target"],
        ["scancel", "--name=bench-r9-submit"],
    ]


def test_wait_for_purge_stops_once_few_enough_jobs_are_left():
    bed = FakeBed(held=3)
    calls = []
    original = bed.run

    def purging_run(argv, **kw):
        calls.append(argv[0])
        bed.held = max(0, bed.held - 1)  # one job purged per poll
        return original(argv, **kw)

    bed.run = purging_run
    assert HeldJobs(bed, "r1").wait_for_purge(0, timeout_s=5, poll_s=0.01) == 0
    assert calls == ["squeue"] * 3


def test_wait_for_purge_is_bounded():
    bed = FakeBed(held=10)
    assert HeldJobs(bed, "r1").wait_for_purge(0, timeout_s=0.05, poll_s=0.01) == 10
