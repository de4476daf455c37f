"""Local validation of Slurm JSON Web Tokens: keys, signatures, claims.

This module owns the token rules of Slurm's auth/jwt (HS256 with the raw bytes
of `jwt_key=`, asymmetric algorithms with the keys of `jwks=`, `exp` required,
user name from `sun`, `username` or `userclaimfield=`) and the loading of the
key files. Upstream slurmrestd forwards tokens unchecked and lets slurmctld
decide; we decide here, before anything reaches a backend. It knows nothing of
HTTP; cryptography and base64 are left to PyJWT.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import jwt

log = logging.getLogger(__name__)

# Slurm's own tokens (`scontrol token`) are ~200 bytes and IdP tokens a few KiB;
# anything near the HTTP header limit is abuse, not a credential.
MAX_TOKEN_LENGTH = 16 * 1024
# Verified tokens remembered (see TokenValidator._verified): one per active client is plenty.
VERIFIED_CACHE_SIZE = 4096
MAX_HS256_KEY_SIZE = 64 * 1024
MAX_JWKS_SIZE = 1024 * 1024

# auth/jwt refuses an HS256 key with any "other" bits (anyone who can read it
# can mint root tokens) and a JWKS file writable by others; we also refuse
# group-writable files.
_HS256_BAD_MODE = stat.S_IWGRP | stat.S_IRWXO
_JWKS_BAD_MODE = stat.S_IWGRP | stat.S_IWOTH

_RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
_EC_ALGORITHMS = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
ASYMMETRIC_ALGORITHMS = _RSA_ALGORITHMS | frozenset(_EC_ALGORITHMS.values())

# RFC 7515 §7.1 compact serialisation: three base64url parts, no padding. The
# signature may be empty only so that `alg: none` gets its own clear reason.
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*", re.ASCII)

# Time claims are checked below against the injected clock; `aud`/`iss` are
# ignored as in Slurm, which accepts IdP tokens issued for other audiences.
_DECODE_OPTIONS: Any = {
    "verify_signature": True,
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
    "verify_sub": False,
    "verify_jti": False,
    "enforce_minimum_key_length": True,
}


class TokenError(Exception):
    """A token is refused; `reason` is short, stable text for the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeyConfigError(Exception):
    """The configured key files cannot be used."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a valid token says."""

    user_name: str
    expires: int | None
    issued_at: int | None
    claims: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Jwk:
    kid: str | None
    algorithms: frozenset[str]
    key: Any  # a cryptography public key


@dataclass(frozen=True, slots=True)
class _KeySet:
    hs256: bytes | None
    jwks: tuple[_Jwk, ...]


