"""Finding an enterprise's bookings as its people look for them: by local day, status, gate
and direction, and by one search text that is either plate of the truck (or part of one) or
a booking code. The portal's list and its CSV export read the same rows, so a file holds
exactly what the page showed (besides the page's cut: see ``PAGE_ROWS``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select

from gate.domain.bookings import BookingStatus, normalise_code
from gate.domain.errors import ValidationFailed
from gate.domain.plates import normalise_plate
from gate.domain.slots import Direction
from gate.domain.text import accepted_text
from gate.domain.time import LOCAL_TZ, as_utc, day_in_range
from gate.gates.calendar import gate_by_code
from gate.store.tables import Booking, Driver, Gate
from gate.store.unit_of_work import UnitOfWork

# What a page lists at most (the newest days first would hide the next crossings: the list is
# in slot order); a file takes many more, for a month's accounts.
PAGE_ROWS = 200
FILE_ROWS = 10_000
MAX_SEARCH = 32
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class BookingSearch:
    """What to find: slots on local days ``first_day`` to ``last_day`` (both included, either
    open), a ``status``, a gate by code, a ``direction``, and ``text``: a plate (either of
    the truck's, any part of it, written any way) or a booking code."""

    first_day: date | None = None
    last_day: date | None = None
    status: BookingStatus | None = None
    gate: str | None = None
    direction: Direction | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class FoundBooking:
    """A booking as the list shows it, with its gate's code and name and its driver's name
    (the enterprise's own driver: its people may see the name)."""

    booking: Booking
    gate_code: str
    gate_name: str
    driver_name: str | None


def checked(search: BookingSearch) -> BookingSearch:
    """``search`` held to the rules of input (ValidationFailed naming the field): days within
    the accepted window and in order, at most MAX_DAYS apart; a text of at most MAX_SEARCH
    characters with no control character."""
    for field, day in (("from", search.first_day), ("to", search.last_day)):
        if day is not None:
            day_in_range(day, field)
    if search.first_day and search.last_day:
        if search.last_day < search.first_day:
            raise ValidationFailed("to is a day from the from day on", field="to")
        if (search.last_day - search.first_day).days >= MAX_DAYS:
            raise ValidationFailed(f"from and to are at most {MAX_DAYS} days apart", field="to")
    if search.text is not None:
        if len(search.text) > MAX_SEARCH:
            raise ValidationFailed(f"q has at most {MAX_SEARCH} characters", field="q")
        accepted_text(search.text, "q")
    return search


def _like(value: str) -> str:
    """``value`` as a LIKE pattern that finds it anywhere, its wildcards taken literally."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def find_bookings(
    uow: UnitOfWork, enterprise_id: str, search: BookingSearch, limit: int = PAGE_ROWS
) -> list[FoundBooking]:
    """The enterprise's bookings that ``search`` finds, in slot order, at most ``limit`` of
    them. ValidationFailed (422) for a search ``checked`` refuses; NotFound (404) for an
    unknown gate."""
    search = checked(search)
    query = (
        select(Booking, Gate.code, Gate.name, Driver.full_name)
        .join(Gate, Gate.id == Booking.gate_id)
        .outerjoin(Driver, Driver.id == Booking.driver_id)
        .where(Booking.enterprise_id == enterprise_id)
    )
    if search.first_day is not None:
        start = datetime.combine(search.first_day, time.min, tzinfo=LOCAL_TZ)
        query = query.where(Booking.slot_start >= as_utc(start))
    if search.last_day is not None:
        end = datetime.combine(search.last_day + timedelta(days=1), time.min, tzinfo=LOCAL_TZ)
        query = query.where(Booking.slot_start < as_utc(end))
    if search.status is not None:
        query = query.where(Booking.status == search.status.value)
    if search.gate:
        gate = await gate_by_code(uow, search.gate)
        query = query.where(Booking.gate_id == gate.id)
    if search.direction is not None:
        query = query.where(Booking.direction == search.direction.value)
    text = (search.text or "").strip()
    if text:
        plate = _like(normalise_plate(text))
        query = query.where(
            or_(
                Booking.code == normalise_code(text),
                Booking.plate.like(plate, escape="\\"),
                Booking.trailer_plate.like(plate, escape="\\"),
            )
        )
    query = query.order_by(Booking.slot_start, Booking.id).limit(limit)
    rows = await uow.session.execute(query)
    return [FoundBooking(b, code, name, driver) for b, code, name, driver in rows]
