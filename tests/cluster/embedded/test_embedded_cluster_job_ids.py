"""EmbeddedCluster.kill_jobs: ids that are no job ids report 2017 with job id 0.

"¹" is a digit to str.isdigit() but not to int(); an id beyond uint32 must not
travel on as a number (the serializers take 64 bits at most).
"""

from __future__ import annotations

import os
import pwd

import pytest

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.embedded import EmbeddedCluster
from slurmrestd.cluster.errors import Errno
from slurmrestd.model.job_control import KillJobsFilter

ME = Identity(pwd.getpwuid(os.getuid()).pw_name, os.getuid(), os.getgid(), "test")


@pytest.fixture
def cluster(tmp_path):
    made = EmbeddedCluster(state_dir=tmp_path / "state")
    yield made
    made.close()


def test_ids_that_are_no_job_ids_are_reported_as_invalid(cluster):
    named = ("\u00b9", "99999999999999999999999", "4294967296", "4294967295_1", "12+0")
    outcomes = cluster.kill_jobs(ME, KillJobsFilter(jobs=named))
    assert [(o.job_id, o.errno) for o in outcomes] == [
        (0, Errno.INVALID_JOB_ID),
        (0, Errno.INVALID_JOB_ID),
        (0, Errno.INVALID_JOB_ID),
        (4294967295, Errno.INVALID_JOB_ID),
        (12, Errno.INVALID_JOB_ID),
    ]
