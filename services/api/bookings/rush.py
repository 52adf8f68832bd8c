"""The booking rush's side of the web floor: how the batch's answers are encoded (the very
bodies ``createBooking`` answers one by one), and which attempts go to the batch."""

from __future__ import annotations

from datetime import datetime

import msgspec

from gate.bookings.service import BookingRules, NewBooking
from gate.domain.errors import DomainError
from gate.domain.slots import check_bookable_start
from gate.store.tables import Booking, Gate
from gate.store.tables.fees import Fee
from services.api.bookings.schemas import BookingView
from services.common.idempotency import key_length_accepted
from services.common.problems import domain_error_answer


class BookingAnswers:
    """gate.bookings.together.Answers: a new booking's view, a refusal's problem (as stored
    for idempotent replays)."""

    def booked(self, booking: Booking, gate: Gate, fee: Fee | None) -> bytes:
        return msgspec.json.encode(BookingView.of(booking, gate.code, fee=fee))

    def refused(self, error: DomainError) -> tuple[int, bytes]:
        return domain_error_answer(error)


def slot_of(new: NewBooking, rules: BookingRules, key: str | None) -> datetime | None:
    """The checked slot start of an attempt the batch can decide, or None: one the horizon
    refuses, or with a key outside the accepted length, is answered one by one as before
    (its refusal stored with its key as today)."""
    if key is not None and not key_length_accepted(key):
        return None
    try:
        return check_bookable_start(new.slot_start, rules.now, rules.horizon)
    except DomainError:
        return None
