"""Slurm's byte encoding (protocol/pack.py): integers, strings, arrays, and bad input."""

from __future__ import annotations

import pytest

from slurmrestd.cluster.slurm.protocol.pack import Packer, Unpacker, UnpackError


@pytest.mark.parametrize(
    ("method", "value", "encoded"),
    [
        ("u8", 0xFE, b"\xfe"),
        ("u16", 0x2600, b"\x26\x00"),
        ("u32", 0xFFFFFFFE, b"\xff\xff\xff\xfe"),
        ("u64", 0x8000000000000064, b"\x80\x00\x00\x00\x00\x00\x00\x64"),
        ("boolean", True, b"\x01"),
        ("boolean", False, b"\x00"),
        ("time", 1893456000, b"\x00\x00\x00\x00\x70\xdb\xd8\x80"),
        # length counts the NUL; None is a bare zero length
        ("string", "hi", b"\x00\x00\x00\x03hi\x00"),
        ("string", "", b"\x00\x00\x00\x01\x00"),
        ("string", None, b"\x00\x00\x00\x00"),
        ("string", "é", b"\x00\x00\x00\x03\xc3\xa9\x00"),
        (
            "string_array",
            ["A=1", "B"],
            b"\x00\x00\x00\x02\x00\x00\x00\x04A=1\x00\x00\x00\x00\x02B\x00",
        ),
        ("string_array", None, b"\x00\x00\x00\x00"),
        # number arrays: a uint32 count, then the numbers at their width
        ("u16_array", [2, 0xFFFE], b"\x00\x00\x00\x02\x00\x02\xff\xfe"),
        ("u32_array", [3], b"\x00\x00\x00\x01\x00\x00\x00\x03"),
        ("u32_array", [], b"\x00\x00\x00\x00"),
    ],
)
def test_each_primitive_has_slurms_big_endian_encoding(method, value, encoded):
    packer = getattr(Packer(), method)(value)
    assert bytes(packer) == encoded
    assert len(packer) == len(encoded)
    reader = Unpacker(encoded)
    back = getattr(reader, method)()
    assert back == ([] if method == "string_array" and value is None else value)
    assert reader.remaining == 0


def test_values_read_back_in_the_order_written():
    data = bytes(Packer().u16(7).string("x").u64(2**64 - 1).string(None).u32(5))
    reader = Unpacker(data)
    assert [reader.u16(), reader.string(), reader.u64(), reader.string(), reader.u32()] == [
        7,
        "x",
        2**64 - 1,
        None,
        5,
    ]


@pytest.mark.parametrize(
    ("data", "read"),
    [
        (b"\x00", "u16"),  # short integer
        (b"\x00\x00\x00\x05ab", "string"),  # length beyond the data
        (b"\x00\x00\x00\x02ab", "string"),  # no terminating NUL
        (b"\x7f\xff\xff\xff", "string_array"),  # count that cannot fit
        (b"\x00\x00\x00\x02\x00\x01\x00", "u16_array"),  # two numbers, three bytes
        (b"\x00\x00\x00\x01\x00\x00\x00", "u32_array"),
    ],
)
def test_truncated_or_inconsistent_bytes_raise_unpack_error(data, read):
    with pytest.raises(UnpackError):
        getattr(Unpacker(data), read)()


def test_a_failed_read_names_the_offset():
    reader = Unpacker(b"\x00\x01\x02")
    reader.u16()
    with pytest.raises(UnpackError, match="offset 2"):
        reader.u32()