class TokenValidator:
    """Checks tokens against the keys named in AuthAltParameters."""

    def __init__(
        self,
        *,
        hs256_key_path: str | None = None,
        jwks_path: str | None = None,
        user_claim_field: str | None = None,
        clock: Callable[[], float] = time.time,
        leeway: int = 0,
    ) -> None:
        """Load the keys now. Raises: KeyConfigError."""
        if not hs256_key_path and not jwks_path:
            raise KeyConfigError("no JWT key configured (jwt_key= or jwks=)")
        self._hs256_key_path = hs256_key_path
        self._jwks_path = jwks_path
        self._user_fields = tuple(
            dict.fromkeys(f for f in ("sun", "username", user_claim_field) if f)
        )
        self._clock = clock
        self._leeway = leeway
        self._keys = self._load()
        # Payloads of tokens whose signature was verified with the current keys. A client
        # sends the same token on every request; verifying it again each time costs more
        # than the rest of a small request. Time claims are still checked on every use.
        self._verified: dict[str, dict[str, Any]] = {}

    @classmethod
    def from_auth_alt_parameters(cls, params: Mapping[str, str], **kw: Any) -> TokenValidator:
        """Build from parsed AuthAltParameters. Raises: KeyConfigError."""
        return cls(
            hs256_key_path=params.get("jwt_key") or None,
            jwks_path=params.get("jwks") or None,
            user_claim_field=params.get("userclaimfield") or None,
            **kw,
        )

    def reload(self) -> None:
        """Re-read the key files; keep the old keys on failure. Raises: KeyConfigError."""
        self._keys = self._load()
        self._verified = {}  # signatures were checked against keys that may be gone

    def validate(self, token: str) -> TokenClaims:
        """Claims of a token that passes every check. Raises: TokenError."""
        keys = self._keys  # one snapshot, whatever a concurrent reload does
        verified = self._verified
        payload = verified.get(token) if isinstance(token, str) else None
        if payload is not None:
            return self._claims(payload)
        if not isinstance(token, str):
            raise TokenError("malformed token")
        if len(token) > MAX_TOKEN_LENGTH:
            raise TokenError("token too large")
        if not _COMPACT_JWS.fullmatch(token):
            raise TokenError("malformed token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise TokenError("malformed token") from None
        alg = header.get("alg")
        if not isinstance(alg, str) or not alg:
            raise TokenError("token has no algorithm (alg)")
        if alg.lower() == "none":
            raise TokenError("token algorithm 'none' not allowed")
        key = _select_key(keys, alg, header.get("kid"))
        try:
            payload = jwt.decode(token, key, algorithms=[alg], options=_DECODE_OPTIONS)
        except jwt.InvalidSignatureError:
            raise TokenError("invalid token signature") from None
        except jwt.DecodeError:
            raise TokenError("malformed token") from None
        except (jwt.InvalidTokenError, jwt.InvalidKeyError) as exc:
            log.debug("token refused by PyJWT: %s", exc)
            raise TokenError("invalid token") from None
        claims = self._claims(payload)
        if len(verified) >= VERIFIED_CACHE_SIZE:
            del verified[next(iter(verified))]  # oldest first: dicts keep insertion order
        verified[token] = payload
        return claims

    def _claims(self, payload: dict[str, Any]) -> TokenClaims:
        now = self._clock()
        exp = _numeric_claim(payload, "exp", "expiration")
        if exp is None:
            raise TokenError("token has no expiration (exp)")
        if exp <= now - self._leeway:
            raise TokenError("token expired")
        nbf = _numeric_claim(payload, "nbf", "not-before")
        if nbf is not None and nbf > now + self._leeway:
            raise TokenError("token not yet valid (nbf)")
        iat = _numeric_claim(payload, "iat", "issued-at")
        for field in self._user_fields:
            user = payload.get(field)
            if isinstance(user, str) and user:
                break
        else:
            raise TokenError(f"token has no user name ({'/'.join(self._user_fields)} claim)")
        return TokenClaims(
            user_name=user,
            expires=int(exp),
            issued_at=None if iat is None else int(iat),
            claims=MappingProxyType(dict(payload)),
        )

    def _load(self) -> _KeySet:
        hs256 = None
        jwks: tuple[_Jwk, ...] = ()
        if self._hs256_key_path:
            hs256 = _load_hs256(self._hs256_key_path)
        if self._jwks_path:
            jwks = _load_jwks(self._jwks_path)
        return _KeySet(hs256=hs256, jwks=jwks)


def _select_key(keys: _KeySet, alg: str, kid: Any) -> Any:
    if alg == "HS256":
        # With only jwks= configured, HS256 is off (as in auth/jwt): nobody can
        # sign with a public key taken from the JWKS (algorithm confusion).
        if keys.hs256 is None:
            raise TokenError("no key configured for algorithm HS256")
        return keys.hs256
    if alg not in ASYMMETRIC_ALGORITHMS:
        raise TokenError(f"token algorithm {_show(alg)} not supported")
    fitting = [k for k in keys.jwks if alg in k.algorithms]
    if not fitting:
        raise TokenError(f"no key configured for algorithm {alg}")
    if kid is not None:
        if not any(k.kid == kid for k in keys.jwks):
            raise TokenError("unknown token key id")
        fitting = [k for k in fitting if k.kid == kid]
        if not fitting:
            raise TokenError(f"token algorithm {alg} does not match key id {_show(kid)}")
    elif len(fitting) > 1:
        raise TokenError(f"token has no key id (kid) and several keys fit {alg}")
    return fitting[0].key


def _numeric_claim(payload: Mapping[str, Any], name: str, label: str) -> float | None:
    value = payload.get(name)
    if value is None:
        return None
    # json.loads accepts NaN and Infinity; an infinite `exp` must not mean "never".
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TokenError(f"token {label} ({name}) is not a number")
    return value


def _show(value: Any) -> str:
    """Quote an attacker-supplied value for a reason text, bounded."""
    return repr(str(value)[:64])


def _read_key_file(path: str, what: str, bad_mode: int, max_size: int) -> bytes:
    try:
        # O_NONBLOCK: a FIFO planted at the path must not hang start-up.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as exc:
        raise KeyConfigError(f"cannot open {what} file {path!r}: {exc.strerror}") from exc
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)  # of the file we read, not of whatever the path is now
        if not stat.S_ISREG(st.st_mode):
            raise KeyConfigError(f"{what} file {path!r} is not a regular file")
        if st.st_mode & bad_mode:
            raise KeyConfigError(
                f"{what} file {path!r} is insecure (mode 0{stat.S_IMODE(st.st_mode):o})"
            )
        try:
            data = f.read(max_size + 1)
        except OSError as exc:
            raise KeyConfigError(f"cannot read {what} file {path!r}: {exc.strerror}") from exc
    if len(data) > max_size:
        raise KeyConfigError(f"{what} file {path!r} is larger than {max_size} bytes")
    return data


