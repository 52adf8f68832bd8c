"""Where each truck of a check-in batch stands in the queue, as it stood when it was read, and
the forecast of the call of each truck that joined the queue with the batch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from gate.checkins.verdicts import Final, booking_of, joined_queue, wants_place
from gate.store.booking_rows import BookingRow
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork
from gate.yard.places import places_and_rates, predicted_call

# A forecast to write: (booking id, when its truck should be called; None: no forecast).
Forecast = tuple[str, datetime | None]


async def queue_places(
    uow: UnitOfWork, gate: Gate, finals: Sequence[Final]
) -> tuple[list[int | None], list[Forecast]]:
    """Each read's place in the queue (None for a read not in the yard, or once called), and
    the forecast of the call of each truck that joined now, kept to measure the forecast's
    error later: one statement for the places and the rates together. The forecasts are set
    on the rows in memory; the caller writes them (gate/checkins/statements.py)."""
    asked: list[tuple[BookingRow, int]] = []
    joined: list[tuple[BookingRow, int]] = []
    for index, final in enumerate(finals):
        if wants_place(final) and (booking := booking_of(final)) is not None:
            asked.append((booking, index))
            if joined_queue(final):
                joined.append((booking, index))
    moments = [(b.direction, b.arrived_at) for b, _ in joined if b.arrived_at is not None]
    places_of, rates = await places_and_rates(uow, gate, asked, joined, moments)
    places: list[int | None] = [None] * len(finals)
    place_of_booking: dict[str, int | None] = {}  # where it was placed when it arrived
    for (booking, index), place in zip(asked, places_of, strict=True):
        places[index] = place
        place_of_booking.setdefault(booking.id, place)
    forecasts: list[Forecast] = []
    for booking, _ in joined:
        place = place_of_booking.get(booking.id)
        if place is None or booking.arrived_at is None:
            continue
        rate = rates[booking.direction, booking.arrived_at]
        forecast = predicted_call(booking.arrived_at, place, rate)
        booking.predicted_call_at = forecast
        forecasts.append((booking.id, forecast))
    return places, forecasts
