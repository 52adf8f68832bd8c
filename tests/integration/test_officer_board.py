"""The officer board lists the head of each queue in full and counts the rest: a crisis yard
of thousands of trucks must not be sent whole to every console twice a second."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

import gate.live.projections as projections
from gate.domain.time import utc_now
from gate.gates.calendar import gate_by_code
from gate.store.tables import Booking
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, device, open_all_day, read

CHECKINS = "/api/v1/gates/tan-thanh/checkins"


async def test_the_officer_board_lists_the_head_of_the_queue_and_counts_the_rest(
    api: Api, uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(projections, "OFFICER_QUEUE_HEAD", 2)
    await open_all_day(api)
    camera = await device(api)
    for n in range(3):
        answer = await api.client.post(CHECKINS, json=read(f"29H-557.0{n}"), headers=camera)
        assert answer.json()["outcome"] == "walk_in"

    await uow.session.rollback()
    gate = await gate_by_code(uow, "tan-thanh")
    now = utc_now()
    state = await projections.gate_state(uow, gate, now, timedelta(days=14))
    board = await projections.officer_board(uow, state, now)

    export = next(d for d in board.directions if d.direction == "export")
    assert export.waiting_total == 3
    assert [v.position for v in board.waiting] == [1, 2]
    assert [v.plate for v in board.waiting] == ["29H-557.00", "29H-557.01"]
    export_state = next(s for s in state.directions if s.direction.value == "export")
    assert export_state.waiting_total == 3 and len(export_state.head) == 2
    # A vehicle beyond the head is placed by counting when asked (an enterprise's view).
    third = next(
        b for b in await uow.session.scalars(select(Booking).where(Booking.plate == "29H55702"))
    )
    assert third.id not in export_state.places
    assert await projections._places_beyond_head(uow, [third], {gate.id: state}) == {third.id: 3}
