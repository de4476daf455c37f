"""Message framing, header and auth/jwt credential, byte for byte (22.05 layout).

The fixtures are computed by hand from Slurm 22.05's pack_header, slurm_pack_addr,
auth_g_pack and auth/jwt's auth_p_pack: length prefix, header (version, flags,
type, body length, forward count, return count, address family), then the
credential (plugin id 102, token, user name), then the body.
"""

from __future__ import annotations

import pytest

from slurmrestd.cluster.slurm.protocol.auth import JwtCredential, skip_credential
from slurmrestd.cluster.slurm.protocol.header import (
    Header,
    frame,
    pack_header,
    unpack_header,
)
from slurmrestd.cluster.slurm.protocol.pack import Packer, Unpacker, UnpackError

PING_HEADER = bytes.fromhex(
    "2600"  # version: SLURM_22_05_PROTOCOL_VERSION (38 << 8)
    "0000"  # flags
    "03f0"  # msg_type: REQUEST_PING (1008)
    "00000000"  # body_length
    "0000"  # forward count
    "0000"  # return-list count
    "0000"  # origin address family: AF_UNSPEC
)
CREDENTIAL = bytes.fromhex("0000006600000004") + b"tok\0" + bytes.fromhex("00000003") + b"al\0"


def test_ping_request_matches_the_hand_computed_bytes():
    header = pack_header(Header(version=0x2600, msg_type=1008, body_length=0))
    credential = JwtCredential("tok", "al").pack()
    assert header == PING_HEADER
    assert credential == CREDENTIAL
    assert frame(header, credential) == bytes.fromhex("00000023") + PING_HEADER + CREDENTIAL


def test_credential_without_user_name_packs_a_null_string():
    assert (
        JwtCredential("t", None).pack() == bytes.fromhex("00000066 00000002") + b"t\0" + b"\0" * 4
    )


def test_token_never_shows_in_the_credentials_repr():
    assert "secret" not in repr(JwtCredential("secret", "alice"))


def test_header_reads_back_what_was_packed():
    packed = pack_header(Header(version=0x2600, msg_type=4004, body_length=16, flags=3))
    reader = Unpacker(packed)
    assert unpack_header(reader) == Header(version=0x2600, msg_type=4004, body_length=16, flags=3)
    assert reader.remaining == 0


def _reply_header(address: bytes, forward: int = 0, returns: int = 0) -> bytes:
    fixed = Packer().u16(0x2600).u16(0).u16(8001).u32(4).u16(forward).u16(returns)
    return bytes(fixed) + address


@pytest.mark.parametrize(
    "address",
    [
        bytes.fromhex("0002 7f000001 4221"),  # AF_INET: address and port
        bytes.fromhex("000a 00000010") + bytes(16) + bytes.fromhex("4221"),  # AF_INET6
    ],
)
def test_reply_header_skips_an_origin_address(address):
    reader = Unpacker(_reply_header(address) + b"tail")
    assert unpack_header(reader).msg_type == 8001
    assert reader.raw(4) == b"tail"


@pytest.mark.parametrize(
    "data",
    [
        _reply_header(b"\x00\x00", forward=1),
        _reply_header(b"\x00\x00", returns=1),
        _reply_header(b"\x00\x07"),  # unknown address family
        _reply_header(bytes.fromhex("000a 00000004 00000000 0000")),  # short IPv6
    ],
)
def test_reply_headers_a_client_cannot_take_are_refused(data):
    with pytest.raises(UnpackError):
        unpack_header(Unpacker(data))


@pytest.mark.parametrize(
    ("credential", "plugin"),
    [
        (bytes.fromhex("00000066 00000000 00000000"), 102),  # auth/jwt: token, user
        (bytes.fromhex("00000065 00000002") + b"m\0", 101),  # auth/munge: one string
    ],
)
def test_reply_credentials_are_read_past(credential, plugin):
    reader = Unpacker(credential + b"body")
    assert skip_credential(reader) == plugin
    assert reader.raw(4) == b"body"


def test_unknown_credential_plugin_is_refused():
    with pytest.raises(UnpackError, match="auth plugin 7"):
        skip_credential(Unpacker(bytes.fromhex("00000007")))
