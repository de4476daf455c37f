"""Tests for slurmrestd.auth.tokens: keys, signatures, claims, key files."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import os
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from slurmrestd.auth.tokens import (
    MAX_TOKEN_LENGTH,
    KeyConfigError,
    TokenClaims,
    TokenError,
    TokenValidator,
)

NOW = 1_700_000_000


def clock() -> float:
    return float(NOW)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(obj: Any) -> str:
    return b64(json.dumps(obj).encode())


def claims(**extra: Any) -> dict[str, Any]:
    return {"sun": "alice", "iat": NOW - 10, "exp": NOW + 600, **extra}


def write_file(path: Path, data: bytes, mode: int) -> str:
    path.write_bytes(data)
    os.chmod(path, mode)
    return str(path)


def write_jwks(path: Path, *jwks: dict[str, Any], mode: int = 0o644) -> str:
    return write_file(path, json.dumps({"keys": list(jwks)}).encode(), mode)


def jwk(private_key: Any, **fields: Any) -> dict[str, Any]:
    algorithm = RSAAlgorithm if isinstance(private_key, rsa.RSAPrivateKey) else ECAlgorithm
    data = algorithm.to_jwk(private_key.public_key(), as_dict=True)
    data.update(fields)
    return data


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def rsa_key2() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def secret() -> bytes:
    return os.urandom(32)


@pytest.fixture
def hs_path(tmp_path: Path, secret: bytes) -> str:
    return write_file(tmp_path / "jwt_hs256.key", secret, 0o600)


@pytest.fixture
def hs(hs_path: str) -> TokenValidator:
    return TokenValidator(hs256_key_path=hs_path, clock=clock)


def reason_of(validator: TokenValidator, token: Any) -> str:
    with pytest.raises(TokenError) as err:
        validator.validate(token)
    return err.value.reason


# --- HS256 and claims ---------------------------------------------------------------


def test_valid_hs256(hs: TokenValidator, secret: bytes) -> None:
    token = jwt.encode(claims(extra="x"), secret, algorithm="HS256")
    got = hs.validate(token)
    assert isinstance(got, TokenClaims)
    assert (got.user_name, got.expires, got.issued_at) == ("alice", NOW + 600, NOW - 10)
    assert got.claims["extra"] == "x"
    with pytest.raises(TypeError):
        got.claims["sun"] = "root"  # type: ignore[index]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (claims(exp=NOW), "token expired"),
        (claims(exp=NOW - 1), "token expired"),
        ({"sun": "alice"}, "token has no expiration (exp)"),
        (claims(exp="tomorrow"), "token expiration (exp) is not a number"),
        (claims(exp=True), "token expiration (exp) is not a number"),
        (claims(exp=math.inf), "token expiration (exp) is not a number"),
        (claims(iat="yesterday"), "token issued-at (iat) is not a number"),
        (claims(nbf=NOW + 60), "token not yet valid (nbf)"),
        ({"exp": NOW + 60}, "token has no user name (sun/username claim)"),
        ({"exp": NOW + 60, "sun": ""}, "token has no user name (sun/username claim)"),
    ],
)
def test_claim_rules(hs: TokenValidator, secret: bytes, payload: dict, reason: str) -> None:
    token = jwt.encode(payload, secret, algorithm="HS256")
    assert reason_of(hs, token) == reason


def test_leeway_and_optional_claims(hs_path: str, secret: bytes) -> None:
    validator = TokenValidator(hs256_key_path=hs_path, clock=clock, leeway=30)
    token = jwt.encode({"sun": "alice", "exp": NOW - 10, "aud": "elsewhere"}, secret)
    got = validator.validate(token)
    assert got.expires == NOW - 10 and got.issued_at is None


@pytest.mark.parametrize(
    ("payload", "field", "user"),
    [
        ({"sun": "alice", "username": "bob", "email": "carol"}, None, "alice"),
        ({"username": "bob", "email": "carol"}, None, "bob"),
        ({"username": "bob", "email": "carol"}, "email", "bob"),
        ({"email": "carol"}, "email", "carol"),
        ({"sun": 42, "username": "bob"}, None, "bob"),
    ],
)
def test_user_name_claims(
    hs_path: str, secret: bytes, payload: dict, field: str | None, user: str
) -> None:
    validator = TokenValidator(hs256_key_path=hs_path, user_claim_field=field, clock=clock)
    token = jwt.encode({**payload, "exp": NOW + 60}, secret)
    assert validator.validate(token).user_name == user


def test_user_claim_field_named_in_reason(hs_path: str, secret: bytes) -> None:
    validator = TokenValidator(hs256_key_path=hs_path, user_claim_field="email", clock=clock)
    with pytest.raises(TokenError, match=r"\(sun/username/email claim\)"):
        validator.validate(jwt.encode({"exp": NOW + 60}, secret))


def test_bad_signature(hs: TokenValidator, secret: bytes) -> None:
    forged = jwt.encode(claims(), os.urandom(32), algorithm="HS256")
    assert reason_of(hs, forged) == "invalid token signature"
    head, _, sig = jwt.encode(claims(), secret).split(".")
    tampered = f"{head}.{b64json(claims(sun='root'))}.{sig}"
    assert reason_of(hs, tampered) == "invalid token signature"


@pytest.mark.parametrize("alg", ["none", "NONE", "None"])
@pytest.mark.parametrize("signature", ["", "c2ln"])
def test_alg_none_refused(hs: TokenValidator, alg: str, signature: str) -> None:
    token = f"{b64json({'alg': alg, 'typ': 'JWT'})}.{b64json(claims())}.{signature}"
    assert reason_of(hs, token) == "token algorithm 'none' not allowed"


@pytest.mark.parametrize(
    ("alg", "reason"),
    [
        ("HS512", "token algorithm 'HS512' not supported"),
        ("rs256", "token algorithm 'rs256' not supported"),
        ("", "token has no algorithm (alg)"),
        (None, "token has no algorithm (alg)"),
    ],
)
def test_unsupported_alg(hs: TokenValidator, alg: Any, reason: str) -> None:
    token = f"{b64json({'alg': alg})}.{b64json(claims())}.c2ln"
    assert reason_of(hs, token) == reason


# --- malformed input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "a.b",
        "a.b.c.d",
        "..",
        "a..c",
        " a.b.c",
        "a.b.c\n",
        "eyJhbGciOiJIUzI1NiJ9.e30=.c2ln",  # padding is not compact JWS
        "é.b.c",
        b"\xff\xfe.\x80.x".decode("utf-8", "surrogateescape"),
        f"{b64(b'not json')}.{b64json(claims())}.c2ln",
        f"{b64json(['alg', 'HS256'])}.{b64json(claims())}.c2ln",
        f"{b64json({'alg': 'HS256', 'kid': 7})}.{b64json(claims())}.c2ln",
        f"{b64json({'alg': 'HS256'})}.x.c2ln",
    ],
)
def test_malformed(hs: TokenValidator, token: str) -> None:
    assert reason_of(hs, token) == "malformed token"


def test_four_parts_of_a_real_token(hs: TokenValidator, secret: bytes) -> None:
    token = jwt.encode(claims(), secret)
    assert reason_of(hs, token + "." + token.split(".")[2]) == "malformed token"
    assert reason_of(hs, ".".join(token.split(".")[:2])) == "malformed token"


def test_payload_not_an_object(hs: TokenValidator, secret: bytes) -> None:
    signing_input = f"{b64json({'alg': 'HS256'})}.{b64json([1, 2])}"
    sig = b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())
    assert reason_of(hs, f"{signing_input}.{sig}") == "malformed token"


def test_non_str_and_huge(hs: TokenValidator, secret: bytes) -> None:
    assert reason_of(hs, jwt.encode(claims(), secret).encode()) == "malformed token"
    huge = jwt.encode(claims(pad="x" * MAX_TOKEN_LENGTH), secret)
    assert reason_of(hs, huge) == "token too large"
    assert reason_of(hs, "a" * (MAX_TOKEN_LENGTH + 1)) == "token too large"


# --- JWKS ---------------------------------------------------------------------------


def sign(key: Any, alg: str, kid: str | None = None, **payload: Any) -> str:
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims(**payload), key, algorithm=alg, headers=headers)


def test_rs256_and_es256_with_kid(tmp_path: Path, rsa_key: Any, ec_key: Any) -> None:
    path = write_jwks(
        tmp_path / "jwks.json",
        jwk(rsa_key, kid="r1", alg="RS256", use="sig"),
        jwk(ec_key, kid="e1"),
    )
    validator = TokenValidator(jwks_path=path, clock=clock)
    assert validator.validate(sign(rsa_key, "RS256", "r1")).user_name == "alice"
    assert validator.validate(sign(ec_key, "ES256", "e1")).user_name == "alice"
    assert reason_of(validator, sign(rsa_key, "RS256", "nope")) == "unknown token key id"
    assert (
        reason_of(validator, sign(ec_key, "ES256", "r1"))
        == "token algorithm ES256 does not match key id 'r1'"
    )
    # Naming a known kid does not help a token signed by another key.
    intruder = ec.generate_private_key(ec.SECP256R1())
    assert reason_of(validator, sign(intruder, "ES256", "e1")) == "invalid token signature"


def test_jwks_without_kid(tmp_path: Path, rsa_key: Any, ec_key: Any, rsa_key2: Any) -> None:
    path = write_jwks(tmp_path / "jwks.json", jwk(rsa_key), jwk(ec_key))
    validator = TokenValidator(jwks_path=path, clock=clock)
    for alg in ("RS256", "RS384", "RS512", "PS256"):
        assert validator.validate(sign(rsa_key, alg)).user_name == "alice"
    assert validator.validate(sign(ec_key, "ES256")).user_name == "alice"
    assert (
        reason_of(validator, sign(ec.generate_private_key(ec.SECP384R1()), "ES384"))
        == "no key configured for algorithm ES384"
    )
    assert reason_of(validator, sign(rsa_key2, "RS256")) == "invalid token signature"

    two = TokenValidator(
        jwks_path=write_jwks(tmp_path / "two.json", jwk(rsa_key), jwk(rsa_key2)), clock=clock
    )
    with pytest.raises(TokenError, match=r"no key id \(kid\) and several keys fit RS256"):
        two.validate(sign(rsa_key2, "RS256"))


def test_jwk_alg_narrows_the_key(tmp_path: Path, rsa_key: Any) -> None:
    path = write_jwks(tmp_path / "jwks.json", jwk(rsa_key, kid="r1", alg="RS256"))
    validator = TokenValidator(jwks_path=path, clock=clock)
    assert (
        reason_of(validator, sign(rsa_key, "RS512", "r1"))
        == "no key configured for algorithm RS512"
    )


def test_x5c_ignored(tmp_path: Path, rsa_key: Any) -> None:
    entry = jwk(rsa_key, kid="r1", x5c=["bm90IGEgY2VydGlmaWNhdGU="], x5t="junk")
    validator = TokenValidator(jwks_path=write_jwks(tmp_path / "j.json", entry), clock=clock)
    assert validator.validate(sign(rsa_key, "RS256", "r1")).user_name == "alice"


def test_unusable_jwks_entries_skipped(tmp_path: Path, rsa_key: Any) -> None:
    path = write_jwks(
        tmp_path / "jwks.json",
        {"kty": "oct", "k": b64(os.urandom(32)), "kid": "h"},
        {"kty": "RSA", "kid": "broken"},
        jwk(rsa_key, kid="enc", use="enc"),
        jwk(rsa_key, kid="weird", alg="ES256"),
        "not a key",
        jwk(rsa_key, kid="r1"),
    )
    validator = TokenValidator(jwks_path=path, clock=clock)
    assert validator.validate(sign(rsa_key, "RS256", "r1")).user_name == "alice"
    assert reason_of(validator, sign(rsa_key, "RS256", "enc")) == "unknown token key id"


def test_algorithm_confusion_refused(tmp_path: Path, rsa_key: Any, secret: bytes) -> None:
    """An HS256 token keyed with the public RSA key must not pass."""
    pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{b64json({'alg': 'HS256', 'kid': 'r1'})}.{b64json(claims(sun='root'))}"
    sig = b64(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())
    token = f"{signing_input}.{sig}"
    jwks_path = write_jwks(tmp_path / "jwks.json", jwk(rsa_key, kid="r1"))

    jwks_only = TokenValidator(jwks_path=jwks_path, clock=clock)
    assert reason_of(jwks_only, token) == "no key configured for algorithm HS256"

    both = TokenValidator(
        hs256_key_path=write_file(tmp_path / "hs.key", secret, 0o600),
        jwks_path=jwks_path,
        clock=clock,
    )
    assert reason_of(both, token) == "invalid token signature"
    assert both.validate(jwt.encode(claims(), secret)).user_name == "alice"
    assert both.validate(sign(rsa_key, "RS256", "r1")).user_name == "alice"


def test_rs256_without_jwks(hs: TokenValidator, rsa_key: Any) -> None:
    assert reason_of(hs, sign(rsa_key, "RS256", "r1")) == "no key configured for algorithm RS256"


# --- key files ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o666, 0o644, 0o620, 0o604, 0o601])
def test_insecure_hs256_key_refused(tmp_path: Path, secret: bytes, mode: int) -> None:
    path = write_file(tmp_path / "k", secret, mode)
    with pytest.raises(KeyConfigError, match="insecure"):
        TokenValidator(hs256_key_path=path)


@pytest.mark.parametrize("mode", [0o600, 0o400, 0o640])
def test_private_hs256_key_accepted(tmp_path: Path, secret: bytes, mode: int) -> None:
    TokenValidator(hs256_key_path=write_file(tmp_path / "k", secret, mode))


@pytest.mark.parametrize(("mode", "ok"), [(0o644, True), (0o666, False), (0o664, False)])
def test_jwks_file_mode(tmp_path: Path, rsa_key: Any, mode: int, ok: bool) -> None:
    path = write_jwks(tmp_path / "j.json", jwk(rsa_key), mode=mode)
    if ok:
        TokenValidator(jwks_path=path)
    else:
        with pytest.raises(KeyConfigError, match="insecure"):
            TokenValidator(jwks_path=path)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "unusable"),
        (b"short", "too short"),
        (b"-----BEGIN PUBLIC KEY-----\n" + b"A" * 64 + b"\n-----END PUBLIC KEY-----\n", "unusable"),
        (b"ssh-ed25519 " + b"A" * 68, "unusable"),
    ],
)
def test_unusable_hs256_key(tmp_path: Path, content: bytes, match: str) -> None:
    """Empty, short (RFC 7518 section 3.2) and public-key-looking secrets."""
    with pytest.raises(KeyConfigError, match=match):
        TokenValidator(hs256_key_path=write_file(tmp_path / "k", content, 0o600))


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[]", 'no "keys" list'),
        (b'{"keys": {}}', 'no "keys" list'),
        (b'{"keys": []}', "no usable signing keys"),
        (b'{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}', "no usable signing keys"),
    ],
)
def test_unusable_jwks(tmp_path: Path, content: bytes, match: str) -> None:
    with pytest.raises(KeyConfigError, match=match):
        TokenValidator(jwks_path=write_file(tmp_path / "j.json", content, 0o644))


def test_missing_or_odd_key_paths(tmp_path: Path) -> None:
    with pytest.raises(KeyConfigError, match="cannot open jwt_key file"):
        TokenValidator(hs256_key_path=str(tmp_path / "missing"))
    with pytest.raises(KeyConfigError, match="cannot open jwks file"):
        TokenValidator(jwks_path=str(tmp_path / "missing.json"))
    os.mkfifo(tmp_path / "fifo", 0o600)
    with pytest.raises(KeyConfigError, match="not a regular file"):
        TokenValidator(hs256_key_path=str(tmp_path / "fifo"))
    with pytest.raises(KeyConfigError, match="no JWT key configured"):
        TokenValidator()


def test_reload_picks_up_rotated_key(tmp_path: Path, hs_path: str, secret: bytes) -> None:
    validator = TokenValidator(hs256_key_path=hs_path, clock=clock)
    old_token = jwt.encode(claims(), secret)
    assert validator.validate(old_token).user_name == "alice"

    new_secret = os.urandom(32)
    write_file(tmp_path / "rotated", new_secret, 0o600)
    os.replace(tmp_path / "rotated", hs_path)
    validator.reload()
    assert validator.validate(jwt.encode(claims(), new_secret)).user_name == "alice"
    assert reason_of(validator, old_token) == "invalid token signature"


def test_failed_reload_keeps_old_keys(tmp_path: Path, hs_path: str, secret: bytes) -> None:
    validator = TokenValidator(hs256_key_path=hs_path, clock=clock)
    token = jwt.encode(claims(), secret)
    os.chmod(hs_path, 0o666)
    with pytest.raises(KeyConfigError, match="insecure"):
        validator.reload()
    os.unlink(hs_path)
    with pytest.raises(KeyConfigError, match="cannot open"):
        validator.reload()
    assert validator.validate(token).user_name == "alice"


def test_from_auth_alt_parameters(tmp_path: Path, hs_path: str, secret: bytes) -> None:
    params = {"jwt_key": hs_path, "userclaimfield": "email", "disable_token_creation": ""}
    validator = TokenValidator.from_auth_alt_parameters(params, clock=clock)
    assert validator.validate(jwt.encode({"email": "carol", "exp": NOW + 1}, secret)).user_name == (
        "carol"
    )
    with pytest.raises(KeyConfigError):
        TokenValidator.from_auth_alt_parameters({"disable_token_creation": ""})
