"""The declaration's pure rules (gate/domain/declarations.py): which fields changed between
two versions, in a fixed order, and who may still amend."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gate.domain.bookings import BookingStatus
from gate.domain.declarations import FIELDS, Declaration, FieldChange, changes, check_can_amend
from gate.domain.errors import InvalidTransition

DECLARED = Declaration("Thanh long", 20000.0, True, "081090", "305123456789", "driver-1")


def test_no_change_between_equal_versions():
    assert changes(DECLARED, replace(DECLARED)) == []


def test_each_changed_field_in_the_declarations_order_with_before_and_after():
    after = replace(DECLARED, driver_id="driver-2", weight_kg=21500.0, hs_code=None)

    assert changes(DECLARED, after) == [
        FieldChange("weight_kg", 20000.0, 21500.0),
        FieldChange("hs_code", "081090", None),
        FieldChange("driver_id", "driver-1", "driver-2"),
    ]
    assert FIELDS.index("weight_kg") < FIELDS.index("hs_code") < FIELDS.index("driver_id")


def test_only_a_booked_booking_is_amended():
    check_can_amend(BookingStatus.BOOKED)


@pytest.mark.parametrize(
    ("status", "why"),
    [
        (BookingStatus.ARRIVED, "amend-after-check-in"),
        (BookingStatus.CALLED, "amend-after-check-in"),
        (BookingStatus.IN_INSPECTION, "amend-after-check-in"),
        (BookingStatus.HELD, "amend-after-check-in"),
        (BookingStatus.CLEARED, "amend-after-check-in"),
        (BookingStatus.EXITED, "amend-after-check-in"),
        (BookingStatus.REJECTED, "amend-after-check-in"),
        (BookingStatus.EXPIRED, "amend-after-check-in"),
        (BookingStatus.CANCELLED, "not-amendable"),
        (BookingStatus.NO_SHOW, "not-amendable"),
    ],
)
def test_every_other_state_is_refused_with_its_reason(status: BookingStatus, why: str):
    with pytest.raises(InvalidTransition) as refused:
        check_can_amend(status)
    assert refused.value.why == why
