"""Where each truck of a check-in batch stands in the queue, as it stood when it was read, and
the forecast of the call of each truck that joined the queue with the batch."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value

from gate.checkins.verdicts import Final, booking_of, joined_queue, wants_place
from gate.store.tables import Booking, Gate
from gate.store.tables.base import table_of
from gate.store.unit_of_work import UnitOfWork
from gate.yard.places import places_in_queue, predicted_call, service_rates


async def queue_places(uow: UnitOfWork, gate: Gate, finals: Sequence[Final]) -> list[int | None]:
    """Each read's place in the queue (None for a read not in the yard, or once called); each
    truck that joined now gets the forecast of its call, kept to measure the forecast's error
    later (one statement for the places, one for the rates, one UPDATE for the forecasts)."""
    asked: list[tuple[Booking, int]] = []
    joined: list[tuple[Booking, int]] = []
    for index, final in enumerate(finals):
        if wants_place(final) and (booking := booking_of(final)) is not None:
            asked.append((booking, index))
            if joined_queue(final):
                joined.append((booking, index))
    places_of = await places_in_queue(uow, gate, asked, joined)
    places: list[int | None] = [None] * len(finals)
    place_of_booking: dict[str, int | None] = {}  # where it was placed when it arrived
    for (booking, index), place in zip(asked, places_of, strict=True):
        places[index] = place
        place_of_booking.setdefault(booking.id, place)
    await _forecast(uow, gate, [booking for booking, _ in joined], place_of_booking)
    return places


async def _forecast(
    uow: UnitOfWork, gate: Gate, admitted: list[Booking], place_of: dict[str, int | None]
) -> None:
    rates = await service_rates(
        uow, gate, [(b.direction, b.arrived_at) for b in admitted if b.arrived_at is not None]
    )
    forecasts = []
    for booking in admitted:
        place = place_of.get(booking.id)
        if place is None or booking.arrived_at is None:
            continue
        forecast = predicted_call(
            booking.arrived_at, place, rates[booking.direction, booking.arrived_at]
        )
        set_committed_value(booking, "predicted_call_at", forecast)
        forecasts.append({"booking": booking.id, "forecast": forecast})
    if forecasts:  # one UPDATE for them all (executemany)
        bookings = table_of(Booking)
        await uow.session.execute(
            update(bookings)
            .where(bookings.c.id == bindparam("booking"))
            .values(predicted_call_at=bindparam("forecast")),
            forecasts,
        )
