"""Two processes never dispatch the same truck twice, nor more trucks than the target: each
round, two platforms with engines of their own run the dispatch sweep at the same moment on
the same yard (PostgreSQL, where they really run side by side; SQLite serialises writers)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, update

from gate.config import Settings
from gate.dispatch.sweeps import dispatch_all
from gate.domain.time import utc_now
from gate.store.tables import DispatchOrder, YardVisit
from tests.helpers import Api, admin, this_hour
from tests.yards_rows import Rows, rows_of, truck_plate

TARGET = 5
ROUNDS = 8


@pytest.fixture
def backend() -> str:
    return "postgres"


@pytest.fixture
async def two_processes(settings: Settings) -> AsyncIterator[tuple[Rows, Rows]]:
    async with rows_of(settings) as one, rows_of(settings) as other:
        yield one, other


async def _reach_the_gate(rows: Rows) -> None:
    """Every dispatched truck arrives (as the gate's check-in leaves them): room again."""
    async with rows.new_uow() as uow:
        arrived = (
            await uow.session.execute(
                update(YardVisit)
                .where(YardVisit.status == "dispatched")
                .values(status="arrived", active_plate=None)
                .returning(YardVisit.id)
            )
        ).scalars()
        await uow.session.execute(
            update(DispatchOrder)
            .where(DispatchOrder.active_visit_id.in_(list(arrived)))
            .values(status="arrived", active_visit_id=None)
        )
        await uow.session.commit()


async def test_two_processes_dispatching_at_once_never_send_one_truck_twice_nor_too_many(
    api: Api, two_processes: tuple[Rows, Rows]
):
    one, other = two_processes
    rule = {"target": TARGET, "deadline_minutes": 60}
    answer = await api.client.put(
        "/api/v1/gates/tan-thanh/dispatch/export", json=rule, headers=admin()
    )
    assert answer.status_code == 200, answer.text
    yard = await one.yard()
    for _ in range(TARGET * ROUNDS + 3):
        await one.visit(yard, truck_plate(), slot_start=this_hour(), entered_at=utc_now())

    for round_ in range(ROUNDS):
        issued = await asyncio.gather(
            dispatch_all(one.new_uow, utc_now()), dispatch_all(other.new_uow, utc_now())
        )
        assert sum(issued) == TARGET, f"round {round_}: {issued}"
        await _reach_the_gate(one)

    async with one.new_uow() as uow:
        per_visit = await uow.session.execute(
            select(DispatchOrder.visit_id, func.count()).group_by(DispatchOrder.visit_id)
        )
        counts = [n for _, n in per_visit]
    assert len(counts) == TARGET * ROUNDS
    assert max(counts) == 1
