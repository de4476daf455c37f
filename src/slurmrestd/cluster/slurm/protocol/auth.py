"""Credentials as slurm_auth packs them: a uint32 plugin id, then the plugin's data.

auth/jwt packs two strings: the token and a user name. slurmctld checks the
token's signature and expiry; when the name differs from the token's own user
only a token of root or SlurmUser may speak for it. The credential on a reply
is not checked by clients (Slurm's own clients skip it too), only read past.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slurmrestd.cluster.slurm.protocol.pack import Packer, Unpacker, UnpackError
from slurmrestd.cluster.slurm.protocol.wire import AuthPlugin


@dataclass(frozen=True, slots=True)
class JwtCredential:
    token: str | None = field(repr=False)  # a bearer secret: keep it out of logs
    user_name: str | None

    def pack(self) -> bytes:
        packer = Packer().u32(AuthPlugin.JWT)
        packer.string(self.token).string(self.user_name)
        return bytes(packer)


# Number of strings each plugin's credential holds on the wire.
_CREDENTIAL_STRINGS = {AuthPlugin.JWT: 2, AuthPlugin.MUNGE: 1}


def skip_credential(unpacker: Unpacker) -> int:
    """Read past a reply's credential; returns its plugin id.

    Raises:
        UnpackError: a plugin id this client does not know how to read past.
    """
    plugin_id = unpacker.u32()
    strings = _CREDENTIAL_STRINGS.get(plugin_id)  # type: ignore[call-overload]
    if strings is None:
        raise UnpackError(f"credential of unknown auth plugin {plugin_id}")
    for _ in range(strings):
        unpacker.string()
    return plugin_id
