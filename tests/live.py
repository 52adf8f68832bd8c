"""Test helpers for live channels: a background websocket viewer, and waiting for a state."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest

from gate.live.client import Follower, follow


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> float:
    """Seconds until ``check`` holds; fails the test after ``within``."""
    start = time.monotonic()
    while not await check():
        if time.monotonic() - start > within:
            pytest.fail(f"not true within {within} s")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


class Viewer:
    """A websocket viewer following a channel in the background, reconnecting as a real
    client does."""

    def __init__(self, url: str) -> None:
        self.follower = Follower()
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(follow(url, self.follower, stop=self.stop))

    async def close(self) -> None:
        self.stop.set()
        await self.task
