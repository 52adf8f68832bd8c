"""A booked truck held in a waiting yard by dispatch is judged fairly: it is present, so the
no-show sweep passes it by; at the gate (camera or officer by hand) it is judged by when it
entered the yard, never refused as too early nor lapsed as too late
(gate/domain/checkin.py::judge_held_arrival). The hot path stays one statement per batch on
the yards' visits. On SQLite and PostgreSQL, through the yard's and the gate's own APIs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from gate.bookings.sweeps import sweep_no_shows
from gate.bus.events import InMemoryEventBus
from gate.checkins.reads import DeviceEvent
from gate.checkins.service import check_in_many
from gate.config import Settings
from gate.domain.time import utc_now
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Device, Gate
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import (
    Api,
    Enterprise,
    book_as_of,
    device,
    officer,
    open_all_day,
    read,
    this_hour,
)
from tests.yards import yard, yard_device, yard_enterprise, yard_read

GATE = "/api/v1/gates/tan-thanh"


@pytest.fixture(autouse=True)
async def gate_open_all_day(api: Api) -> None:
    await open_all_day(api)


@pytest.fixture
async def entry(api: Api) -> AsyncIterator[tuple[str, dict[str, str]]]:
    """A yard serving Tân Thanh and its entry camera's headers."""
    code = await yard(api, await yard_enterprise(api), capacity=50)
    yield code, await yard_device(api, code)


async def _enters(
    api: Api, entry: tuple[str, dict[str, str]], plate: str, at: datetime
) -> dict[str, Any]:
    code, headers = entry
    body = yard_read(plate, observed_at=at.isoformat())
    answer = await api.client.post(f"/api/v1/yards/{code}/checkins", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "entered"
    return dict(answer.json())


async def _status(api: Api, enterprise: Enterprise, booking: dict[str, Any]) -> str:
    answer = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=enterprise.headers)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["status"])


async def test_a_truck_held_in_a_yard_past_its_no_show_deadline_is_not_swept_as_a_no_show(
    api: Api, settings: Settings, uow: UnitOfWork, entry: tuple[str, dict[str, str]]
):
    carrier = await api.enterprise()
    slot = this_hour(-4)  # its no-show deadline (slot + 1 h grace + 2 h) has passed
    held = await book_as_of(settings, carrier, slot)
    absent = await book_as_of(settings, carrier, slot)
    await _enters(api, entry, held["plate"], slot + timedelta(minutes=10))

    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as sweeping:
            swept = await sweep_no_shows(sweeping, utc_now())
            await sweeping.commit()
    finally:
        await engine.dispose()

    assert swept == 1
    assert await _status(api, carrier, absent) == "no_show"
    assert await _status(api, carrier, held) == "booked"


async def test_a_truck_held_past_its_grace_is_on_time_and_one_late_to_the_yard_is_late(
    api: Api, settings: Settings, entry: tuple[str, dict[str, str]]
):
    carrier = await api.enterprise()
    slot = this_hour(-2)  # the grace (1 h) has passed; the no-show deadline (3 h) not yet
    in_time, too_late_to_yard = [await book_as_of(settings, carrier, slot) for _ in range(2)]
    long_held = await book_as_of(settings, carrier, this_hour(-5))  # would have lapsed
    await _enters(api, entry, in_time["plate"], slot + timedelta(minutes=10))
    await _enters(api, entry, too_late_to_yard["plate"], slot + timedelta(minutes=70))
    await _enters(api, entry, long_held["plate"], this_hour(-5) - timedelta(minutes=20))
    camera = await device(api)

    answers = [
        await api.client.post(f"{GATE}/checkins", json=read(truck["plate"]), headers=camera)
        for truck in (in_time, too_late_to_yard, long_held)
    ]

    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    assert [a.json()["outcome"] for a in answers] == ["on_time", "late", "on_time"]
    assert [a.json().get("booking_code") for a in answers] == [
        t["code"] for t in (in_time, too_late_to_yard, long_held)
    ]
    for truck in (in_time, too_late_to_yard, long_held):
        assert await _status(api, carrier, truck) == "arrived"


async def test_a_truck_sent_from_the_yard_hours_before_its_slot_is_not_refused_as_too_early(
    api: Api, entry: tuple[str, dict[str, str]]
):
    carrier = await api.enterprise()
    booked = await carrier.book(this_hour(10))  # beyond the 6 h an early truck may come
    assert booked.status_code == 201, booked.text
    await _enters(api, entry, booked.json()["plate"], utc_now())
    not_in_a_yard = await carrier.book(this_hour(10))
    camera = await device(api)

    held = await api.client.post(
        f"{GATE}/checkins", json=read(booked.json()["plate"]), headers=camera
    )
    came_alone = await api.client.post(
        f"{GATE}/checkins", json=read(not_in_a_yard.json()["plate"]), headers=camera
    )

    assert held.json()["outcome"] == "on_time", held.text
    assert (came_alone.json()["outcome"], came_alone.json()["refusal"]) == ("refused", "too_early")


async def test_an_officer_checking_a_held_truck_in_by_hand_judges_it_by_its_yard_entry(
    api: Api, settings: Settings, entry: tuple[str, dict[str, str]]
):
    carrier = await api.enterprise()
    slot = this_hour(-4)
    held = await book_as_of(settings, carrier, slot)
    await _enters(api, entry, held["plate"], slot - timedelta(minutes=5))
    operator = await officer(api, "gate_operator")

    answer = await api.client.post(
        f"{GATE}/manual-checkins", json={"booking_id": held["id"]}, headers=operator
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "on_time"
    assert await _status(api, carrier, held) == "arrived"


async def test_a_check_in_batch_asks_for_the_yards_visits_once_whatever_its_size(
    api: Api, settings: Settings, entry: tuple[str, dict[str, str]]
):
    """One statement on ``yard_visits`` for a batch with no truck from a yard (the usual
    case), two (the lookup, and the visits ended) when some came from one."""
    carrier = await api.enterprise()
    slot = this_hour(-2)
    trucks = [await book_as_of(settings, carrier, slot) for _ in range(6)]
    for truck in trucks[:3]:
        await _enters(api, entry, truck["plate"], slot)
    await device(api)
    engine = create_engine(settings)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "yard_visits" in statement:
            statements.append(statement)

    async def batch(plates: list[str]) -> list[str]:
        statements.clear()
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as work:
            gate = await work.session.scalar(select(Gate).where(Gate.code == "tan-thanh"))
            camera = await work.session.scalar(
                select(Device).where(Device.gate_id == gate.id).order_by(Device.created_at.desc())  # type: ignore[union-attr]
            )
            assert gate is not None and camera is not None
            event.listen(engine.sync_engine, "before_cursor_execute", count)
            try:
                reads = [(camera, DeviceEvent(f"batch-{p}", utc_now(), plate=p)) for p in plates]
                results = await check_in_many(work, gate, reads, retention=timedelta(days=7))
            finally:
                event.remove(engine.sync_engine, "before_cursor_execute", count)
            await work.commit()
        return [bytes(r[0]).decode() for r in results if isinstance(r, tuple)]

    try:
        from_yards = await batch([t["plate"] for t in trucks[:3]])
        from_yards_statements = list(statements)
        straight = await batch([t["plate"] for t in trucks[3:]])
        straight_statements = list(statements)
    finally:
        await engine.dispose()

    assert all('"on_time"' in answer for answer in from_yards), from_yards
    assert all('"late"' in answer for answer in straight), straight
    assert len(from_yards_statements) == 2, from_yards_statements
    assert len(straight_statements) == 1, straight_statements
