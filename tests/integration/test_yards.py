"""Waiting yards: trucks check in at a yard's entrance (for their booking's gate, or as
walk-ins) and out at its exit, once per device event, never beyond the yard's capacity;
audited in the yard's hash chain and published after commit. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.store.audit import verify
from gate.store.tables import AuditLogEntry, YardVisit
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import (
    Api,
    admin,
    bearer,
    device,
    enterprise_user,
    open_all_day,
    read,
    this_hour,
    unique_plate,
)
from tests.yards import yard, yard_device, yard_enterprise, yard_read


async def _booked(api: Api) -> dict[str, str]:
    """A booking at Tân Thanh, export, perishable cargo, still to be used."""
    await open_all_day(api)
    carrier = await api.enterprise()
    booked = await carrier.book(this_hour(3))
    assert booked.status_code == 201, booked.text
    return dict(booked.json())


async def test_a_booked_truck_waits_for_its_booking_and_a_walk_in_waits_behind_as_regular(
    api: Api,
):
    booking = await _booked(api)
    code = await yard(api, await yard_enterprise(api))
    entry = await yard_device(api, code)
    walk_in_plate = unique_plate("29C")

    booked = await api.client.post(
        f"/api/v1/yards/{code}/checkins", json=yard_read(booking["plate"]), headers=entry
    )
    walk_in = await api.client.post(
        f"/api/v1/yards/{code}/checkins", json=yard_read(walk_in_plate), headers=entry
    )

    assert booked.status_code == 200, booked.text
    assert booked.json()["outcome"] == "entered"
    assert booked.json()["walk_in"] is False
    assert booked.json()["queue_class"] == "perishable"
    assert booked.json()["gate"] == "tan-thanh"
    assert booked.json()["slot_start"].startswith(this_hour(3).isoformat()[:16])
    assert walk_in.status_code == 200, walk_in.text
    assert walk_in.json()["walk_in"] is True
    assert walk_in.json()["queue_class"] == "regular"
    assert walk_in.json()["slot_start"] == walk_in.json()["entered_at"]
    trucks = await api.client.get(f"/api/v1/yards/{code}/visits", headers=admin())
    assert [(t["booking_id"], t["behind"]) for t in trucks.json()] == [
        (booking["id"], False),
        (None, True),
    ]
    listed = await api.client.get("/api/v1/yards", headers=admin())
    assert [y["in_yard"] for y in listed.json() if y["code"] == code] == [2]


async def test_a_replayed_read_gets_the_first_answer_and_its_id_with_another_truck_is_refused(
    api: Api, uow: UnitOfWork
):
    code = await yard(api, await yard_enterprise(api))
    entry = await yard_device(api, code)
    first = yard_read(unique_plate(), event_id="cam-1")
    url = f"/api/v1/yards/{code}/checkins"

    answered = await api.client.post(url, json=first, headers=entry)
    again = await api.client.post(url, json=first, headers=entry)
    reused = await api.client.post(url, json={**first, "plate": unique_plate()}, headers=entry)

    assert answered.status_code == 200, answered.text
    assert again.status_code == 200
    assert again.content == answered.content
    assert again.headers.get("idempotent-replayed") == "true"
    assert reused.status_code == 422
    assert reused.json()["type"] == "/problems/event-id-reused"
    visits = (await uow.session.scalars(select(YardVisit))).all()
    assert len(visits) == 1


async def test_entries_and_exits_are_in_the_yards_audit_chain_which_verifies(
    api: Api, uow: UnitOfWork, bus: InMemoryEventBus
):
    code = await yard(api, await yard_enterprise(api))
    plate = unique_plate()
    url = f"/api/v1/yards/{code}/checkins"
    await api.client.post(url, json=yard_read(plate), headers=await yard_device(api, code))
    out = await api.client.post(
        url, json=yard_read(plate), headers=await yard_device(api, code, watches="exit")
    )

    assert out.json()["outcome"] == "left"
    entries = (
        await uow.session.scalars(
            select(AuditLogEntry)
            .where(AuditLogEntry.event.like("yard.%"))
            .order_by(AuditLogEntry.seq)
        )
    ).all()
    assert [(e.event, e.to_status) for e in entries] == [
        ("yard.truck_entered", "waiting"),
        ("yard.truck_left", "left"),
    ]
    assert all(e.actor_kind == "device" for e in entries)
    assert plate.replace("-", "").replace(".", "") not in "".join(e.data for e in entries)
    breaks, checked = await verify(uow.session)
    assert not breaks and checked >= 2
    published = [p["event"] for p in bus.published if p["event"].startswith("yard.")]
    assert published == ["yard.truck_entered", "yard.truck_left"]


async def test_a_full_yard_a_closed_yard_and_a_truck_already_in_a_yard_are_refused(api: Api):
    owner = await yard_enterprise(api)
    small = await yard(api, owner, capacity=1)
    other = await yard(api, owner)
    plate = unique_plate()
    await api.client.post(
        f"/api/v1/yards/{small}/checkins",
        json=yard_read(plate),
        headers=await yard_device(api, small),
    )

    full = await api.client.post(
        f"/api/v1/yards/{small}/checkins",
        json=yard_read(unique_plate()),
        headers=await yard_device(api, small),
    )
    twice = await api.client.post(
        f"/api/v1/yards/{other}/checkins",
        json=yard_read(plate),
        headers=await yard_device(api, other),
    )
    await api.client.post(f"/api/v1/yards/{other}/out-of-service", headers=admin())
    closed = await api.client.post(
        f"/api/v1/yards/{other}/checkins",
        json=yard_read(unique_plate()),
        headers=await yard_device(api, other),
    )

    assert (full.status_code, full.json()["type"]) == (409, "/problems/yard-full")
    assert "holds its 1 trucks" in full.json()["detail"]
    assert (twice.status_code, twice.json()["type"]) == (409, "/problems/already-in-yard")
    assert (closed.status_code, closed.json()["type"]) == (409, "/problems/yard-closed")


@pytest.mark.parametrize(
    ("read", "problem"),
    [
        ({"trailer_plate": "12R-012.34"}, "/problems/validation"),  # a trailer alone
        ({"plate": "12R-012.34"}, "/problems/validation"),  # a trailer's plate as the tractor
        ({"plate": "not a plate"}, "/problems/invalid-plate"),
        ({"plate": "12C-123.45", "trailer_plate": "12C-543.21"}, "/problems/validation"),
    ],
)
async def test_reads_are_held_to_the_plate_rules(api: Api, read: dict[str, str], problem: str):
    code = await yard(api, await yard_enterprise(api))
    answer = await api.client.post(
        f"/api/v1/yards/{code}/checkins",
        json=yard_read(**read),
        headers=await yard_device(api, code),
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["type"] == problem


async def test_an_exit_read_ends_a_waiting_visit_and_sends_a_dispatched_truck_on_its_way(
    api: Api, settings, uow: UnitOfWork
):
    code = await yard(api, await yard_enterprise(api))
    waiting, dispatched = unique_plate(), unique_plate()
    entry, exit_ = await yard_device(api, code), await yard_device(api, code, watches="exit")
    url = f"/api/v1/yards/{code}/checkins"
    for plate in (waiting, dispatched):
        assert (await api.client.post(url, json=yard_read(plate), headers=entry)).status_code == 200
    # Dispatch orders are another part's; here the visit is moved as an order would move it.
    from gate.store.database import create_engine, create_session_factory

    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as writing:
            visit = await writing.session.scalar(
                select(YardVisit).where(
                    YardVisit.plate == dispatched.replace("-", "").replace(".", "")
                )
            )
            assert visit is not None
            visit.status = "dispatched"
            await writing.commit()
    finally:
        await engine.dispose()

    left = await api.client.post(url, json=yard_read(waiting), headers=exit_)
    departed = await api.client.post(url, json=yard_read(dispatched), headers=exit_)

    assert (left.json()["outcome"], left.json()["status"]) == ("left", "left")
    assert (departed.json()["outcome"], departed.json()["status"]) == ("departed", "en_route")
    rows = {v.plate: v for v in (await uow.session.scalars(select(YardVisit))).all()}
    gone = rows[waiting.replace("-", "").replace(".", "")]
    assert gone.active_plate is None and gone.ended_at is not None
    on_way = rows[dispatched.replace("-", "").replace(".", "")]
    assert on_way.departed_at is not None and on_way.active_plate is not None
    again = await api.client.post(url, json=yard_read(waiting), headers=entry)
    assert again.status_code == 200  # its plate is free for a new visit


async def test_the_yards_staff_check_trucks_in_and_out_by_hand_under_their_own_name(
    api: Api, uow: UnitOfWork
):
    owner = await yard_enterprise(api)
    code = await yard(api, owner)
    staff = bearer(await enterprise_user(api, owner))
    body = {"plate": unique_plate(), "direction": "import"}

    entered = await api.client.post(f"/api/v1/yards/{code}/visits", json=body, headers=staff)
    assert entered.status_code == 201, entered.text
    assert (entered.json()["gate"], entered.json()["direction"]) == ("tan-thanh", "import")
    out = await api.client.post(
        f"/api/v1/yards/{code}/visits/{entered.json()['id']}/exit", headers=staff
    )

    assert out.status_code == 200, out.text
    assert out.json()["status"] == "left"
    actors = (
        await uow.session.scalars(
            select(AuditLogEntry.actor_id).where(AuditLogEntry.event.like("yard.%"))
        )
    ).all()
    me = await api.client.get("/api/v1/auth/me", headers=staff)
    assert actors == [me.json()["user_id"]] * 2


CAPACITY = 4


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_burst_of_entries_at_once_never_puts_more_trucks_in_a_yard_than_it_holds(
    api: Api, uow: UnitOfWork, backend: str
):
    code = await yard(api, await yard_enterprise(api), capacity=CAPACITY)
    # Each read from its own device, so no two share a key in the idempotency records.
    cameras = [await yard_device(api, code) for _ in range(5 * CAPACITY)]

    answers = await asyncio.gather(
        *(
            api.client.post(
                f"/api/v1/yards/{code}/checkins", json=yard_read(unique_plate()), headers=camera
            )
            for camera in cameras
        )
    )

    statuses = [a.status_code for a in answers]
    assert statuses.count(200) == CAPACITY, statuses
    assert {a.json()["type"] for a in answers if a.status_code != 200} == {"/problems/yard-full"}
    in_yard = (
        await uow.session.scalars(select(YardVisit).where(YardVisit.status == "waiting"))
    ).all()
    assert len(in_yard) == CAPACITY


async def test_a_truck_already_checked_in_at_its_gate_is_refused_at_a_yard_by_plate_or_code(
    api: Api, uow: UnitOfWork
):
    await open_all_day(api)
    carrier = await api.enterprise()
    booking = (await carrier.book(this_hour())).json()
    at_gate = await api.client.post(
        "/api/v1/gates/tan-thanh/checkins", json=read(booking["plate"]), headers=await device(api)
    )
    assert at_gate.json()["outcome"] in ("on_time", "late"), at_gate.text
    owner = await yard_enterprise(api)
    code = await yard(api, owner)
    entry = await yard_device(api, code)
    staff = bearer(await enterprise_user(api, owner))

    by_plate = await api.client.post(
        f"/api/v1/yards/{code}/checkins", json=yard_read(booking["plate"]), headers=entry
    )
    by_code = await api.client.post(
        f"/api/v1/yards/{code}/checkins",
        json=yard_read(booking_code=booking["code"]),
        headers=entry,
    )
    by_hand = await api.client.post(
        f"/api/v1/yards/{code}/visits",
        json={"plate": booking["plate"], "direction": "export"},
        headers=staff,
    )

    for refused in (by_plate, by_code, by_hand):
        assert (refused.status_code, refused.json()["type"]) == (
            409,
            "/problems/already-at-gate",
        ), refused.text
        assert "control yard" in refused.json()["detail"]
    assert (await uow.session.scalars(select(YardVisit))).all() == []
