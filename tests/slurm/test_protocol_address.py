"""Socket addresses as slurm_pack_addr writes them (protocol/address.py).

Bytes computed by hand from slurm_pack_addr on a little-endian host: the
sockaddr's network-order IPv4 address and port go through pack32/pack16, so
they travel byte-reversed; IPv6 address bytes travel as they are.
"""

from __future__ import annotations

import pytest

from slurmrestd.cluster.slurm.protocol.address import (
    pack_address,
    pack_address_list,
    unpack_address,
    unpack_address_list,
)
from slurmrestd.cluster.slurm.protocol.pack import Packer, Unpacker, UnpackError

CASES = [
    (None, "0000"),  # AF_UNSPEC: the family alone
    # AF_INET 127.0.0.1:16901 (0x4205): address 01 00 00 7f, port 05 42
    (("127.0.0.1", 16901), "0002 0100007f 0542"),
    (("10.1.2.3", 6817), "0002 0302010a a11a"),
    # AF_INET6 ::1 port 6817: length 16, the address as is, the port reversed
    (("::1", 6817), "000a 00000010 00000000000000000000000000000001 a11a"),
]


@pytest.mark.parametrize(("address", "wire"), CASES)
def test_an_address_travels_as_a_little_endian_slurm_packs_it(address, wire):
    packer = Packer()
    pack_address(packer, address)
    assert bytes(packer) == bytes.fromhex(wire)
    reader = Unpacker(bytes.fromhex(wire))
    assert unpack_address(reader) == address
    assert reader.remaining == 0


def test_an_address_list_is_flagged_then_counted():
    wire = bytes.fromhex("01 00000002 0002 0100007f 0542 0002 0100007f 0642")
    addresses = [("127.0.0.1", 16901), ("127.0.0.1", 16902)]
    packer = Packer()
    pack_address_list(packer, addresses)
    assert bytes(packer) == wire
    assert unpack_address_list(Unpacker(wire)) == addresses


@pytest.mark.parametrize("empty", [None, []])
def test_no_addresses_is_a_zero_flag_and_nothing_more(empty):
    packer = Packer()
    pack_address_list(packer, empty)
    assert bytes(packer) == b"\x00"
    reader = Unpacker(b"\x00rest")
    assert unpack_address_list(reader) == []
    assert reader.raw(4) == b"rest"


@pytest.mark.parametrize(
    ("read", "wire"),
    [
        (unpack_address, "0007"),  # unknown family
        (unpack_address, "000a 00000004 00000000 0000"),  # IPv6 address of 4 bytes
        (unpack_address, "0002 0100"),  # short IPv4
        (unpack_address_list, "01 7fffffff 0000"),  # more addresses than bytes left
    ],
)
def test_bad_addresses_are_refused(read, wire):
    with pytest.raises(UnpackError):
        read(Unpacker(bytes.fromhex(wire)))
