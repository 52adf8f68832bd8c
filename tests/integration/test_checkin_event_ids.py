"""A device's event_id means one event: a retry of it replays the first answer, the same id
with another truck (a camera whose counter restarted) is refused and changes nothing, and an
id past its retention window is new again."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select, update

from gate.config import Settings
from gate.domain.time import utc_now
from gate.store.database import create_engine
from gate.store.tables import AuditLogEntry, CheckinRecord
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, Enterprise, device, open_all_day, read, this_hour

CHECKINS = "/api/v1/gates/tan-thanh/checkins"
UTC_PLUS_7 = timezone(timedelta(hours=7))


@pytest.fixture(autouse=True)
async def gate_open_all_day(api: Api) -> None:
    await open_all_day(api)


async def _arrivals(uow: UnitOfWork, booking_id: str) -> int:
    await uow.session.rollback()
    query = (
        select(func.count())
        .select_from(AuditLogEntry)
        .where(AuditLogEntry.subject_id == booking_id, AuditLogEntry.event == "vehicle.arrived")
    )
    return int(await uow.session.scalar(query) or 0)


async def _record(uow: UnitOfWork, event_id: str) -> tuple[Any, ...]:
    await uow.session.rollback()
    row = (
        await uow.session.execute(
            select(
                CheckinRecord.booking_id,
                CheckinRecord.outcome,
                CheckinRecord.observed_at,
                CheckinRecord.fingerprint,
                CheckinRecord.answer,
            ).where(CheckinRecord.event_id == event_id)
        )
    ).one()
    return tuple(row)


async def _send(api: Api, camera: dict[str, str], event: dict[str, Any]) -> Any:
    return await api.client.post(CHECKINS, json=event, headers=camera)


async def _status(enterprise: Enterprise, booking: dict[str, Any]) -> str:
    answer = await enterprise.api.client.get(
        f"/api/v1/bookings/{booking['id']}", headers=enterprise.headers
    )
    return str(answer.json()["status"])


async def _received_days_ago(settings: Settings, event_id: str, days: float) -> None:
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                update(CheckinRecord)
                .where(CheckinRecord.event_id == event_id)
                .values(received_at=utc_now() - timedelta(days=days))
            )
    finally:
        await engine.dispose()


async def test_an_event_id_reused_with_another_plate_is_refused_and_checks_nothing_in(
    api: Api, uow: UnitOfWork
):
    enterprise = await api.enterprise()
    first = (await enterprise.book(this_hour())).json()
    second = (await enterprise.book(this_hour())).json()
    camera = await device(api)
    answered = await api.client.post(
        CHECKINS, json=read(first["plate"], event_id="1"), headers=camera
    )
    assert answered.json()["outcome"] == "on_time"
    record_before = await _record(uow, "1")

    # The camera restarted and counts from 1 again; the next truck is another one.
    reused = await api.client.post(
        CHECKINS, json=read(second["plate"], event_id="1"), headers=camera
    )

    assert reused.status_code == 422, reused.text
    assert reused.headers["content-type"].startswith("application/problem+json")
    assert reused.json()["type"] == "/problems/event-id-reused"
    assert reused.json()["event_id"] == "1"
    assert await _status(enterprise, second) == "booked"
    assert await _arrivals(uow, second["id"]) == 0
    assert await _record(uow, "1") == record_before
    assert await _status(enterprise, first) == "arrived"


async def test_an_event_id_reused_in_a_batch_gets_a_problem_and_the_others_are_checked_in(
    api: Api, uow: UnitOfWork
):
    enterprise = await api.enterprise()
    first, second, third = [(await enterprise.book(this_hour())).json() for _ in range(3)]
    camera = await device(api)
    await api.client.post(CHECKINS, json=read(first["plate"], event_id="7"), headers=camera)
    record_before = await _record(uow, "7")
    now = utc_now()
    batch = {
        "events": [
            read(second["plate"], now - timedelta(minutes=2), "7"),
            read(third["plate"], now - timedelta(minutes=1), "8"),
        ]
    }

    answer = await api.client.post(f"{CHECKINS}/batch", json=batch, headers=camera)
    again = await api.client.post(f"{CHECKINS}/batch", json=batch, headers=camera)

    assert answer.status_code == 200, answer.text
    refused, checked_in = answer.json()["answers"]
    assert refused["type"] == "/problems/event-id-reused"
    assert refused["status"] == 422
    assert refused["event_id"] == "7"
    assert "outcome" not in refused
    assert checked_in["outcome"] == "on_time"
    assert again.json() == answer.json()  # the batch's retry: the same answers
    assert await _status(enterprise, second) == "booked"
    assert await _status(enterprise, third) == "arrived"
    assert await _record(uow, "7") == record_before


async def test_one_event_id_twice_in_a_batch_with_two_plates_acts_on_the_first_observed_only(
    api: Api, uow: UnitOfWork
):
    enterprise = await api.enterprise()
    first, second = [(await enterprise.book(this_hour())).json() for _ in range(2)]
    camera = await device(api)
    now = utc_now()
    batch = {
        "events": [
            read(second["plate"], now - timedelta(minutes=1), "42"),
            read(first["plate"], now - timedelta(minutes=3), "42"),
        ]
    }

    answer = await api.client.post(f"{CHECKINS}/batch", json=batch, headers=camera)

    assert answer.status_code == 200, answer.text
    later, earlier = answer.json()["answers"]
    assert earlier["outcome"] == "on_time"
    assert later["type"] == "/problems/event-id-reused"
    assert await _status(enterprise, first) == "arrived"
    assert await _status(enterprise, second) == "booked"
    assert await _arrivals(uow, second["id"]) == 0


async def test_the_group_commit_refuses_a_reused_event_id_sent_at_once_with_its_first_use(
    api: Api, uow: UnitOfWork
):
    """Two requests gathered into one group-commit batch: the first is acted on, the second
    is refused, and neither costs the other its answer."""
    enterprise = await api.enterprise()
    first, second = [(await enterprise.book(this_hour())).json() for _ in range(2)]
    camera = await device(api)
    now = utc_now()
    answers = await asyncio.gather(
        api.client.post(CHECKINS, json=read(first["plate"], now, "9"), headers=camera),
        api.client.post(CHECKINS, json=read(second["plate"], now, "9"), headers=camera),
    )

    assert sorted(a.status_code for a in answers) == [200, 422]
    admitted = next(a for a in answers if a.status_code == 200).json()
    assert admitted["outcome"] == "on_time"
    arrived = [await _status(enterprise, b) for b in (first, second)]
    assert sorted(arrived) == ["arrived", "booked"]


async def test_a_retry_with_the_same_instant_in_another_offset_and_spelling_replays(
    api: Api, uow: UnitOfWork
):
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour())).json()
    camera = await device(api)
    seen = utc_now().replace(microsecond=0) - timedelta(minutes=1)
    event = {
        "event_id": "cam-9-000001",
        "observed_at": seen.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "plate": booking["plate"],
    }
    retry = {
        **event,
        "observed_at": seen.astimezone(UTC_PLUS_7).isoformat(),
        "plate": booking["plate"].replace("-", " ").replace(".", "").lower(),
    }
    assert retry["observed_at"].endswith("+07:00")

    answer = await api.client.post(CHECKINS, json=event, headers=camera)
    replayed = await api.client.post(CHECKINS, json=retry, headers=camera)
    another_second = {**event, "observed_at": (seen + timedelta(seconds=1)).isoformat()}
    refused = await api.client.post(CHECKINS, json=another_second, headers=camera)

    assert answer.status_code == replayed.status_code == 200
    assert replayed.content == answer.content
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/event-id-reused"
    assert await _arrivals(uow, booking["id"]) == 1


async def test_a_device_event_id_past_its_retention_is_acted_on_as_new(
    api: Api, uow: UnitOfWork, settings: Settings
):
    enterprise = await api.enterprise()
    first, second = [(await enterprise.book(this_hour())).json() for _ in range(2)]
    camera = await device(api)
    await api.client.post(CHECKINS, json=read(first["plate"], event_id="1"), headers=camera)
    days = settings.device_event_retention / timedelta(days=1) + 1
    await _received_days_ago(settings, "1", days)

    # The sweep has not run: the claim itself finds the record expired.
    answer = await api.client.post(
        CHECKINS, json=read(second["plate"], event_id="1"), headers=camera
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "on_time"
    assert answer.json()["booking_code"] == second["code"]
    assert answer.headers.get("Idempotent-Replayed") is None
    assert await _status(enterprise, second) == "arrived"
    booking_id, outcome, *_ = await _record(uow, "1")
    assert (booking_id, outcome) == (second["id"], "on_time")
