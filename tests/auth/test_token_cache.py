"""The verified-token cache never lets a token outlive its exp or a key rotation."""

from __future__ import annotations

import os
from pathlib import Path

import jwt
import pytest

from slurmrestd.auth import tokens
from slurmrestd.auth.tokens import TokenError, TokenValidator

NOW = 1_700_000_000


class Clock:
    def __init__(self) -> None:
        self.now = float(NOW)

    def __call__(self) -> float:
        return self.now


def key_file(tmp_path: Path, secret: bytes) -> str:
    path = tmp_path / "jwt.key"
    path.write_bytes(secret)
    os.chmod(path, 0o600)
    return str(path)


def token(secret: bytes, **extra: object) -> str:
    return jwt.encode({"sun": "alice", "exp": NOW + 60, **extra}, secret, algorithm="HS256")


def test_cached_token_still_expires(tmp_path):
    secret = os.urandom(32)
    clock = Clock()
    validator = TokenValidator(hs256_key_path=key_file(tmp_path, secret), clock=clock)
    good = token(secret)
    assert validator.validate(good).user_name == "alice"
    assert validator.validate(good).user_name == "alice"  # from the cache
    clock.now = NOW + 61
    with pytest.raises(TokenError, match="expired"):
        validator.validate(good)


def test_key_rotation_forgets_verified_tokens(tmp_path):
    old, new = os.urandom(32), os.urandom(32)
    path = key_file(tmp_path, old)
    validator = TokenValidator(hs256_key_path=path, clock=Clock())
    old_token = token(old)
    validator.validate(old_token)
    Path(path).write_bytes(new)
    validator.reload()
    with pytest.raises(TokenError, match="signature"):
        validator.validate(old_token)
    assert validator.validate(token(new)).user_name == "alice"


def test_cache_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(tokens, "VERIFIED_CACHE_SIZE", 3)
    secret = os.urandom(32)
    validator = TokenValidator(hs256_key_path=key_file(tmp_path, secret), clock=Clock())
    for n in range(10):
        validator.validate(token(secret, jti=str(n)))
    assert len(validator._verified) == 3


def test_rejected_tokens_are_not_cached(tmp_path):
    secret = os.urandom(32)
    validator = TokenValidator(hs256_key_path=key_file(tmp_path, secret), clock=Clock())
    forged = token(os.urandom(32))
    for _ in range(2):
        with pytest.raises(TokenError, match="signature"):
            validator.validate(forged)
    assert validator._verified == {}
