"""The header that leads every Slurm message, and the length-prefixed frame.

On the wire a message is: uint32 length of what follows, header, credential,
body (slurm_send_node_msg). Since 22.05 the header is: version, flags,
msg_type, body_length, forward count (+ forward data), return count (+ list),
origin address. This client never forwards and never asks for return lists,
so it writes zero counts and an unspecified origin address, and refuses a
reply that carries either (they only occur between daemons).
"""

from __future__ import annotations

from dataclasses import dataclass

from slurmrestd.cluster.slurm.protocol.address import pack_address, unpack_address
from slurmrestd.cluster.slurm.protocol.pack import Packer, Unpacker, UnpackError


@dataclass(frozen=True, slots=True)
class Header:
    version: int
    msg_type: int
    body_length: int
    flags: int = 0


def pack_header(header: Header) -> bytes:
    """The header bytes of a request (no forwarding, no return list, no origin)."""
    packer = Packer()
    packer.u16(header.version).u16(header.flags).u16(header.msg_type)
    packer.u32(header.body_length)
    packer.u16(0)  # forward count
    packer.u16(0)  # return-list count
    pack_address(packer, None)  # origin address: unspecified, so nothing follows
    return bytes(packer)


def unpack_header(unpacker: Unpacker) -> Header:
    """Read a header, skipping the origin address.

    Raises:
        UnpackError: short bytes, or a forward/return list a client cannot take.
    """
    version, flags, msg_type = unpacker.u16(), unpacker.u16(), unpacker.u16()
    body_length = unpacker.u32()
    if unpacker.u16():
        raise UnpackError("reply asks to be forwarded")
    if unpacker.u16():
        raise UnpackError("reply carries a return list")
    unpack_address(unpacker)  # the origin: of no use to a client
    return Header(version=version, msg_type=msg_type, body_length=body_length, flags=flags)


def frame(*parts: bytes) -> bytes:
    """Join message parts behind the uint32 length prefix the receiver reads first."""
    payload = b"".join(parts)
    return bytes(Packer().u32(len(payload)).raw(payload))
