"""Following a live channel as a client: apply snapshots and deltas in sequence order, notice
a gap, and reconnect with the last sequence seen. Used by `gate watch` and by the tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
import websockets
from websockets.typing import Subprotocol

from gate.live.messages import BEARER_SUBPROTOCOL, SUBPROTOCOL, ChannelMessage

_decoder = msgspec.json.Decoder(ChannelMessage)
# Closes that a reconnect cannot mend: the credential ended (4401), it does not allow this
# channel (4403), there is no such channel (4404).
FINAL_CLOSE_CODES = frozenset({4401, 4403, 4404})


def subprotocols(token: str | None) -> list[Subprotocol]:
    """What to offer in ``Sec-WebSocket-Protocol``: the channels' protocol, and the bearer
    token beside it when there is one (kept out of the URL, so out of every access log)."""
    offer = [Subprotocol(SUBPROTOCOL)]
    if token:
        offer.append(Subprotocol(BEARER_SUBPROTOCOL + token))
    return offer


class Follower:
    """The state of one channel as a client rebuilds it from messages."""

    def __init__(self) -> None:
        self.seq: int | None = None
        self.state: dict[str, Any] | None = None
        self.messages: list[ChannelMessage] = []
        # Set when the server ended the stream for good: (close code, reason).
        self.ended: tuple[int, str] | None = None
        # Why the last attempt to connect failed (refused, timed out, not a websocket);
        # None once connected.
        self.unreachable: str | None = None

    def apply(self, raw: str | bytes) -> bool:
        """Apply one message; False when it does not follow what we have (resync needed)."""
        message = _decoder.decode(raw)
        self.messages.append(message)
        if message.kind == "snapshot":
            self.state, self.seq = dict(message.data), message.seq
            return True
        if self.state is None or message.prev != self.seq:
            return False
        self.state = {**self.state, **message.data}
        self.seq = message.seq
        return True


async def follow(
    url: str,
    follower: Follower,
    on_change: Callable[[Follower], None] | None = None,
    headers: dict[str, str] | None = None,
    stop: asyncio.Event | None = None,
    on_disconnect: Callable[[Follower], None] | None = None,
    token: str | None = None,
) -> None:
    """Follow ``url`` forever (or until ``stop``), reconnecting with ``?since=`` after any
    break: a network blip, a server restart, a gap in the sequence (waiting 0.2 s, doubled
    after each failed attempt up to 5 s; ``follower.unreachable`` says why it failed).
    ``token`` signs in through the ``bearer.`` subprotocol. A close that a reconnect cannot
    mend (FINAL_CLOSE_CODES: signed out, key revoked, not allowed, no such channel) ends
    following, with ``follower.ended`` set."""
    stop = stop or asyncio.Event()
    backoff = 0.2
    while not stop.is_set() and follower.ended is None:
        target = (
            url
            if follower.seq is None
            else f"{url}{'&' if '?' in url else '?'}since={follower.seq}"
        )
        try:
            async with websockets.connect(
                target,
                additional_headers=headers,
                subprotocols=subprotocols(token),
                open_timeout=5,
                close_timeout=1,
                ping_interval=10,
                ping_timeout=10,
            ) as socket:
                backoff = 0.2
                follower.unreachable = None
                async for raw in _until(socket, stop):
                    if not follower.apply(raw):
                        break  # a gap: reconnect and catch up
                    if on_change is not None:
                        on_change(follower)
        except websockets.exceptions.ConnectionClosed as closed:
            if closed.rcvd is not None and closed.rcvd.code in FINAL_CLOSE_CODES:
                follower.ended = (closed.rcvd.code, closed.rcvd.reason)
        except TimeoutError:
            follower.unreachable = "no answer within 5 s"
        except (OSError, websockets.exceptions.WebSocketException) as error:
            follower.unreachable = str(error) or type(error).__name__
        if not stop.is_set() and on_disconnect is not None:
            on_disconnect(follower)
        if not stop.is_set() and follower.ended is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff)
            backoff = min(backoff * 2, 5.0)


async def _until(socket: Any, stop: asyncio.Event) -> AsyncIterator[str | bytes]:
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while True:
            receiving = asyncio.ensure_future(socket.recv())
            done, _ = await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if receiving not in done:
                receiving.cancel()
                return
            yield receiving.result()
    finally:
        stopping.cancel()
