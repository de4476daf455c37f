"""accounting.codec: records to JSON text and back, rebuilt from the field types."""

from __future__ import annotations

import orjson
import pytest

from slurmrestd.api.numbers import INFINITE
from slurmrestd.cluster.accounting import JobChanges
from slurmrestd.cluster.embedded.accounting import codec
from slurmrestd.model.accounting import QOS, AccountingUsage, Association, Cluster, Tres


def round_trip(record):
    return codec.loads(type(record), codec.dumps(record))


def test_optional_tuple_of_records_is_rebuilt():
    changes = JobChanges(comment_job="x", tres_allocated=(Tres("cpu", count=2), Tres("mem")))
    back = round_trip(changes)
    assert back == changes
    assert all(isinstance(t, Tres) for t in back.tres_allocated)


def test_optional_tuple_left_unset_stays_none():
    assert round_trip(JobChanges(extra="e")).tres_allocated is None


@pytest.mark.parametrize(
    "record",
    [
        QOS("q", description="INFINITE"),
        Cluster("c", select_plugin="INFINITE"),
        JobChanges(extra="INFINITE", wckey="INFINITE"),
        Association(account="INFINITE", comment="INFINITE"),
        QOS("q", flags=("INFINITE",)),
        QOS("q", grp_tres=(Tres("INFINITE", name="INFINITE"),)),
    ],
    ids=["qos-description", "cluster-select", "job-extra", "assoc-texts", "flags", "tres-type"],
)
def test_text_infinite_reads_back_as_text(record):
    assert round_trip(record) == record


def test_numbers_keep_the_infinity_marker():
    qos = QOS("q", grp_jobs=INFINITE, max_wall_per_job=INFINITE, priority=5)
    stored = orjson.loads(codec.dumps(qos))
    assert stored["grp_jobs"] == "INFINITE"  # JSON has no infinity
    assert round_trip(qos) == qos


def test_nested_optional_record_and_tuple_of_records():
    assoc = Association(account="a", accounting=(AccountingUsage(id=1, tres=Tres("cpu", count=3)),))
    back = round_trip(assoc)
    assert back == assoc and isinstance(back.accounting[0].tres, Tres)
