"""The world of the fair-rebooking tests (tests/integration/test_rebooking.py,
test_partner_rebooking.py): a platform in process on the test's database with the outbox's
dispatcher off (a test expands when it chooses), tan-thanh's exports open all day with 3
places an hour, and helpers to book, cut an hour and read what came of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.messages.expander import MessageExpander
from gate.outbox.dispatcher import OutboxDispatcher
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Booking, Delivery, OutboxEvent, Slot
from gate.store.unit_of_work import UnitOfWork
from gate.webhooks.expander import WebhookExpander
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.helpers import ADMIN_TOKEN, Api, Enterprise, admin

KIND = "booking.rebooked"


@dataclass
class World:
    api: Api
    settings: Settings
    bus: InMemoryEventBus

    async def run(self, statement: Any, *, rows: bool = True) -> list[Any]:
        """Run ``statement`` in a transaction of its own and commit; its rows when ``rows``."""
        engine = create_engine(self.settings)
        try:
            async with UnitOfWork(create_session_factory(engine), self.bus) as uow:
                result = await uow.session.execute(statement)
                found = list(result.all()) if rows else []
                await uow.commit()
                return found
        finally:
            await engine.dispose()

    async def expand(self) -> list[Delivery]:
        """Expand every outbox event not yet expanded (webhooks and messages); the
        booking.rebooked deliveries made so far."""
        engine = create_engine(self.settings)
        try:
            factory = create_session_factory(engine)
            dispatcher = OutboxDispatcher(
                lambda: UnitOfWork(factory, self.bus),
                [WebhookExpander(), MessageExpander(self.settings)],
                {},
                schedule=(1.0,),
                poll_s=1.0,
            )
            while await dispatcher.expand_once():
                pass
            async with UnitOfWork(factory, self.bus) as uow:
                made = [
                    each
                    for each in await uow.session.scalars(select(Delivery))
                    if KIND in (each.payload.get("type"), each.payload.get("kind"))
                ]
                uow.session.expunge_all()
                return made
        finally:
            await engine.dispose()


@pytest.fixture
async def world(database_url: str, tmp_path: Path, bus: InMemoryEventBus) -> AsyncIterator[World]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        admin_token=ADMIN_TOKEN,
        sweep_seconds=0,
        db_pool_size=10,
        db_pool_overflow=40,
        outbox=False,  # the test expands when it chooses
        webhook_allow_private=True,  # the endpoints' URLs are never called here
        smtp_host="127.0.0.1",
        smtp_from="gate@example.vn",
    )
    async with in_process_client(app_for(settings, bus)) as client:
        world = World(Api(client), settings, bus)
        await schedule(world.api, 3)
        yield world


async def schedule(api: Api, capacity: int) -> None:
    answer = await api.client.put(
        "/api/v1/gates/tan-thanh/schedules/export",
        json={"hourly_capacity": capacity, "opens_at": 0, "closes_at": 24},
        headers=admin(),
    )
    assert answer.status_code == 200, answer.text


async def book(enterprise: Enterprise, hour: datetime, **extra: Any) -> dict[str, Any]:
    answer = await enterprise.book(hour, **extra)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def cut(api: Api, hour: datetime, capacity: int) -> dict[str, Any]:
    body = {"direction": "export", "starts_at": hour.isoformat(), "capacity": capacity}
    answer = await api.client.post(
        "/api/v1/gates/tan-thanh/capacity-overrides", json=body, headers=admin()
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def get_booking(enterprise: Enterprise, booking: dict[str, Any]) -> dict[str, Any]:
    answer = await enterprise.api.client.get(
        f"/api/v1/bookings/{booking['id']}", headers=enterprise.headers
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def at_utc(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


async def booked_per_hour(world: World) -> dict[datetime, tuple[int, int]]:
    """Each export slot's (booked, capacity) at tan-thanh."""
    rows = await world.run(
        select(Slot.starts_at, Slot.booked, Slot.capacity).where(Slot.direction == "export")
    )
    return {starts.astimezone(UTC): (booked, capacity) for starts, booked, capacity in rows}


async def assert_fairly_rebooked(world: World, hour: datetime) -> None:
    """After bookings raced a cut of export ``hour`` to one place: every slot's ``booked``
    equals its active bookings and is within its capacity; of those that held the hour
    (still there, moved from it, or cancelled for want of room), in booking order, the first
    keeps it and every later one left; each that left was told once (one booking.rebooked
    in the outbox)."""
    rows = await world.run(
        select(
            Booking.id,
            Booking.slot_id,
            Booking.slot_start,
            Booking.created_at,
            Booking.status,
            Booking.rebooked_from,
        ).where(Booking.direction == "export")
    )
    slots = await world.run(select(Slot.id, Slot.starts_at, Slot.booked, Slot.capacity))
    active = {slot_id: 0 for slot_id, *_ in slots}
    for row in rows:
        if row.status == "booked":
            active[row.slot_id] += 1
    for slot_id, starts_at, booked, capacity in slots:
        assert booked == active[slot_id] <= capacity, (starts_at, booked, capacity)
    # Those that held the cut hour (still there, moved from it, or cancelled for want of
    # room), in booking order: the first keeps it, every later one left.
    cut_hour = hour.astimezone(UTC)
    held = sorted(
        (
            row
            for row in rows
            if (row.rebooked_from and row.rebooked_from.astimezone(UTC) == cut_hour)
            or (row.slot_start.astimezone(UTC) == cut_hour and row.status == "booked")
        ),
        key=lambda row: (row.created_at, row.id),
    )
    assert held[0].slot_start.astimezone(UTC) == cut_hour and held[0].rebooked_from is None
    assert all(row.rebooked_from is not None for row in held[1:]), held
    events = await world.run(select(OutboxEvent.booking_id).where(OutboxEvent.name == KIND))
    told = [booking_id for (booking_id,) in events]
    assert sorted(told) == sorted(row.id for row in held[1:])
