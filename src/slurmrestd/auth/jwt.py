"""The rest_auth/jwt plugin: who a request acts as, from its JSON Web Token.

This module owns the header rules of upstream `plugins/auth/jwt/jwt.c`
(X-SLURM-USER-TOKEN, X-SLURM-USER-NAME, and `Authorization: Bearer` since
23.02) and the "authenticating proxy" rule of auth/jwt. The token itself is
checked by `auth.tokens`; unlike upstream, a bad token is refused here with a
reason instead of failing later at slurmctld with an opaque 500.
"""

from __future__ import annotations

import pwd

from slurmrestd.auth.base import AuthContext, AuthRejected, Identity
from slurmrestd.auth.tokens import KeyConfigError, TokenError, TokenValidator
from slurmrestd.auth.users import USERS
from slurmrestd.http.message import HttpRequest, PeerInfo
from slurmrestd.slurmconf import parse_parameters

NAME = "rest_auth/jwt"

_TOKEN_HEADER = "X-SLURM-USER-TOKEN"
_USER_HEADER = "X-SLURM-USER-NAME"
_NO_KEYS = "rest_auth/jwt needs AuthAltParameters=jwt_key= or jwks= in slurm.conf"


class JwtAuth:
    """Accepts requests that carry a valid Slurm JWT."""

    name = NAME

    def __init__(self, context: AuthContext, validator: TokenValidator | None = None) -> None:
        """Raises: KeyConfigError when no usable key is configured."""
        self._context = context
        self._validator = validator or _validator_for(context)

    def authenticate(self, request: HttpRequest, peer: PeerInfo) -> Identity | None:
        """Identity of the token's user (or of the user it proxies for), or None."""
        headers = request.headers
        token_values = headers.get_all(_TOKEN_HEADER)
        bearer_values = [
            cred
            for scheme, cred in map(_split_authorization, headers.get_all("Authorization"))
            if scheme == "bearer"
        ]
        # A user name alone, or another Authorization scheme, is not ours (23.02+).
        if not token_values and not bearer_values:
            return None
        if token_values and bearer_values:
            raise AuthRejected(
                "X-SLURM-USER-TOKEN and Authorization: Bearer are mutually exclusive"
            )
        values = token_values or bearer_values
        if len(values) > 1:
            raise AuthRejected("more than one token given")
        token = values[0].strip()

        try:
            claims = self._validator.validate(token)
        except TokenError as exc:
            raise AuthRejected(exc.reason) from None

        token_user = _lookup(claims.user_name)
        wanted = (headers.get(_USER_HEADER) or "").strip()
        if not wanted or wanted == token_user.pw_name:
            user = token_user
        elif self._may_proxy(token_user):
            user = _lookup(wanted)
        else:
            raise AuthRejected(
                f"token for user {token_user.pw_name} cannot act as user {_printable(wanted)}"
            )
        return Identity(
            user_name=user.pw_name,
            uid=user.pw_uid,
            gid=user.pw_gid,
            auth_type=NAME,
            token=token,
        )

    def reload(self, context: AuthContext) -> None:
        """Re-read the keys (SIGHUP); keep the old ones on failure. Raises: KeyConfigError."""
        if context.auth_alt_parameters == self._context.auth_alt_parameters:
            self._validator.reload()
        else:
            self._validator = _validator_for(context)
        self._context = context

    def _may_proxy(self, token_user: pwd.struct_passwd) -> bool:
        # auth/jwt compares uids: root (uid 0) or SlurmUser may act as anyone.
        if token_user.pw_uid == 0:
            return True
        slurm_user = self._context.slurm_user
        if not slurm_user:
            return False
        try:
            return USERS.by_name(slurm_user).pw_uid == token_user.pw_uid
        except (KeyError, ValueError):
            return False


def _lookup(user_name: str) -> pwd.struct_passwd:
    try:
        return USERS.by_name(user_name)
    except (KeyError, ValueError):  # ValueError: an embedded NUL byte
        raise AuthRejected(f"unknown user name {_printable(user_name)}") from None


def _printable(text: str, limit: int = 64) -> str:
    """A client-supplied name made safe for a reason text and a log line."""
    return "".join(c if c.isprintable() else "?" for c in text[:limit])


def _split_authorization(value: str) -> tuple[str, str]:
    """(lower-case scheme, credentials) of an Authorization value (RFC 9110 §11.6.2)."""
    scheme, _, credentials = value.strip().partition(" ")
    return scheme.lower(), credentials


def _validator_for(context: AuthContext) -> TokenValidator:
    params = parse_parameters(context.auth_alt_parameters)
    if not params.get("jwt_key") and not params.get("jwks"):
        raise KeyConfigError(_NO_KEYS)
    return TokenValidator.from_auth_alt_parameters(params)
