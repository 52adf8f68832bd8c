"""An enterprise's record of the last days for the no-show tests: bookings made as of their
own hour (tests/helpers.py::book_as_of) at an off-peak hour of past days, lapsed by the no-show
sweep as it runs, and the ones kept marked as crossed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from gate.bookings.sweeps import sweep_no_shows
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.time import utc_now
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Booking
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Enterprise, tomorrow_at

# Off-peak with the default GATE_PEAK_HOURS (7-11, 13-17): the record itself is not limited.
HOUR = 20


async def record(
    settings: Settings, enterprise: Enterprise, *, no_shows: int, kept: int
) -> list[dict[str, Any]]:
    """``no_shows + kept`` bookings of ``enterprise`` on as many past days (one a day, from
    two days ago back), the first ``no_shows`` lapsed unused, the others crossed. Returns the
    no-shows' bookings (``id``, ``code``, ``plate``)."""
    from tests.helpers import book_as_of

    made = [
        await book_as_of(settings, enterprise, tomorrow_at(HOUR, days=-(2 + n)))
        for n in range(no_shows + kept)
    ]
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            swept = await sweep_no_shows(uow, utc_now())
            assert swept >= no_shows + kept
            await uow.session.execute(
                update(Booking)
                .where(Booking.id.in_([b["id"] for b in made[no_shows:]]))
                .values(status="exited")
            )
            await uow.commit()
    finally:
        await engine.dispose()
    return made[:no_shows]
