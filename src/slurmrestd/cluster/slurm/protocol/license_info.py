"""RESPONSE_LICENSE_INFO -> LicenseSnapshot, in the order the controller sent.

The reply is a head (record count, the controller's clock) and then that many
license records, each a row table of the protocol version. The order is kept:
it is what the C slurmrestd shows (it lists lic_array as unpacked), in 22.05
and in the data_parser versions alike. Counters a release does not send (the
remote-license ones before 23.02) stay at the model's zero.
"""

from __future__ import annotations

from typing import Any

from slurmrestd.cluster.slurm.protocol.layout import Layout, unpack_fields
from slurmrestd.cluster.slurm.protocol.pack import Unpacker, UnpackError
from slurmrestd.model.license import License, LicenseSnapshot

# The smallest record: its name's length word (a NULL name), whatever follows.
_MIN_RECORD_BYTES = 4


def _license(row: dict[str, Any]) -> License:
    return License(
        name=row["name"] or "",
        total=row["total"],
        used=row["in_use"],
        reserved=row["reserved"],
        remote=bool(row["remote"]),
        last_consumed=row.get("last_consumed", 0),
        last_deficit=row.get("last_deficit", 0),
        last_update=row.get("last_update", 0),
    )


def read_license_info(head: Layout, record: Layout, body: Unpacker) -> LicenseSnapshot:
    """The licenses of one reply body, laid out by `head` then `record` rows.

    Raises:
        UnpackError: the body is short, or holds more records than it can fit.
    """
    fields = unpack_fields(head, body)
    count = fields["num_lic"]
    if count > body.remaining // _MIN_RECORD_BYTES:
        raise UnpackError(f"{count} licenses cannot fit in {body.remaining} bytes")
    licenses = tuple(_license(unpack_fields(record, body)) for _ in range(count))
    return LicenseSnapshot(licenses, fields["last_update"])
