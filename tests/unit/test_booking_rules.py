"""Booking rules: states, optimistic versions, booking codes, and the events a booking emits."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.domain.bookings import (
    _CODE_ALPHABET,
    ACTIVE_STATUSES,
    BOOKING_CODE_LENGTH,
    BookingStatus,
    check_can_cancel,
    check_can_reschedule,
    check_version,
    is_active,
    new_booking_code,
)
from gate.domain.errors import Conflict, InvalidTransition, VersionConflict
from gate.domain.events import (
    BookingCancelled,
    BookingCreated,
    BookingRescheduled,
    DomainEvent,
)

NOT_BOOKED = [status for status in BookingStatus if status is not BookingStatus.BOOKED]

# --- versions --------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=10**9))
def test_a_change_made_against_the_current_version_is_allowed(version: int) -> None:
    check_version(version, version)


@given(st.integers(min_value=0, max_value=10**9))
def test_a_change_that_names_no_version_is_allowed(version: int) -> None:
    check_version(version, None)


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10**9))
def test_a_change_made_against_another_version_is_refused_with_the_current_one(
    current: int, expected: int
) -> None:
    if current == expected:
        expected += 1
    with pytest.raises(VersionConflict) as caught:
        check_version(current, expected)
    assert caught.value.extensions == {"current_version": current}
    assert isinstance(caught.value, Conflict)


def test_a_change_against_version_zero_on_a_booking_at_version_one_is_refused() -> None:
    with pytest.raises(VersionConflict):
        check_version(1, 0)


# --- rescheduling and cancelling -------------------------------------------------------------


def test_every_status_but_booked_is_checked_below() -> None:
    assert len(NOT_BOOKED) == len(BookingStatus) - 1 == 10


def test_a_booked_booking_can_be_rescheduled_and_cancelled() -> None:
    check_can_reschedule(BookingStatus.BOOKED)
    check_can_cancel(BookingStatus.BOOKED)


@pytest.mark.parametrize("status", NOT_BOOKED, ids=str)
def test_a_booking_in_any_other_status_cannot_be_rescheduled(status: BookingStatus) -> None:
    with pytest.raises(InvalidTransition, match=status.value):
        check_can_reschedule(status)


@pytest.mark.parametrize("status", NOT_BOOKED, ids=str)
def test_a_booking_in_any_other_status_cannot_be_cancelled(status: BookingStatus) -> None:
    with pytest.raises(InvalidTransition, match=status.value):
        check_can_cancel(status)


# --- active statuses -------------------------------------------------------------------------


def test_a_booked_booking_holds_its_plate_and_a_cancelled_one_frees_it() -> None:
    assert BookingStatus.BOOKED in ACTIVE_STATUSES
    assert BookingStatus.CANCELLED not in ACTIVE_STATUSES


@pytest.mark.parametrize(
    "status",
    [
        BookingStatus.CANCELLED,
        BookingStatus.NO_SHOW,
        BookingStatus.EXPIRED,
        BookingStatus.EXITED,
        BookingStatus.REJECTED,
    ],
    ids=str,
)
def test_a_finished_booking_does_not_hold_its_plate(status: BookingStatus) -> None:
    assert not is_active(status)


@pytest.mark.parametrize("status", list(BookingStatus), ids=str)
def test_is_active_agrees_with_the_active_statuses(status: BookingStatus) -> None:
    assert is_active(status) is (status in ACTIVE_STATUSES)


# --- booking codes ---------------------------------------------------------------------------


def test_a_booking_code_has_ten_characters_from_the_unambiguous_alphabet() -> None:
    for _ in range(500):
        code = new_booking_code()
        assert len(code) == BOOKING_CODE_LENGTH == 10
        assert set(code) <= set(_CODE_ALPHABET)


def test_the_booking_code_alphabet_has_no_character_a_reader_could_confuse() -> None:
    assert not set("0O1IL") & set(_CODE_ALPHABET)
    assert _CODE_ALPHABET.isupper()
    assert len(set(_CODE_ALPHABET)) == len(_CODE_ALPHABET)


def test_booking_codes_are_random_rather_than_repeated() -> None:
    codes = {new_booking_code() for _ in range(1000)}
    assert len(codes) == 1000


# --- events ----------------------------------------------------------------------------------

OCCURRED_AT = datetime(2026, 12, 1, 1, 5, 30, tzinfo=UTC)
SLOT_FIELDS = {
    "booking_id": "b-1",
    "enterprise_id": "e-1",
    "gate": "huu-nghi",
    "gate_id": "g-1",
    "direction": "export",
    "slot_start": "2026-12-01T01:00:00+00:00",
}


def test_a_booking_created_event_is_named_booking_created() -> None:
    payload = BookingCreated(occurred_at=OCCURRED_AT, **SLOT_FIELDS).payload()
    assert payload["event"] == "booking.created"


def test_a_booking_created_payload_is_json_ready_and_survives_a_round_trip() -> None:
    payload = BookingCreated(occurred_at=OCCURRED_AT, **SLOT_FIELDS).payload()
    assert msgspec.json.decode(msgspec.json.encode(payload)) == payload
    assert json.loads(json.dumps(payload)) == payload  # the strict standard encoder, too
    assert payload["occurred_at"] == "2026-12-01T01:05:30+00:00"
    assert datetime.fromisoformat(payload["occurred_at"]) == OCCURRED_AT


def test_a_booking_event_payload_carries_the_booking_fields_and_no_personal_data() -> None:
    payload = BookingCreated(occurred_at=OCCURRED_AT, **SLOT_FIELDS).payload()
    assert (
        payload
        == {
            "event": "booking.created",
            "occurred_at": OCCURRED_AT.isoformat(),
            "from_status": None,
            "to_status": None,
            "actor": {"kind": "system", "id": None, "role": None},
            "reason": None,
            "facts": {},
        }
        | SLOT_FIELDS
    )


def test_an_event_records_when_it_occurred_in_utc_by_default() -> None:
    before = datetime.now(UTC)
    event = BookingCreated(**SLOT_FIELDS)
    assert before <= event.occurred_at <= datetime.now(UTC)
    assert event.occurred_at.utcoffset() is not None


def test_a_rescheduled_event_also_carries_the_slot_it_left() -> None:
    event = BookingRescheduled(
        occurred_at=OCCURRED_AT, previous_slot_start="2026-11-30T23:00:00+00:00", **SLOT_FIELDS
    )
    payload = msgspec.json.decode(msgspec.json.encode(event.payload()))
    assert payload["event"] == "booking.rescheduled"
    assert payload["previous_slot_start"] == "2026-11-30T23:00:00+00:00"
    assert payload["slot_start"] == SLOT_FIELDS["slot_start"]


def test_a_cancelled_event_is_named_booking_cancelled() -> None:
    assert BookingCancelled(**SLOT_FIELDS).payload()["event"] == "booking.cancelled"


def test_each_booking_event_has_a_name_of_its_own() -> None:
    names = {kind.name for kind in (BookingCreated, BookingRescheduled, BookingCancelled)}
    assert len(names) == 3
    assert DomainEvent.name not in names


def test_an_event_cannot_be_changed_once_made() -> None:
    event = BookingCreated(**SLOT_FIELDS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.gate = "tan-thanh"  # type: ignore[misc]
