"""Idempotency keys mean the same request: one instant in two offsets is one request, and a
key (or a device event_id) past its retention window is new again and purged by the sweep."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import func, select, update

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.time import utc_now
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Booking, CheckinRecord, IdempotencyRecord
from gate.store.unit_of_work import UnitOfWork
from gate.sweeps import run_sweeps_once
from tests.helpers import Api, device, open_all_day, read, tomorrow_at

BOOKINGS = "/api/v1/bookings"


def _in_utc(moment: Any) -> str:
    """``2026-12-01T08:00:00Z`` for what the helpers write as ``…T15:00:00+07:00``."""
    return str(moment.astimezone(UTC).isoformat().replace("+00:00", "Z"))


async def _count(uow: UnitOfWork, model: type) -> int:
    await uow.session.rollback()
    return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def _age(settings: Settings, statement: Any) -> None:
    """Run an UPDATE that makes records look old, as if time had passed."""
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.execute(statement)
    finally:
        await engine.dispose()


async def test_a_booking_retry_with_the_same_instant_in_another_offset_replays(
    api: Api, uow: UnitOfWork
):
    enterprise = await api.enterprise()
    body = enterprise.booking_body(
        await enterprise.vehicle(), await enterprise.driver(), tomorrow_at(9)
    )
    headers = {**enterprise.headers, "Idempotency-Key": "erp-order-utc"}
    retry = {**body, "slot_start": _in_utc(tomorrow_at(9))}
    assert body["slot_start"].endswith("+07:00") and retry["slot_start"].endswith("Z")

    first = await api.client.post(BOOKINGS, json=body, headers=headers)
    again = await api.client.post(BOOKINGS, json=retry, headers=headers)

    assert first.status_code == again.status_code == 201, again.text
    assert again.content == first.content
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert await _count(uow, Booking) == 1
    assert (await api.slot(tomorrow_at(9)))["booked"] == 1


async def test_a_reschedule_retry_with_the_same_instant_in_another_offset_replays(api: Api):
    enterprise = await api.enterprise()
    booking = (await enterprise.book(tomorrow_at(9))).json()
    url = f"{BOOKINGS}/{booking['id']}/reschedule"
    headers = {**enterprise.headers, "Idempotency-Key": "move-to-eleven"}
    body = {"slot_start": tomorrow_at(11).isoformat(), "version": booking["version"]}

    moved = await api.client.post(url, json=body, headers=headers)
    again = await api.client.post(
        url, json={**body, "slot_start": _in_utc(tomorrow_at(11))}, headers=headers
    )

    assert moved.status_code == again.status_code == 200, again.text
    assert again.content == moved.content
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert moved.json()["version"] == booking["version"] + 1
    assert (await api.slot(tomorrow_at(9)))["booked"] == 0
    assert (await api.slot(tomorrow_at(11)))["booked"] == 1


async def test_an_idempotency_key_past_its_retention_counts_as_new(
    api: Api, uow: UnitOfWork, settings: Settings
):
    enterprise = await api.enterprise()
    driver = await enterprise.driver()
    headers = {**enterprise.headers, "Idempotency-Key": "order-reused-next-month"}
    first = enterprise.booking_body(await enterprise.vehicle(), driver, tomorrow_at(9))
    later = enterprise.booking_body(await enterprise.vehicle(), driver, tomorrow_at(10))
    assert (await api.client.post(BOOKINGS, json=first, headers=headers)).status_code == 201
    refused = await api.client.post(BOOKINGS, json=later, headers=headers)
    assert refused.json()["type"] == "/problems/idempotency-key-reused"
    expired = utc_now() - settings.idempotency_key_retention - timedelta(minutes=1)
    await _age(settings, update(IdempotencyRecord).values(created_at=expired))

    # The sweep has not run: the claim itself finds the record expired and acts again.
    answer = await api.client.post(BOOKINGS, json=later, headers=headers)
    replayed = await api.client.post(BOOKINGS, json=later, headers=headers)

    assert answer.status_code == 201, answer.text
    assert answer.headers.get("Idempotent-Replayed") is None
    assert answer.json()["slot_start"] == tomorrow_at(10).isoformat()
    assert replayed.content == answer.content
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    assert await _count(uow, Booking) == 2


async def test_the_sweep_purges_retry_records_past_their_retention_and_keeps_the_others(
    api: Api, uow: UnitOfWork, settings: Settings
):
    await open_all_day(api)
    enterprise = await api.enterprise()
    for key in ("old-key", "new-key"):
        headers = {**enterprise.headers, "Idempotency-Key": key}
        body = enterprise.booking_body(
            await enterprise.vehicle(), await enterprise.driver(), tomorrow_at(9)
        )
        assert (await api.client.post(BOOKINGS, json=body, headers=headers)).status_code == 201
    camera = await device(api)
    for event_id in ("old-event", "new-event"):
        answer = await api.client.post(
            "/api/v1/gates/tan-thanh/checkins",
            json=read("29H-777.01", event_id=event_id),
            headers=camera,
        )
        assert answer.status_code == 200, answer.text
    now = utc_now()
    await _age(
        settings,
        update(IdempotencyRecord)
        .where(IdempotencyRecord.key == "old-key")
        .values(created_at=now - settings.idempotency_key_retention - timedelta(minutes=1)),
    )
    await _age(
        settings,
        update(CheckinRecord)
        .where(CheckinRecord.event_id == "old-event")
        .values(received_at=now - settings.device_event_retention - timedelta(minutes=1)),
    )
    # Just inside the windows: kept.
    await _age(
        settings,
        update(IdempotencyRecord)
        .where(IdempotencyRecord.key == "new-key")
        .values(created_at=now - settings.idempotency_key_retention + timedelta(minutes=5)),
    )
    await _age(
        settings,
        update(CheckinRecord)
        .where(CheckinRecord.event_id == "new-event")
        .values(received_at=now - settings.device_event_retention + timedelta(minutes=5)),
    )

    engine = create_engine(settings)
    try:
        factory = create_session_factory(engine)
        counts = await run_sweeps_once(lambda: UnitOfWork(factory, InMemoryEventBus()), settings)
    finally:
        await engine.dispose()

    assert counts["idempotency_records"] == 1
    assert counts["checkin_records"] == 1
    await uow.session.rollback()
    keys = set(await uow.session.scalars(select(IdempotencyRecord.key)))
    events = set(await uow.session.scalars(select(CheckinRecord.event_id)))
    assert keys == {"new-key"}
    assert events == {"new-event"}
    # What the check-in did is not lost with its record: the truck is still in the yard.
    walk_in = select(Booking.status).where(Booking.plate == "29H77701")
    assert await uow.session.scalar(walk_in) == "arrived"
