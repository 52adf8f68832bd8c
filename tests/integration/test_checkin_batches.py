"""Check-ins acted on together (a device's backlog, or the group commit's few milliseconds):
each event is decided as if it had come alone, in order, and one bad event does not cost the
others their check-in."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select

import gate.checkins.routing as routing_module
from gate.bus.events import InMemoryEventBus
from gate.checkins.batcher import CheckinBatcher
from gate.checkins.service import DeviceEvent, Read
from gate.config import Settings
from gate.domain.time import utc_now
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Booking, Device, Gate
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, admin, device, open_all_day, read, this_hour

CHECKINS = "/api/v1/gates/tan-thanh/checkins"


@pytest.fixture(autouse=True)
async def gate_open_all_day(api: Api) -> None:
    await open_all_day(api)


async def _bookings_of(uow: UnitOfWork, plate: str) -> int:
    await uow.session.rollback()
    query = select(func.count()).select_from(Booking).where(Booking.plate == plate)
    return int(await uow.session.scalar(query) or 0)


async def _batch(api: Api, camera: dict[str, str], events: list[dict[str, Any]]) -> list[Any]:
    answer = await api.client.post(f"{CHECKINS}/batch", json={"events": events}, headers=camera)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["answers"])


async def test_a_walk_in_read_twice_in_one_batch_is_checked_in_once(api: Api, uow: UnitOfWork):
    camera = await device(api)
    answers = await _batch(api, camera, [read("29H-555.01"), read("29H-555.01")])
    assert [a["outcome"] for a in answers] == ["walk_in", "already_in_yard"]
    assert answers[0]["booking_code"] == answers[1]["booking_code"]
    assert answers[0]["queue_position"] == answers[1]["queue_position"] == 1
    assert await _bookings_of(uow, "29H55501") == 1


async def test_one_event_twice_in_one_batch_acts_once(api: Api, uow: UnitOfWork):
    camera = await device(api)
    event = read("29H-555.02")
    answers = await _batch(api, camera, [event, event])
    assert answers[0] == answers[1]
    assert answers[0]["outcome"] == "walk_in"
    assert await _bookings_of(uow, "29H55502") == 1


async def test_walk_ins_in_one_batch_take_the_hours_last_places_in_order(api: Api):
    await api.set_capacity(this_hour(), 2)
    camera = await device(api)
    plates = ["29H-555.03", "29H-555.04", "29H-555.05"]
    answers = await _batch(api, camera, [read(p) for p in plates])
    assert [a["outcome"] for a in answers] == ["walk_in", "walk_in", "refused"]
    assert answers[2]["refusal"] == "no_room_for_walk_in"
    assert [a["queue_position"] for a in answers] == [1, 2, None]
    assert (await api.slot(this_hour()))["booked"] == 2
    # The refused truck's second read, in a later batch, finds no room either.
    again = await _batch(api, camera, [read(plates[2])])
    assert again[0]["refusal"] == "no_room_for_walk_in"


async def test_a_revoked_device_key_stops_working_at_once(api: Api):
    camera = await device(api)
    assert (await api.client.post(CHECKINS, json=read("29H-555.06"), headers=camera)).is_success
    listed = await api.client.get("/api/v1/gates/tan-thanh/devices", headers=admin())
    device_id = listed.json()[-1]["id"]
    revoked = await api.client.delete(
        f"/api/v1/gates/tan-thanh/devices/{device_id}", headers=admin()
    )
    assert revoked.status_code == 204
    answer = await api.client.post(CHECKINS, json=read("29H-555.07"), headers=camera)
    assert answer.status_code == 401


async def test_one_failing_event_does_not_cost_the_others_their_check_in(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    """A batch that fails is acted on again event by event: the others are checked in and
    acknowledged, only the failing one is answered with its error."""
    await device(api)
    real = routing_module.check_in_many

    async def poisoned(uow: UnitOfWork, gate: Gate, reads: Sequence[Read], **options: Any) -> Any:
        if any(event.event_id == "poison" for _, event in reads):
            raise RuntimeError("a bug met by one event")
        return await real(uow, gate, reads, **options)

    monkeypatch.setattr(routing_module, "check_in_many", poisoned)
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    batcher = CheckinBatcher(
        lambda: UnitOfWork(factory, InMemoryEventBus()),
        max_wait=0.2,
        retention=settings.device_event_retention,
    )
    await batcher.start()
    try:
        async with UnitOfWork(factory, InMemoryEventBus()) as uow:
            camera = (await uow.session.scalars(select(Device))).all()[-1]
            gate = await uow.session.get(Gate, camera.gate_id)
            assert gate is not None
            camera_id, gate_id = camera.id, gate.id
        now = utc_now()
        events = [DeviceEvent(f"ok-{n}", now, plate=f"29H-556.0{n}") for n in range(4)]
        events.insert(2, DeviceEvent("poison", now, plate="29H-556.99"))
        answers = await asyncio.gather(
            *(batcher.submit(gate_id, camera_id, event) for event in events),
            return_exceptions=True,
        )
    finally:
        await batcher.stop()
        await engine.dispose()
    assert isinstance(answers[2], RuntimeError)
    good = [a for n, a in enumerate(answers) if n != 2]
    assert all(isinstance(a, tuple) and b'"walk_in"' in a[0] for a in good), answers
