"""Socket addresses as Slurm packs them (slurm_pack_addr), one or as a list.

An address is a uint16 family, then for IPv4 a uint32 address and a uint16
port, for IPv6 a length-prefixed 16-byte address and a uint16 port, for
AF_UNSPEC nothing. Slurm packs the IPv4 address and the port straight from
the sockaddr, already in network order, through its host-to-network integer
packers (pack32/pack16 in slurm_pack_addr): from the little-endian hosts
Slurm runs on, both arrive with their bytes reversed (127.0.0.1:16901
travels as 01 00 00 7f, 45 42). Only the IPv6 address bytes travel as they
are. Read from the source, not seen live: 22.05 on the testbed sends reply
headers without an origin and allocation replies without node addresses.
"""

from __future__ import annotations

import ipaddress

from slurmrestd.cluster.slurm.protocol.pack import Packer, Unpacker, UnpackError

# Address families as slurm_pack_addr writes them (Linux AF_* numbers).
AF_UNSPEC = 0
AF_INET = 2
AF_INET6 = 10
IPV6_BYTES = 16

# (host, port); None for an unspecified address.
Address = tuple[str, int]


def _swapped16(value: int) -> int:
    return ((value & 0xFF) << 8) | (value >> 8)


def pack_address(packer: Packer, address: Address | None) -> None:
    """Write one address the way a little-endian Slurm host does."""
    if address is None:
        packer.u16(AF_UNSPEC)
        return
    host, port = address
    ip = ipaddress.ip_address(host)
    if ip.version == 4:
        packer.u16(AF_INET).raw(ip.packed[::-1]).u16(_swapped16(port))
    else:
        packer.u16(AF_INET6).u32(IPV6_BYTES).raw(ip.packed).u16(_swapped16(port))


def unpack_address(unpacker: Unpacker) -> Address | None:
    """Read one address; None for AF_UNSPEC.

    Raises:
        UnpackError: short bytes, a bad IPv6 length or an unknown family.
    """
    family = unpacker.u16()
    if family == AF_UNSPEC:
        return None
    if family == AF_INET:
        host = str(ipaddress.IPv4Address(unpacker.raw(4)[::-1]))
    elif family == AF_INET6:
        if unpacker.u32() != IPV6_BYTES:
            raise UnpackError("IPv6 address of the wrong size")
        host = str(ipaddress.IPv6Address(unpacker.raw(IPV6_BYTES)))
    else:
        raise UnpackError(f"address of unknown family {family}")
    return host, _swapped16(unpacker.u16())


def pack_address_list(packer: Packer, addresses: list[Address] | None) -> None:
    """A uint8 "present" flag, then (when present) a uint32 count and the addresses."""
    if not addresses:
        packer.u8(0)
        return
    packer.u8(1).u32(len(addresses))
    for address in addresses:
        pack_address(packer, address)


def unpack_address_list(unpacker: Unpacker) -> list[Address | None]:
    """The list pack_address_list writes; empty when the flag says none follow.

    Raises:
        UnpackError: as unpack_address, or a count that cannot fit the bytes left.
    """
    if not unpacker.u8():
        return []
    count = unpacker.u32()
    if count > unpacker.remaining // 2:  # every address takes at least its family
        raise UnpackError(f"{count} addresses cannot fit in {unpacker.remaining} bytes")
    return [unpack_address(unpacker) for _ in range(count)]
