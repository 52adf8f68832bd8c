"""Secrets handed to clients: opaque API keys and session tokens (stored as SHA-256, since
they are long random strings), and user passwords (stored with argon2id, since people pick
guessable ones)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

API_KEY_PREFIX = "gk"
SESSION_PREFIX = "gs"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@dataclass(frozen=True, slots=True)
class IssuedSecret:
    """A new secret: ``token`` is shown once to its owner, only ``lookup`` and ``hash`` are kept."""

    token: str
    lookup: str
    hash: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(prefix: str) -> IssuedSecret:
    lookup = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return IssuedSecret(f"{prefix}_{lookup}_{secret}", lookup, digest(secret))


# The shape of every token ``issue`` makes: ``prefix_lookup_secret``, the lookup in hex, the
# secret in URL-safe base64. Anything else is no token of ours, and is refused before its
# lookup part reaches a query (a NUL in it was a 500 on PostgreSQL, before authentication).
_TOKEN = re.compile(r"([a-z]{2})_([0-9a-f]{1,64})_([A-Za-z0-9_-]{1,200})")


def split_token(token: str, prefix: str) -> tuple[str, str] | None:
    """``(lookup, secret)`` of a well-formed token of that kind, else None."""
    parts = _TOKEN.fullmatch(token)
    if parts is None or parts[1] != prefix:
        return None
    return parts[2], parts[3]


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_hash)


async def hash_password(password: str) -> str:
    # argon2 is deliberately slow: keep it off the event loop.
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password: str, stored_hash: str) -> bool:
    def _verify() -> bool:
        try:
            return _hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(_verify)


# Spent on unknown e-mails too, so that a sign-in's duration does not tell who has an account.
DUMMY_PASSWORD_HASH = _hasher.hash("not a real password")
