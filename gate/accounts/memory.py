"""Recognised bearer keys, remembered by this process for a few seconds.

A camera or an enterprise's integration sends the same key with every request; looking it up
again costs a connection and a query each time, which in a booking rush or a busy yard is a
good part of the request. A recognised key is remembered (as the SHA-256 of the key, never the
key itself) for ``ttl`` seconds. A key revoked through this process is forgotten at once;
other processes stop accepting it when their memory of it runs out.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Generic, TypeVar

DEFAULT_TTL_S = 5.0
# Far more keys than any deployment has; past it the memory starts again, so a flood of
# different valid keys cannot grow it.
MAX_KEYS = 10_000

T = TypeVar("T")


class KeyMemory(Generic[T]):
    def __init__(
        self, ttl: float = DEFAULT_TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._known: dict[bytes, tuple[str, T, float]] = {}

    @staticmethod
    def digest(token: str) -> bytes:
        """What the memory holds of ``token``: its SHA-256."""
        return hashlib.sha256(token.encode()).digest()

    def recall(self, token: str) -> T | None:
        """What ``token`` was recognised as, while that is recent enough to trust."""
        remembered = self._known.get(self.digest(token))
        if remembered is None or remembered[2] <= self._clock():
            return None
        return remembered[1]

    def remember(self, token: str, subject: str, value: T) -> None:
        """``token`` (of key or device ``subject``) was just recognised as ``value``."""
        if len(self._known) >= MAX_KEYS:
            self._known.clear()
        self._known[self.digest(token)] = (subject, value, self._clock() + self.ttl)

    def drop(self, token: str) -> None:
        self._known.pop(self.digest(token), None)

    def forget(self, subject: str) -> None:
        """``subject`` was revoked: none of its keys is recognised from memory any more."""
        for key, (owner, _, _) in list(self._known.items()):
            if owner == subject:
                del self._known[key]
