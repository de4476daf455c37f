"""REQUEST_LICENSE_INFO / RESPONSE_LICENSE_INFO tables and the reply reader.

Bytes are written out by hand from _pack_license_info_request_msg and
_unpack_license_info_msg; the 22.05 reply is the one the testbed's slurmctld
sent with a job holding fluent:3 and a reservation holding matlab:1.
"""

from __future__ import annotations

import pytest

from slurmrestd.cluster.slurm.protocol import messages_2205, messages_2302
from slurmrestd.cluster.slurm.protocol.layout import pack_fields
from slurmrestd.cluster.slurm.protocol.license_info import read_license_info
from slurmrestd.cluster.slurm.protocol.pack import Unpacker, UnpackError
from slurmrestd.cluster.slurm.protocol.versions import protocol_for
from slurmrestd.cluster.slurm.protocol.wire import MessageType
from slurmrestd.model.license import License, LicenseSnapshot

REPLY_2205 = bytes.fromhex(
    "00000002"  # num_lic
    "000000006b01351c"  # last_update: the controller's clock
    "00000007" "6d61746c616200"  # "matlab" (Licenses=fluent:30,matlab:2, pushed to the front)
    "00000002" "00000000" "00000001" "00"  # total 2, in use 0, reserved 1, local
    "00000007" "666c75656e7400"  # "fluent"
    "0000001e" "00000003" "00000000" "00"  # total 30, in use 3, reserved 0, local
)  # fmt: skip

REPLY_2302 = bytes.fromhex(
    "00000001"  # num_lic
    "0000000065000000"  # last_update
    "0000000a" "616e7379734064627300"  # "ansys@dbs"
    "00000064" "0000000a" "00000005" "01"  # total 100, in use 10, reserved 5, remote
    "0000001e" "00000002"  # last_consumed 30, last_deficit 2
    "0000000064ffff00"  # last_update of this license
)  # fmt: skip


def test_the_message_numbers_are_slurms():
    assert (MessageType.REQUEST_LICENSE_INFO, MessageType.RESPONSE_LICENSE_INFO) == (1021, 1022)


@pytest.mark.parametrize("number", [38 << 8, 39 << 8])
def test_the_request_asks_for_every_license(number):
    request = protocol_for(number).license_request
    assert pack_fields(request, {}) == bytes.fromhex("0000000000000000" "0000")  # fmt: skip


def test_a_2205_reply_reads_in_the_controllers_order():
    body = Unpacker(REPLY_2205)
    snapshot = read_license_info(messages_2205.LICENSE_INFO, messages_2205.LICENSE, body)
    assert snapshot == LicenseSnapshot(
        (
            License("matlab", total=2, used=0, reserved=1),
            License("fluent", total=30, used=3, reserved=0),
        ),
        0x6B01351C,
    )
    assert body.remaining == 0


def test_a_2302_record_carries_the_remote_counters():
    protocol = protocol_for(39 << 8)
    body = Unpacker(REPLY_2302)
    snapshot = read_license_info(protocol.license_info, protocol.license, body)
    assert snapshot.licenses == (
        License(
            "ansys@dbs",
            total=100,
            used=10,
            reserved=5,
            remote=True,
            last_consumed=30,
            last_deficit=2,
            last_update=0x64FFFF00,
        ),
    )
    assert (snapshot.last_update, body.remaining) == (0x65000000, 0)


def test_2302_license_is_2205s_plus_three_counters_after_remote():
    old = [f.name for f in messages_2205.LICENSE]
    new = [f.name for f in messages_2302.LICENSE]
    assert new == [*old, "last_consumed", "last_deficit", "last_update"]
    assert protocol_for(38 << 8).license is messages_2205.LICENSE


def test_no_licenses_is_an_empty_snapshot():
    body = Unpacker(bytes.fromhex("00000000" "0000000000000001"))  # fmt: skip
    snapshot = read_license_info(messages_2205.LICENSE_INFO, messages_2205.LICENSE, body)
    assert snapshot == LicenseSnapshot((), 1)


@pytest.mark.parametrize(
    "body",
    [
        REPLY_2205[:-3],  # the last record cut short
        bytes.fromhex("ffffffff000000000000000100000000"),  # a count that cannot fit
    ],
)
def test_a_short_or_overcounted_reply_is_refused(body):
    with pytest.raises(UnpackError):
        read_license_info(messages_2205.LICENSE_INFO, messages_2205.LICENSE, Unpacker(body))
