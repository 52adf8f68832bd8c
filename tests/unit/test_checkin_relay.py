"""What a forwarded check-in batch's events and decisions become on the wire and back: the
owner's answer byte for byte, a reused event_id refused per event, an outage with its kind
(answered 503 with the same reason), an event the peer could not decide handed back."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import msgspec
import pytest
from sqlalchemy.exc import OperationalError

from gate.checkins.reads import DeviceEvent
from gate.checkins.wire import (
    Decided,
    Event,
    NotOwner,
    Outcome,
    RelayedUnavailable,
    decision_of,
    outcome_of,
)
from gate.domain.errors import EventIdReused
from gate.store.faults import Unavailable, unavailability

HANOI = timezone(timedelta(hours=7))
EVENT = DeviceEvent("evt-1", datetime(2026, 11, 30, 7, 5, tzinfo=HANOI), plate="29H-555.01")


def _over_the_wire(outcome: Outcome) -> Outcome:
    encoded = msgspec.msgpack.encode(Decided(1, [outcome]))
    return msgspec.msgpack.decode(encoded, type=Decided).outcomes[0]


def test_an_event_keeps_its_fields_and_the_offset_its_device_wrote():
    sent = Event.of("camera-1", EVENT)
    received = msgspec.msgpack.decode(msgspec.msgpack.encode(sent), type=Event)
    assert received.device_id == "camera-1"
    assert received.device_event() == EVENT
    assert received.device_event().observed_at.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize("replayed", [False, True])
def test_an_answer_comes_back_byte_for_byte(replayed: bool):
    body = b'{"outcome":"walk_in","queue_position":3}'
    assert decision_of(_over_the_wire(outcome_of((body, replayed))), EVENT) == (body, replayed)


def test_a_reused_event_id_is_refused_as_it_would_be_here():
    back = decision_of(_over_the_wire(outcome_of(EventIdReused("x", event_id="evt-1"))), EVENT)
    assert isinstance(back, EventIdReused)
    assert back.extensions == {"event_id": "evt-1"}


def test_an_outage_at_the_owner_is_the_same_outage_here():
    outage = OperationalError("BEGIN", {}, ConnectionRefusedError())
    kind = unavailability(outage)
    assert kind is Unavailable.UNAVAILABLE
    back = decision_of(_over_the_wire(outcome_of(outage)), EVENT)
    assert isinstance(back, RelayedUnavailable)
    assert unavailability(back) is kind


def test_an_event_the_peer_could_not_decide_is_handed_back_or_failed():
    assert isinstance(decision_of(_over_the_wire(outcome_of(NotOwner())), EVENT), NotOwner)
    failed = decision_of(_over_the_wire(outcome_of(ValueError("a bug"))), EVENT)
    assert isinstance(failed, RuntimeError) and "a bug" in str(failed)
