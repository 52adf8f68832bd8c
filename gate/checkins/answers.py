"""The device's answer to a check-in, built once from the read's final verdict."""

from __future__ import annotations

from datetime import datetime
from typing import assert_never

import msgspec

from gate.checkins.verdicts import (
    AlreadyInYard,
    Arrives,
    Final,
    Judged,
    NeedsConfirmation,
    Refused,
    TooEarly,
    WalkInAdmitted,
)
from gate.domain.checkin import CheckinOutcome, RefusalReason
from gate.domain.plates import mask_plate
from gate.domain.time import as_local
from gate.store.booking_rows import BookingRow


class CheckinAnswer(msgspec.Struct, omit_defaults=False):
    """The device's answer. Shown on a kiosk screen or a yard LED board: plates are masked,
    ``corrected_from`` too (the read as the camera spelled it, when it named another plate)."""

    event_id: str
    outcome: CheckinOutcome
    refusal: RefusalReason | None = None
    booking_code: str | None = None
    plate: str | None = None
    direction: str | None = None
    slot_start: datetime | None = None
    queue_class: str | None = None
    queue_position: int | None = None
    detail: str | None = None
    corrected_from: str | None = None


def answer(item: Judged, final: Final, place: int | None) -> CheckinAnswer:
    """The answer to ``item`` once its verdict is final: ``place`` is its place in the queue
    (for a truck in the yard; None otherwise, or once called)."""
    event_id, corrected = item.event.event_id, item.corrected_from
    match final:
        case Refused():
            return CheckinAnswer(
                event_id,
                CheckinOutcome.REFUSED,
                final.reason,
                plate=final.plate,
                detail=final.detail,
                corrected_from=corrected,
            )
        case TooEarly(booking=booking):
            return CheckinAnswer(
                event_id,
                CheckinOutcome.REFUSED,
                RefusalReason.TOO_EARLY,
                booking_code=booking.code,
                plate=mask_plate(booking.plate),
                slot_start=as_local(booking.slot_start),
                detail="come back within the grace window of your slot",
                corrected_from=corrected,
            )
        case NeedsConfirmation(read=read):
            return CheckinAnswer(
                event_id,
                CheckinOutcome.NEEDS_CONFIRMATION,
                plate=read,
                detail="the plate read fits several expected trucks; an officer will confirm yours",
            )
        case AlreadyInYard(booking=booking):
            return _in_yard(event_id, CheckinOutcome.ALREADY_IN_YARD, booking, place, corrected)
        case Arrives(booking=booking, timing=timing):
            return _in_yard(event_id, timing, booking, place, corrected)
        case WalkInAdmitted(booking=booking):
            return _in_yard(event_id, CheckinOutcome.WALK_IN, booking, place, corrected)
        case _:
            assert_never(final)


def _in_yard(
    event_id: str,
    outcome: CheckinOutcome,
    booking: BookingRow,
    place: int | None,
    corrected: str | None,
) -> CheckinAnswer:
    return CheckinAnswer(
        event_id,
        outcome,
        booking_code=booking.code,
        plate=mask_plate(booking.plate),
        direction=booking.direction,
        slot_start=as_local(booking.slot_start),
        queue_class=booking.queue_class,
        queue_position=place,
        corrected_from=corrected,
    )
