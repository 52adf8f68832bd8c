"""Recognised bearer keys, remembered by this process for a few seconds.

A camera or an enterprise's integration sends the same key with every request; looking it up
again costs a connection and a query each time, which in a booking rush or a busy yard is a
good part of the request. A recognised key is remembered (as the SHA-256 of the key, never the
key itself) for ``ttl`` seconds. A key revoked through this process is forgotten at once;
other processes stop accepting it when their memory of it runs out.

When a key's memory runs out, every request of it in flight misses at once (a camera's burst,
the waiting requests of a booking rush: 200 re-reads of one key were counted in one rush,
issue 20): ``one_lookup`` lets one of them look the key up while the others wait for its
answer, so a key costs one query per process per ``ttl``, however many requests carry it.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

DEFAULT_TTL_S = 5.0
# Far more keys than any deployment has; past it the memory starts again, so a flood of
# different valid keys cannot grow it.
MAX_KEYS = 10_000

T = TypeVar("T")


class KeyMemory(Generic[T]):
    """Recognised keys of one kind (``T``: what a key was recognised as), by SHA-256 digest,
    each for ``ttl`` seconds of ``clock`` (monotonic seconds)."""

    def __init__(
        self, ttl: float = DEFAULT_TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._known: dict[bytes, tuple[str, T, float]] = {}
        # Lookups under way, by the key's digest: the lock and how many requests hold or
        # wait for it (the entry goes with the last of them).
        self._lookups: dict[bytes, tuple[asyncio.Lock, int]] = {}

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

    @asynccontextmanager
    async def one_lookup(self, token: str) -> AsyncIterator[None]:
        """Held by one request of ``token`` at a time: the first to miss looks the key up
        inside it, the others wait and should ``recall`` again before looking up themselves
        (a key found to be nobody's is not remembered, so each of those asks again)."""
        digest = self.digest(token)
        lock, holders = self._lookups.get(digest) or (asyncio.Lock(), 0)
        self._lookups[digest] = (lock, holders + 1)
        try:
            async with lock:
                yield
        finally:
            lock, holders = self._lookups[digest]
            if holders == 1:
                del self._lookups[digest]
            else:
                self._lookups[digest] = (lock, holders - 1)

    def lookups_in_flight(self) -> int:
        """How many keys are being looked up (or waited for) now."""
        return len(self._lookups)

    def drop(self, token: str) -> None:
        self._known.pop(self.digest(token), None)

    def forget(self, subject: str) -> None:
        """``subject`` was revoked: none of its keys is recognised from memory any more."""
        for key, (owner, _, _) in list(self._known.items()):
            if owner == subject:
                del self._known[key]
