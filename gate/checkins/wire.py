"""The relay's wire format (gate/checkins/relay.py carries it): what a forwarded check-in batch
and its answer are as bytes, and what each event's answer becomes on either side.

A frame is a 4-byte big-endian length and that many bytes of MessagePack (msgspec): a
``Forwarded`` batch one way, a ``Decided`` answer the other, matched by ``id``. Each event's
``Outcome`` is its answer as stored (the bytes the owner's devices would get), a reuse of its
event_id, or why it was not decided there: ``not-owner`` (the peer does not hold the gate's
lease: the forwarder takes the lease over), ``unavailable`` (the database was, with its kind:
answered 503 as if it had happened here) or ``failed`` (any other error: answered 500).

An officer's check-in by hand travels the same way (``Forwarded.by_hand``, no events): its one
``Outcome`` carries the holder's ``ByHandReply`` (MessagePack) as its body."""

from __future__ import annotations

import asyncio
import struct
from datetime import datetime
from typing import Literal

import msgspec

from gate.checkins.manual import ByHand
from gate.checkins.reads import DeviceEvent
from gate.checkins.records import reused
from gate.domain.errors import EventIdReused
from gate.store.faults import Unavailable, unavailability

_LENGTH = struct.Struct(">I")
MAX_FRAME = 16 * 1024 * 1024  # a batch of a few hundred events is tens of KiB

Kind = Literal["answer", "reused", "not-owner", "unavailable", "failed"]
# What deciding an event came to: its answer and whether it replays an earlier one,
# EventIdReused, or the error that kept it from being decided.
Result = tuple[bytes, bool] | EventIdReused
Decision = Result | BaseException


class Event(msgspec.Struct, array_like=True, frozen=True):
    """One device event on the wire; ``observed_at`` as its ISO text, so the offset the device
    wrote travels unchanged (an answer may show it)."""

    device_id: str
    event_id: str
    observed_at: str
    plate: str | None
    booking_code: str | None
    trailer_plate: str | None
    # Last and optional: a peer of the release before sends none (gate/request_ids.py).
    request_id: str | None = None

    @classmethod
    def of(cls, device_id: str, event: DeviceEvent) -> Event:
        return cls(
            device_id,
            event.event_id,
            event.observed_at.isoformat(),
            event.plate,
            event.booking_code,
            event.trailer_plate,
            event.request_id,
        )

    def device_event(self) -> DeviceEvent:
        return DeviceEvent(
            self.event_id,
            datetime.fromisoformat(self.observed_at),
            self.plate,
            self.booking_code,
            trailer_plate=self.trailer_plate,
            request_id=self.request_id,
        )


class Forwarded(msgspec.Struct, array_like=True, frozen=True):
    id: int
    gate_id: str
    events: list[Event]
    by_hand: ByHand | None = None  # an officer's check-in by hand instead of events


class Outcome(msgspec.Struct, array_like=True, frozen=True):
    kind: Kind
    body: bytes = b""
    replayed: bool = False
    detail: str = ""  # the database's Unavailable kind, or the error's text


class Decided(msgspec.Struct, array_like=True, frozen=True):
    id: int
    outcomes: list[Outcome]


class NotOwner(Exception):
    """This process does not hold the gate's lease (any more): the event was not decided."""


class PeerUnreachable(ConnectionError):
    """The owner could not be reached, or the connection to it broke before it answered."""


class RelayedUnavailable(Exception):
    """The database was unavailable to the owner that acted for this process; ``unavailable``
    is its kind (gate/store/faults.py reads it, so the device gets the same 503)."""

    def __init__(self, unavailable: Unavailable) -> None:
        super().__init__(unavailable.description)
        self.unavailable = unavailable


def outcome_of(decision: Decision) -> Outcome:
    """How one event's decision travels back to the forwarder."""
    if isinstance(decision, EventIdReused):
        return Outcome("reused")
    if isinstance(decision, NotOwner):
        return Outcome("not-owner")
    if isinstance(decision, BaseException):
        kind = unavailability(decision)
        if kind is not None:
            return Outcome("unavailable", detail=kind.value)
        return Outcome("failed", detail=repr(decision)[:500])
    body, replayed = decision
    return Outcome("answer", body, replayed)


def decision_of(outcome: Outcome, event: DeviceEvent) -> Decision:
    """The forwarder's side of ``outcome_of``: what the device's request gets."""
    if outcome.kind == "answer":
        return (outcome.body, outcome.replayed)
    if outcome.kind == "reused":
        return reused(event)
    if outcome.kind == "not-owner":
        return NotOwner()
    if outcome.kind == "unavailable":
        return RelayedUnavailable(Unavailable(outcome.detail))
    return RuntimeError(f"the gate's pipeline failed to decide the event: {outcome.detail}")


async def read_frame(reader: asyncio.StreamReader) -> bytes:
    """The body of the next frame ``reader`` gives; ConnectionError for one over MAX_FRAME,
    IncompleteReadError when the peer goes away mid-frame."""
    (length,) = _LENGTH.unpack(await reader.readexactly(_LENGTH.size))
    if length > MAX_FRAME:
        raise ConnectionError(f"a frame of {length} bytes is over the limit")
    return await reader.readexactly(length)


def frame(body: bytes) -> bytes:
    """``body`` framed: its length (4 bytes, big-endian), then itself."""
    return _LENGTH.pack(len(body)) + body
