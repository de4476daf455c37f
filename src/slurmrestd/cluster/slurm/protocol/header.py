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

from slurmrestd.cluster.slurm.protocol.pack import Packer, Unpacker, UnpackError

# Address families as slurm_pack_addr writes them (Linux AF_* numbers).
AF_UNSPEC = 0
AF_INET = 2
AF_INET6 = 10
IPV6_BYTES = 16


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
    packer.u16(AF_UNSPEC)  # origin address: unspecified, so nothing follows
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
    _skip_address(unpacker)
    return Header(version=version, msg_type=msg_type, body_length=body_length, flags=flags)


def _skip_address(unpacker: Unpacker) -> None:
    family = unpacker.u16()
    if family == AF_INET:
        unpacker.u32()
        unpacker.u16()
    elif family == AF_INET6:
        if unpacker.u32() != IPV6_BYTES:
            raise UnpackError("IPv6 origin address of the wrong size")
        unpacker.raw(IPV6_BYTES)
        unpacker.u16()
    elif family != AF_UNSPEC:
        raise UnpackError(f"origin address of unknown family {family}")


def frame(*parts: bytes) -> bytes:
    """Join message parts behind the uint32 length prefix the receiver reads first."""
    payload = b"".join(parts)
    return bytes(Packer().u32(len(payload)).raw(payload))
