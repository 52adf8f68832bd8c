"""A device event's fingerprint: the same event in another spelling is the same, anything
else about it (any field, a field added later) makes another event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from gate.checkins.reads import DeviceEvent
from gate.devices.fingerprint import event_fingerprint

SEEN = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_one_instant_in_two_offsets_and_one_plate_in_two_spellings_are_one_event():
    first = DeviceEvent("1", SEEN, plate="12C-123.45")
    again = DeviceEvent("1", SEEN.astimezone(timezone(timedelta(hours=7))), plate="12c 12345")
    assert event_fingerprint(first) == event_fingerprint(again)


def test_another_plate_code_or_instant_is_another_event():
    first = DeviceEvent("1", SEEN, plate="12C-123.45")
    others = [
        DeviceEvent("1", SEEN, plate="12C-123.46"),
        DeviceEvent("1", SEEN + timedelta(seconds=1), plate="12C-123.45"),
        DeviceEvent("1", SEEN, booking_code="12C12345"),
    ]
    assert len({event_fingerprint(e) for e in [first, *others]}) == 4


def test_the_event_id_is_the_key_not_part_of_the_fingerprint():
    assert event_fingerprint(DeviceEvent("1", SEEN, plate="12C12345")) == event_fingerprint(
        DeviceEvent("2", SEEN, plate="12C12345")
    )


def test_a_field_added_to_the_event_joins_the_fingerprint_by_itself():
    @dataclass(frozen=True, slots=True)
    class WithTrailer(DeviceEvent):
        trailer_plate: str | None = None

    bare = event_fingerprint(WithTrailer("1", SEEN, plate="12C12345"))
    towing = event_fingerprint(WithTrailer("1", SEEN, plate="12C12345", trailer_plate="12R-012.34"))
    respelt = event_fingerprint(WithTrailer("1", SEEN, plate="12C12345", trailer_plate="12r01234"))
    assert bare != towing == respelt
