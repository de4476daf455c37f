"""Slurm's byte encoding: big-endian integers and length-prefixed strings.

Packer writes, Unpacker reads; both know only the primitive types of Slurm's
pack.c (pack8/16/32/64, packbool, pack_time, packstr, packstr_array,
pack16_array, pack32_array), never a message. A string is a uint32 length
that counts the trailing NUL, the bytes, then the NUL; None is a zero length.
A number array is a uint32 count, then the numbers.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

# Strings longer than this are refused on read: Slurm's own cap (MAX_PACK_MEM_LEN).
MAX_STRING = 1 << 30

_U8 = struct.Struct(">B")
_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")


class UnpackError(ValueError):
    """Bytes that do not hold what the reader expects (short, or bad lengths)."""


class Packer:
    """Accumulates packed values; `bytes()` gives the result."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._size = 0

    def __bytes__(self) -> bytes:
        return b"".join(self._parts)

    def __len__(self) -> int:
        return self._size

    def raw(self, data: bytes) -> Packer:
        self._parts.append(data)
        self._size += len(data)
        return self

    def u8(self, value: int) -> Packer:
        return self.raw(_U8.pack(value))

    def u16(self, value: int) -> Packer:
        return self.raw(_U16.pack(value))

    def u32(self, value: int) -> Packer:
        return self.raw(_U32.pack(value))

    def u64(self, value: int) -> Packer:
        return self.raw(_U64.pack(value))

    def boolean(self, value: bool) -> Packer:
        return self.u8(1 if value else 0)

    def time(self, value: int) -> Packer:
        # time_t travels as 64 bits whatever the platform's width.
        return self.u64(value)

    def string(self, value: str | None) -> Packer:
        if value is None:
            return self.u32(0)
        data = value.encode() + b"\0"
        return self.u32(len(data)).raw(data)

    def string_array(self, values: Sequence[str] | None) -> Packer:
        items = values or ()
        self.u32(len(items))
        for item in items:
            self.string(item)
        return self

    def u16_array(self, values: Sequence[int] | None) -> Packer:
        items = values or ()
        self.u32(len(items))
        for item in items:
            self.u16(item)
        return self

    def u32_array(self, values: Sequence[int] | None) -> Packer:
        items = values or ()
        self.u32(len(items))
        for item in items:
            self.u32(item)
        return self


class Unpacker:
    """Reads packed values from `data` in order.

    Raises:
        UnpackError: from every read that runs past the end or finds a bad length.
    """

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self.offset = 0

    @property
    def remaining(self) -> int:
        return len(self._data) - self.offset

    def raw(self, size: int) -> bytes:
        if size < 0 or size > self.remaining:
            raise UnpackError(f"need {size} bytes at offset {self.offset}, have {self.remaining}")
        chunk = bytes(self._data[self.offset : self.offset + size])
        self.offset += size
        return chunk

    def _int(self, fmt: struct.Struct) -> int:
        value: int = fmt.unpack(self.raw(fmt.size))[0]
        return value

    def u8(self) -> int:
        return self._int(_U8)

    def u16(self) -> int:
        return self._int(_U16)

    def u32(self) -> int:
        return self._int(_U32)

    def u64(self) -> int:
        return self._int(_U64)

    def boolean(self) -> bool:
        return self.u8() != 0

    def time(self) -> int:
        return self.u64()

    def string(self) -> str | None:
        size = self.u32()
        if size == 0:
            return None
        if size > MAX_STRING:
            raise UnpackError(f"string of {size} bytes at offset {self.offset - 4}")
        data = self.raw(size)
        if data[-1:] != b"\0":
            raise UnpackError(f"string at offset {self.offset - size} lacks its NUL")
        return data[:-1].decode(errors="replace")

    def string_array(self) -> list[str | None]:
        count = self.u32()
        if count > self.remaining // 4:
            raise UnpackError(f"array of {count} strings cannot fit in {self.remaining} bytes")
        return [self.string() for _ in range(count)]

    def _array(self, fmt: struct.Struct) -> list[int]:
        count = self.u32()
        if count > self.remaining // fmt.size:
            raise UnpackError(f"array of {count} numbers cannot fit in {self.remaining} bytes")
        return [self._int(fmt) for _ in range(count)]

    def u16_array(self) -> list[int]:
        return self._array(_U16)

    def u32_array(self) -> list[int]:
        return self._array(_U32)
