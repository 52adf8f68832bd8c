"""Gate devices check vehicles in: idempotent, judged by the time observed, answered with the
vehicle's place in the queue."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gate.config import Settings
from gate.domain.time import utc_now
from gate.store.tables import AuditLogEntry, Booking
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, book_as_of, device, open_all_day, read, this_hour

CHECKINS = "/api/v1/gates/tan-thanh/checkins"


@pytest.fixture(autouse=True)
async def gate_open_all_day(api: Api) -> None:
    await open_all_day(api)


async def _count(uow: UnitOfWork, model: type, *where: object) -> int:
    await uow.session.rollback()
    query = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
    return int(await uow.session.scalar(query) or 0)


async def test_a_device_event_sent_five_times_acts_once_and_answers_the_same(
    api: Api, uow: UnitOfWork
):
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour())).json()
    camera = await device(api)
    event = read(booking["plate"], event_id="cam-1-000042")

    answers = [await api.client.post(CHECKINS, json=event, headers=camera) for _ in range(5)]

    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert answers[0].json()["outcome"] == "on_time"
    assert answers[0].json()["queue_position"] == 1
    assert [a.headers.get("Idempotent-Replayed") for a in answers] == [None] + ["true"] * 4
    arrivals = await _count(
        uow,
        AuditLogEntry,
        AuditLogEntry.subject_id == booking["id"],
        AuditLogEntry.event == "vehicle.arrived",
    )
    assert arrivals == 1


async def test_a_device_event_sent_five_times_concurrently_acts_once(api: Api, uow: UnitOfWork):
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour())).json()
    camera = await device(api)
    event = read(booking["plate"])

    answers = await asyncio.gather(
        *(api.client.post(CHECKINS, json=event, headers=camera) for _ in range(5))
    )

    assert [a.status_code for a in answers] == [200] * 5
    assert len({a.content for a in answers}) == 1
    assert (
        await _count(
            uow,
            AuditLogEntry,
            AuditLogEntry.subject_id == booking["id"],
            AuditLogEntry.event == "vehicle.arrived",
        )
        == 1
    )


async def test_two_cameras_reading_one_truck_at_once_check_it_in_once(api: Api, uow: UnitOfWork):
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour())).json()
    cameras = [await device(api) for _ in range(4)]

    answers = await asyncio.gather(
        *(api.client.post(CHECKINS, json=read(booking["plate"]), headers=c) for c in cameras)
    )

    outcomes = sorted(a.json()["outcome"] for a in answers)
    assert outcomes == ["already_in_yard"] * 3 + ["on_time"]
    assert (
        await _count(
            uow,
            AuditLogEntry,
            AuditLogEntry.subject_id == booking["id"],
            AuditLogEntry.event == "vehicle.arrived",
        )
        == 1
    )


async def test_a_batch_replayed_after_an_outage_adds_nothing_twice(api: Api, uow: UnitOfWork):
    enterprise = await api.enterprise()
    plates = [(await enterprise.book(this_hour())).json()["plate"] for _ in range(4)]
    camera = await device(api)
    observed = utc_now() - timedelta(minutes=20)
    batch = {
        "events": [
            read(plate, observed + timedelta(minutes=i), f"offline-{i}")
            for i, plate in enumerate(plates)
        ]
        + [read("12C-999.99", observed + timedelta(minutes=10), "offline-walk-in")]
    }
    first = await api.client.post(f"{CHECKINS}/batch", json=batch, headers=camera)
    bookings_after_first = await _count(uow, Booking)
    audit_after_first = await _count(uow, AuditLogEntry)

    again = await api.client.post(f"{CHECKINS}/batch", json=batch, headers=camera)
    single = await api.client.post(CHECKINS, json=batch["events"][0], headers=camera)

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert [a["outcome"] for a in first.json()["answers"]] == ["on_time"] * 4 + ["walk_in"]
    assert [a["queue_position"] for a in first.json()["answers"][:4]] == [1, 2, 3, 4]
    assert single.json() == first.json()["answers"][0]
    assert await _count(uow, Booking) == bookings_after_first
    assert await _count(uow, AuditLogEntry) == audit_after_first


async def test_events_are_judged_by_the_time_observed_not_the_time_received(
    api: Api, settings: Settings
):
    enterprise = await api.enterprise()
    # The slot began 90 minutes ago; the camera saw the truck 70 minutes ago (on time) but
    # was offline until now. A read made now would be late.
    slot = this_hour(-2)
    on_time = await book_as_of(settings, enterprise, slot)
    late = await book_as_of(settings, enterprise, slot)
    camera = await device(api)
    seen_then = slot + timedelta(minutes=50)

    replayed = await api.client.post(
        CHECKINS, json=read(on_time["plate"], seen_then), headers=camera
    )
    now = await api.client.post(CHECKINS, json=read(late["plate"]), headers=camera)

    assert replayed.json()["outcome"] == "on_time"
    assert now.json()["outcome"] == "late"
    # The late truck waits behind the on-time one although both share a slot.
    assert replayed.json()["queue_position"] == 1 and now.json()["queue_position"] == 2


async def test_the_answer_says_early_late_walk_in_or_refused(api: Api, settings: Settings):
    enterprise = await api.enterprise()
    camera = await device(api)
    early = (await enterprise.book(this_hour(2))).json()
    too_early = (await enterprise.book(this_hour(9))).json()
    late = await book_as_of(settings, enterprise, this_hour(-2))
    await open_all_day(api, "huu-nghi")
    elsewhere = (await enterprise.book(this_hour(), gate="huu-nghi")).json()

    async def outcome(plate: str) -> tuple[str, str | None]:
        answer = (await api.client.post(CHECKINS, json=read(plate), headers=camera)).json()
        return answer["outcome"], answer["refusal"]

    assert await outcome(early["plate"]) == ("early", None)
    assert await outcome(too_early["plate"]) == ("refused", "too_early")
    assert await outcome(late["plate"]) == ("late", None)
    assert await outcome("12C-777.01") == ("walk_in", None)
    assert await outcome(elsewhere["plate"]) == ("refused", "wrong_gate")
    assert await outcome("NOT A PLATE") == ("refused", "unreadable_plate")


async def test_a_walk_in_is_admitted_only_while_the_hour_has_room(api: Api):
    await api.set_capacity(this_hour(), 1)
    camera = await device(api)
    first = await api.client.post(CHECKINS, json=read("12C-777.02"), headers=camera)
    second = await api.client.post(CHECKINS, json=read("12C-777.03"), headers=camera)
    assert first.json()["outcome"] == "walk_in"
    assert (second.json()["outcome"], second.json()["refusal"]) == (
        "refused",
        "no_room_for_walk_in",
    )
    assert (await api.slot(this_hour()))["booked"] == 1


async def test_a_kiosk_checks_a_vehicle_in_by_its_booking_code(api: Api):
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour())).json()
    kiosk = await device(api, direction=None, kind="kiosk")
    body = {
        "event_id": "kiosk-1",
        "observed_at": utc_now().isoformat(),
        "booking_code": booking["code"],
    }
    answer = await api.client.post(CHECKINS, json=body, headers=kiosk)
    assert answer.json()["outcome"] == "on_time"
    assert answer.json()["booking_code"] == booking["code"]
    # Kiosk screens are public: the plate is masked.
    assert answer.json()["plate"] != booking["plate"] and "•••" in answer.json()["plate"]
    unknown = {**body, "event_id": "kiosk-2", "booking_code": "ZZZZZZZZZZ"}
    refused = (await api.client.post(CHECKINS, json=unknown, headers=kiosk)).json()
    assert refused["refusal"] == "unknown_booking_code"


async def test_a_device_acts_only_at_its_own_gate_and_others_cannot_check_in(api: Api):
    camera = await device(api, gate="huu-nghi")
    enterprise = await api.enterprise()
    answer = await api.client.post(CHECKINS, json=read("12C-777.04"), headers=camera)
    assert answer.status_code == 403
    answer = await api.client.post(CHECKINS, json=read("12C-777.04"), headers=enterprise.headers)
    assert answer.status_code == 403
    assert (await api.client.post(CHECKINS, json=read("12C-777.04"))).status_code == 401


async def test_an_event_from_beyond_the_device_clocks_limits_is_refused_with_422(
    api: Api, uow: UnitOfWork
):
    camera = await device(api)
    ahead = read("12C-777.06", utc_now() + timedelta(minutes=6))
    old = read("12C-777.07", utc_now() - timedelta(days=2, minutes=1))
    for event, reason in ((ahead, "in the future"), (old, "too old")):
        for url, body in ((CHECKINS, event), (f"{CHECKINS}/batch", {"events": [event]})):
            answer = await api.client.post(url, json=body, headers=camera)
            assert answer.status_code == 422, answer.text
            assert reason in answer.json()["detail"]
    assert await _count(uow, Booking) == 0


@pytest.mark.parametrize(
    "spoil",
    [
        {"observed_at": "2026-01-01T00:00:00"},
        {"plate": None},
        {"booking_code": "ABCDEFGHJK"},
        {"event_id": ""},
        {"unknown": 1},
    ],
    ids=[
        "naive time",
        "neither plate nor code",
        "both plate and code",
        "empty id",
        "unknown field",
    ],
)
async def test_a_malformed_event_is_refused_with_422_and_changes_nothing(
    api: Api, uow: UnitOfWork, spoil: dict[str, object]
):
    camera = await device(api)
    body = {**read("12C-777.05"), **spoil}
    answer = await api.client.post(CHECKINS, json=body, headers=camera)
    assert answer.status_code in (400, 422), answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert await _count(uow, Booking) == 0


async def test_an_event_from_the_future_is_refused(api: Api):
    camera = await device(api)
    body = read("12C-777.06", utc_now() + timedelta(hours=1))
    answer = await api.client.post(CHECKINS, json=body, headers=camera)
    assert answer.status_code == 422


async def test_many_walk_ins_at_once_each_get_a_place_and_no_error(api: Api):
    """Concurrent walk-ins into one hour: each is admitted with a place. (Under load the
    vehicles ahead and the class counts once came from two snapshots and a check-in racing
    others could be told it was ahead of itself, a 500 in about 0.6% of check-ins; that race
    needs more concurrency than a test run has, so the bench is where it was seen.)"""
    cameras = [await device(api) for _ in range(3)]
    answers = await asyncio.gather(
        *(
            api.client.post(
                CHECKINS,
                json=read(f"29H-{600 + n // 100:03d}.{n % 100:02d}"),
                headers=cameras[n % 3],
            )
            for n in range(30)
        )
    )
    assert [a.status_code for a in answers] == [200] * 30
    assert {a.json()["outcome"] for a in answers} == {"walk_in"}
    positions = sorted(a.json()["queue_position"] for a in answers)
    assert positions[0] >= 1 and positions[-1] <= 30
