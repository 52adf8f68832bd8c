"""Capacity offered is what the gate's calendar offered in every open hour, booked or not
(issue 17, a breaker's finding: a day that offered 360 places, one hour of them booked, read
12 of 15 used). On both databases."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from gate.statistics.capacity import capacity_use
from gate.statistics.public import day_figures, midnight
from gate.statistics.reads import Grain, Scope
from gate.store.tables import Closure, Gate, GateDirection, Slot, SlotOverride
from gate.store.unit_of_work import UnitOfWork

DAY = date(2026, 6, 3)


async def _gate(uow: UnitOfWork) -> str:
    gate_id = await uow.session.scalar(select(Gate.id).where(Gate.code == "tan-thanh"))
    assert gate_id is not None
    for direction, hourly in (("export", 15), ("import", 0)):
        await uow.session.execute(
            update(GateDirection)
            .where(GateDirection.gate_id == gate_id, GateDirection.direction == direction)
            .values(hourly_capacity=hourly, opens_at=0, closes_at=24)
        )
    return gate_id


def _at(hour: int) -> object:
    return midnight(DAY) + timedelta(hours=hour)


async def test_every_open_hour_offers_its_places_booked_or_not(uow: UnitOfWork):
    gate_id = await _gate(uow)
    uow.session.add(
        Slot(gate_id=gate_id, direction="export", starts_at=_at(8), capacity=15, booked=12)
    )
    await uow.session.flush()
    day = Scope(midnight(DAY), midnight(DAY + timedelta(days=1)), gate_id)
    (figures,) = await capacity_use(uow.session, day, Grain.DAY)
    assert (figures.offered, figures.held) == (24 * 15, 12)
    (public,) = await day_figures(uow.session, gate_id, DAY, DAY, today=DAY + timedelta(days=1))
    # To a tenth of a percent, as the pages show it: 12/360 is 3.3 %, not 3 %.
    assert (public.offered, public.held, public.use, public.use_percent) == (360, 12, 0.033, 3.3)
    hours = await capacity_use(uow.session, day, Grain.HOUR)
    assert len(hours) == 24 and {h.offered for h in hours} == {15}
    assert [h.held for h in hours if h.held] == [12]


async def test_opening_hours_overrides_and_closures_shape_what_was_offered(uow: UnitOfWork):
    """As booking computes it: outside the hours nothing, an override's capacity for its
    hour, a closure nothing however the hour is otherwise set."""
    gate_id = await _gate(uow)
    await uow.session.execute(
        update(GateDirection)
        .where(GateDirection.gate_id == gate_id, GateDirection.direction == "export")
        .values(opens_at=7, closes_at=19)  # 12 hours
    )
    uow.session.add_all(
        [
            SlotOverride(gate_id=gate_id, direction="export", starts_at=_at(10), capacity=5),
            SlotOverride(gate_id=gate_id, direction="export", starts_at=_at(20), capacity=4),
            SlotOverride(gate_id=gate_id, direction="export", starts_at=_at(15), capacity=9),
            Closure(gate_id=gate_id, starts_at=_at(14), ends_at=_at(16), reason="ceremony"),
        ]
    )
    await uow.session.flush()
    day = Scope(midnight(DAY), midnight(DAY + timedelta(days=1)), gate_id, "export")
    (figures,) = await capacity_use(uow.session, day, Grain.DAY)
    # 12 open hours of 15; 10:00 gives 5 (-10); 20:00, closed, opens with 4; 14:00 and
    # 15:00 closed (-30; the override at 15:00 loses to the closure).
    assert figures.offered == 12 * 15 - 10 + 4 - 30
    by_hour = {h.period: h.offered for h in await capacity_use(uow.session, day, Grain.HOUR)}
    assert by_hour[_at(10)] == 5 and by_hour[_at(20)] == 4
    assert _at(14) not in by_hour and _at(15) not in by_hour and _at(6) not in by_hour
    # A window that starts inside the day counts only its hours.
    afternoon = Scope(_at(12), _at(18), gate_id, "export")
    (part,) = await capacity_use(uow.session, afternoon, Grain.DAY)
    assert part.offered == 4 * 15
