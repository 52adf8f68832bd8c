"""The platform hashes passwords with argon2id at the library's recommended cost, and the
unknown e-mail's stand-in hash costs the same (docs/architecture.md: a sign-in's duration does
not tell who has an account). The other tests hash at argon2id's smallest cost
(tests/conftest.py); these are marked to see the platform's own."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError

from gate.accounts import credentials

pytestmark = pytest.mark.real_password_hashing


def _parameters(stored_hash: str) -> str:
    """``m=...,t=...,p=...`` of an encoded argon2 hash."""
    return stored_hash.split("$")[3]


def test_passwords_are_hashed_with_argon2id_at_the_recommended_cost() -> None:
    recommended = PasswordHasher()
    expected = f"m={recommended.memory_cost},t={recommended.time_cost},p={recommended.parallelism}"
    assert credentials._hasher.type is recommended.type
    assert _parameters(credentials._hasher.hash("x")) == expected
    assert _parameters(credentials.DUMMY_PASSWORD_HASH) == expected
    assert credentials.DUMMY_PASSWORD_HASH.startswith("$argon2id$")


async def test_a_password_checks_against_its_own_hash_only() -> None:
    stored = await credentials.hash_password("một-mật-khẩu-dài")
    assert stored.startswith("$argon2id$")
    assert await credentials.verify_password("một-mật-khẩu-dài", stored)
    assert not await credentials.verify_password("một-mật-khẩu-khác", stored)
    with pytest.raises(InvalidHashError):
        credentials._hasher.verify("not a hash", "x")
    assert not await credentials.verify_password("x", "not a hash")
