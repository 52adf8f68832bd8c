"""A booking rush decided together (issue 20; gate/bookings/rush.py, together.py,
full_slots.py): attempts on one slot are decided in batches, first come first served, with
the answers one-by-one booking gives; exactly the capacity is confirmed; a full slot is
refused without touching its row until a place is freed; Idempotency-Key retries replay."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, event, func, select

from gate.bookings import together
from gate.bookings.full_slots import FullSlots
from gate.bookings.rush import BookingBatcher
from gate.bookings.service import Cargo
from gate.bookings.together import Answer, Decider
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.errors import NotFound, PlateAlreadyBooked, SlotFull
from gate.gates.memory import GateMemory
from gate.store.audit import verify
from gate.store.database import READ_ONLY_OPTION, create_engine, create_session_factory
from gate.store.tables import Booking, Slot
from gate.store.unit_of_work import UnitOfWork
from services.api.bookings.rush import BookingAnswers
from services.platform import Platform
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.booking_batches import attempt, decided
from tests.helpers import Api, Enterprise, tomorrow_at

RUSH = 150  # attempts: bounded, so that two cores shared by several runs finish it quickly
CAPACITY = 7


@pytest.fixture
def rush_settings(settings: Settings) -> Settings:
    # The rush's enterprises write faster than the booking write limit lets one do.
    return dataclasses.replace(settings, booking_write_limit="100000/second")


async def _fleet(api: Api, enterprises: int, vehicles_each: int) -> list[tuple[Enterprise, Any]]:
    """(enterprise, (vehicle, driver)) for ``vehicles_each`` vehicles of each enterprise."""
    fleet = []
    for _ in range(enterprises):
        enterprise = await api.enterprise()
        driver = await enterprise.driver()
        for _ in range(vehicles_each):
            fleet.append((enterprise, (await enterprise.vehicle(), driver)))
    return fleet


async def test_a_rush_confirms_exactly_the_capacity_and_refuses_the_rest_as_full(
    rush_settings: Settings, bus: InMemoryEventBus
):
    app = app_for(rush_settings, bus)
    async with in_process_client(app) as client:
        api = Api(client)
        slot = tomorrow_at(9)
        await api.set_capacity(slot, CAPACITY)
        fleet = await _fleet(api, 3, RUSH // 3)
        sent = [
            (
                enterprise.booking_body(vehicle, driver, slot),
                {**enterprise.headers, "Idempotency-Key": uuid.uuid4().hex},
            )
            for enterprise, (vehicle, driver) in fleet
        ]

        responses = await asyncio.gather(
            *(client.post("/api/v1/bookings", json=body, headers=h) for body, h in sent)
        )

        statuses = Counter(r.status_code for r in responses)
        assert statuses == {201: CAPACITY, 409: RUSH - CAPACITY}, statuses
        for refused in (r for r in responses if r.status_code == 409):
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.json()["type"] == "/problems/slot-full"
            assert refused.json()["capacity"] == CAPACITY
        # A retry of every attempt replays its first answer: no second place, no new refusal.
        retried = await asyncio.gather(
            *(client.post("/api/v1/bookings", json=body, headers=h) for body, h in sent)
        )
        for first, again in zip(responses, retried, strict=True):
            assert again.headers["Idempotent-Replayed"] == "true"
            assert (again.status_code, again.content) == (first.status_code, first.content)
        assert (await api.slot(slot))["booked"] == CAPACITY

    engine = create_engine(rush_settings)
    try:
        async with UnitOfWork(create_session_factory(engine, read_only=True), bus) as uow:
            stored = await uow.session.scalar(select(Slot).where(Slot.starts_at == slot))
            rows = await uow.session.scalar(
                select(func.count()).select_from(Booking).where(Booking.slot_start == slot)
            )
            assert stored is not None and stored.booked == rows == CAPACITY
            breaks, entries = await verify(uow.session)
            assert breaks == []
            assert entries >= CAPACITY
    finally:
        await engine.dispose()


CARGO = Cargo("Sầu riêng (durian), 18 t", 18000)


@pytest.mark.parametrize("careful", [False, True], ids=["together", "one-by-one"])
async def test_a_batch_is_first_come_first_served_with_each_attempt_checked(
    api: Api, settings: Settings, bus: InMemoryEventBus, careful: bool
):
    """The batch's answers are those of the attempts taken one by one in their order: the
    first three that may book get the three places; a truck booked earlier in the batch, an
    unknown driver and the attempts after the places ran out are refused as one by one."""
    slot = tomorrow_at(8)
    await api.set_capacity(slot, 3)
    enterprise = await api.enterprise()
    driver = (await enterprise.driver())["id"]
    first, second, third, fourth, fifth = [await enterprise.vehicle() for _ in range(5)]
    attempts = [
        attempt(enterprise, first, driver, slot, CARGO),
        attempt(enterprise, second, driver, slot, CARGO),
        attempt(enterprise, first, driver, slot, CARGO),  # the same truck again
        attempt(enterprise, third, str(uuid.uuid4()), slot, CARGO),  # an unknown driver
        attempt(enterprise, fourth, driver, slot, CARGO),
        attempt(enterprise, fifth, driver, slot, CARGO),  # no place left
    ]
    outcomes = await decided(settings, bus, attempts, careful=careful)

    kinds = [type(outcome) for outcome in outcomes]
    assert kinds == [Answer, Answer, PlateAlreadyBooked, NotFound, Answer, SlotFull]
    assert [o.status for o in outcomes if isinstance(o, Answer)] == [201, 201, 201]
    assert (await api.slot(slot))["booked"] == 3


async def test_a_full_slot_is_refused_without_its_row_until_a_cancellation_frees_a_place(
    settings: Settings, bus: InMemoryEventBus
):
    app = app_for(settings, bus)
    platform: Platform = app.state.platform
    assert platform.bookings is not None
    # Remembered for the whole test: only the cancellation's event may make it forget.
    platform.bookings.decider.full.ttl_s = 3600
    async with in_process_client(app) as client:
        api = Api(client)
        slot = tomorrow_at(10)
        await api.set_capacity(slot, 1)
        enterprise = await api.enterprise()
        booked = await enterprise.book(slot)
        assert booked.status_code == 201
        assert (await enterprise.book(slot)).status_code == 409  # found full: remembered
        gate_id = await platform.gate_id("tan-thanh")
        assert gate_id is not None
        full = platform.bookings.decider.full
        assert full.capacity_if_full((gate_id, "export", slot)) == 1

        body = enterprise.booking_body(await enterprise.vehicle(), await enterprise.driver(), slot)
        slot_statements: list[str] = []

        def count(conn: Connection, _cursor: object, statement: str, *_: object) -> None:
            # The writing transactions' (the boards' projector reads slots too).
            writing = not conn.get_execution_options().get(READ_ONLY_OPTION)
            if writing and "slots" in statement:
                slot_statements.append(statement)

        event.listen(platform.engine.sync_engine, "before_cursor_execute", count)
        refused = await client.post("/api/v1/bookings", json=body, headers=enterprise.headers)
        assert refused.status_code == 409
        assert refused.json()["type"] == "/problems/slot-full"
        assert slot_statements == []

        cancelled = await client.post(
            f"/api/v1/bookings/{booked.json()['id']}/cancel", json={}, headers=enterprise.headers
        )
        assert cancelled.status_code == 200
        assert full.capacity_if_full((gate_id, "export", slot)) is None
        assert (await enterprise.book(slot)).status_code == 201


async def test_a_truck_booked_concurrently_is_refused_and_its_batch_keeps_the_places(
    api: Api, settings: Settings, bus: InMemoryEventBus, monkeypatch: pytest.MonkeyPatch
):
    """The batch's insert meets the unique index of a truck booked since it read the busy
    plates: the batch is decided again one by one, so that truck alone is refused."""
    slot = tomorrow_at(7)
    await api.set_capacity(slot, 5)
    enterprise = await api.enterprise()
    driver = (await enterprise.driver())["id"]
    first, taken, last = [await enterprise.vehicle() for _ in range(3)]
    assert (await enterprise.book(tomorrow_at(6), vehicle=taken)).status_code == 201

    async def nothing_busy(*_: object) -> tuple[set[str], set[str]]:
        return set(), set()  # as if that booking committed after the batch's read

    monkeypatch.setattr(together, "_busy", nothing_busy)
    how = Decider(GateMemory(), FullSlots(), BookingAnswers(), timedelta(hours=24))
    engine = create_engine(settings)
    batcher = BookingBatcher(lambda: UnitOfWork(create_session_factory(engine), bus), how)
    batcher.start()
    try:
        outcomes = await asyncio.gather(
            *(
                batcher.submit(attempt(enterprise, v, driver, slot, CARGO))
                for v in (first, taken, last)
            ),
            return_exceptions=True,
        )
    finally:
        await batcher.stop()
        await engine.dispose()

    assert [type(outcome) for outcome in outcomes] == [Answer, PlateAlreadyBooked, Answer]
    assert (await api.slot(slot))["booked"] == 2
