import fcntl
import os

from bench import testbed_claim
from slurm.testbed import Layout


def test_nobody_uses_a_testbed_without_a_lock_file(tmp_path):
    assert not testbed_claim.others_using(Layout(tmp_path))


def test_a_shared_claim_of_another_session_is_seen(tmp_path):
    layout = Layout(tmp_path)
    fd = os.open(tmp_path / ".sessions.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        assert testbed_claim.others_using(layout)
        assert not testbed_claim.wait_until_alone(layout, 0, say=lambda _: None)
    finally:
        os.close(fd)
    assert not testbed_claim.others_using(layout)  # and the check itself leaves no lock
    assert testbed_claim.wait_until_alone(layout, 0, say=lambda _: None)