def _load_hs256(path: str) -> bytes:
    key = _read_key_file(path, "jwt_key", _HS256_BAD_MODE, MAX_HS256_KEY_SIZE)
    hmac = jwt.get_algorithm_by_name("HS256")
    try:
        hmac.prepare_key(key)  # refuses empty and PEM/SSH-looking secrets
    except jwt.InvalidKeyError as exc:
        raise KeyConfigError(f"jwt_key file {path!r} is unusable: {exc}") from exc
    # RFC 7518 §3.2: an HS256 key MUST be at least 256 bits.
    if problem := hmac.check_key_length(key):
        raise KeyConfigError(f"jwt_key file {path!r} is too short: {problem}")
    return key


def _load_jwks(path: str) -> tuple[_Jwk, ...]:
    raw = _read_key_file(path, "jwks", _JWKS_BAD_MODE, MAX_JWKS_SIZE)
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise KeyConfigError(f"jwks file {path!r} is not valid JSON: {exc}") from exc
    entries = doc.get("keys") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise KeyConfigError(f'jwks file {path!r} has no "keys" list')
    keys = []
    for index, entry in enumerate(entries):
        try:
            keys.append(_jwk_from_entry(entry))
        except (KeyConfigError, jwt.PyJWTError) as exc:
            log.warning("jwks file %r: ignoring key #%d: %s", path, index, exc)
    if not keys:
        raise KeyConfigError(f"jwks file {path!r} has no usable signing keys")
    return tuple(keys)


def _jwk_from_entry(entry: Any) -> _Jwk:
    if not isinstance(entry, dict):
        raise KeyConfigError("not a JSON object")
    if entry.get("use", "sig") != "sig":
        raise KeyConfigError(f"use is {entry['use']!r}, not 'sig'")
    kid = entry.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise KeyConfigError("kid is not a string")
    kty = entry.get("kty")
    if kty == "RSA":
        algorithms = _RSA_ALGORITHMS
    elif kty == "EC" and entry.get("crv") in _EC_ALGORITHMS:
        algorithms = frozenset({_EC_ALGORITHMS[entry["crv"]]})
    else:
        raise KeyConfigError(f"unsupported key type {kty!r} (curve {entry.get('crv')!r})")
    # `alg` is optional, as in newer auth/jwt; when given it narrows the key.
    alg = entry.get("alg")
    if alg is not None:
        alg = alg.upper() if isinstance(alg, str) else alg
        if alg not in algorithms:
            raise KeyConfigError(f"alg {_show(alg)} does not fit a {kty} key")
        algorithms = frozenset({alg})
    build_alg = alg or min(algorithms)
    # x5c is ignored as in auth/jwt: the key is n/e or x/y, not a certificate.
    fields = {k: v for k, v in entry.items() if k not in ("x5c", "alg")}
    key = jwt.PyJWK(fields, algorithm=build_alg).key
    if hasattr(key, "public_key"):  # a private JWK: verify with its public half
        key = key.public_key()
    if problem := jwt.get_algorithm_by_name(build_alg).check_key_length(key):
        raise KeyConfigError(problem)
    return _Jwk(kid=kid, algorithms=algorithms, key=key)
