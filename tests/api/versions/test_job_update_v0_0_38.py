"""v0.0.38 job updates as the real 22.05 daemon applied them (found by
tests/slurm/test_differential_v0_0_38.py against the C slurmrestd)."""

from __future__ import annotations

import pytest

from slurmrestd.api.versions.v0_0_38.job_desc import parse_update


@pytest.mark.parametrize("key", ["name", "job_name", "NAME"])
def test_a_new_name_is_accepted_but_not_applied(key: str) -> None:
    # 22.05 answered 200 and kept the job's name; the other fields were applied.
    parsed = parse_update({key: "renamed", "comment": "kept", "time_limit": 20})
    assert parsed.description.given() == {"comment": "kept", "time_limit": 20}


def test_a_name_alone_changes_nothing() -> None:
    assert parse_update({"name": "renamed"}).description.given() == {}
