"""One request id per request (issue 13, "Logs"): taken from the proxy's X-Request-ID when it
is acceptable, else made at the edge; echoed in the answer; carried into the audit entries
the request appends, never into the payloads public channels pass on. A batch of check-ins
decided together keeps each request's own id (gate/request_ids.py)."""

from __future__ import annotations

import asyncio
import re

import httpx
import msgspec
from sqlalchemy import or_, select

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.request_ids import bound
from gate.store.audit import verify
from gate.store.tables import AuditLogEntry, Booking
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, device, officer, open_all_day, read, tomorrow_at, unique_plate

# Two batchers as two processes would hold them (an engine and a relay address each).
from tests.integration.test_checkin_pipelines import _camera, _event, _processes
from tests.yards import yard, yard_device, yard_enterprise, yard_read

CHECKINS = "/api/v1/gates/tan-thanh/checkins"
MADE_HERE = re.compile(r"[0-9a-f]{32}")


async def _entries(uow: UnitOfWork, request_id: str) -> list[AuditLogEntry]:
    query = select(AuditLogEntry).where(AuditLogEntry.request_id == request_id)
    return list(await uow.session.scalars(query))


async def test_an_acceptable_id_is_echoed_and_any_other_replaced_by_one_made_here(
    client: httpx.AsyncClient,
):
    given = await client.get("/api/v1/gates", headers={"X-Request-ID": "edge-7f3a:1"})
    assert given.headers["x-request-id"] == "edge-7f3a:1"
    for refused in ("x" * 129, "two words", "line\tbreak", "", "é".encode(), "a;b"):
        answer = await client.get("/api/v1/gates", headers={"X-Request-ID": refused})
        assert MADE_HERE.fullmatch(answer.headers["x-request-id"]), refused
    made = [(await client.get("/api/v1/gates")).headers["x-request-id"] for _ in range(2)]
    assert all(MADE_HERE.fullmatch(m) for m in made) and made[0] != made[1]
    # No route, no handler's middleware: the id all the same.
    missing = await client.get("/api/v1/no-such-thing", headers={"X-Request-ID": "lost-1"})
    assert missing.status_code == 404 and missing.headers["x-request-id"] == "lost-1"


async def test_a_booking_s_audit_entry_names_its_request_and_its_payload_does_not(
    api: Api, uow: UnitOfWork, bus: InMemoryEventBus
):
    enterprise = await api.enterprise()
    body = enterprise.booking_body(
        await enterprise.vehicle(), await enterprise.driver(), tomorrow_at(9)
    )
    headers = {**enterprise.headers, "X-Request-ID": "booking-req-1"}
    answer = await api.client.post("/api/v1/bookings", json=body, headers=headers)
    assert answer.status_code == 201, answer.text

    entries = await _entries(uow, "booking-req-1")
    assert [(e.event, e.subject_id) for e in entries] == [("booking.created", answer.json()["id"])]
    # What subscribers (the boards, the websockets) are handed is the payload alone.
    assert all("request_id" not in p and "booking-req-1" not in str(p) for p in bus.published)
    # Outside the hashed form: entries with an id and without verify alike.
    breaks, checked = await verify(uow.session)
    assert breaks == [] and checked >= 1


async def test_check_ins_decided_in_one_batch_each_keep_their_own_request_id(
    api: Api, uow: UnitOfWork
):
    await open_all_day(api)
    camera = await device(api)
    plates = [unique_plate() for _ in range(4)]
    ids = [f"camera-read-{i}" for i in range(4)]
    # Sent at once: the batcher (2 ms) gathers them into one transaction.
    answers = await asyncio.gather(
        *(
            api.client.post(CHECKINS, json=read(p), headers={**camera, "X-Request-ID": i})
            for p, i in zip(plates, ids, strict=True)
        )
    )
    assert [a.json()["outcome"] for a in answers] == ["walk_in"] * 4, [a.text for a in answers]
    for answer, request_id in zip(answers, ids, strict=True):
        assert answer.headers["x-request-id"] == request_id
        booking = await uow.session.scalar(
            select(Booking.id).where(Booking.code == answer.json()["booking_code"])
        )
        entries = await _entries(uow, request_id)
        assert entries and {e.subject_id for e in entries} == {booking}, request_id


async def test_a_check_in_forwarded_to_the_gate_s_owner_keeps_its_request_id(
    api: Api, settings: Settings, uow: UnitOfWork
):
    await open_all_day(api)
    camera, gate = await _camera(api, settings)
    async with _processes(settings) as (owner, other):
        assert isinstance(await owner.submit(gate, camera, _event()), tuple)  # takes the gate
        with bound("forwarded-read-1"):  # as the other process's request would have it
            sent = _event()
        answer = await other.submit(gate, camera, sent)
        assert other.pipelines.held(gate) is None  # decided by the owner, over the relay
    assert isinstance(answer, tuple)
    code = msgspec.json.decode(answer[0])["booking_code"]
    booking = await uow.session.scalar(select(Booking.id).where(Booking.code == code))
    entries = await _entries(uow, "forwarded-read-1")
    assert entries and {e.subject_id for e in entries} == {booking}


async def test_a_check_in_by_hand_decided_in_the_gate_s_loop_keeps_its_request_id(
    api: Api, uow: UnitOfWork
):
    # The gate's loop decides it (gate/checkins/batcher.py, in a context of its own), not the
    # officer's request: the id must travel with the job, as a device event's does.
    await open_all_day(api)
    operator = await officer(api, "gate_operator")
    answer = await api.client.post(
        "/api/v1/gates/tan-thanh/manual-checkins",
        json={"direction": "export", "plate": unique_plate("29H")},
        headers={**operator, "X-Request-ID": "by-hand-req-1"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "walk_in", answer.text
    booking = await uow.session.scalar(
        select(Booking.id).where(Booking.code == answer.json()["booking_code"])
    )
    entries = await _entries(uow, "by-hand-req-1")
    assert entries and {e.subject_id for e in entries} == {booking}


async def test_a_truck_from_a_waiting_yard_checked_in_in_a_batch_names_its_request_throughout(
    api: Api, uow: UnitOfWork
):
    # Its visit's end (dispatch.arrived) is audited beside its booking's arrival, by the
    # batch (gate/dispatch/arrivals.py): both name the camera's request, as they would if
    # the request had decided it alone.
    await open_all_day(api)
    carrier = await api.enterprise()
    booked = await carrier.book(tomorrow_at(9))
    assert booked.status_code == 201, booked.text
    plate = booked.json()["plate"]
    code = await yard(api, await yard_enterprise(api), capacity=5)
    entered = await api.client.post(
        f"/api/v1/yards/{code}/checkins",
        json=yard_read(plate),
        headers=await yard_device(api, code),
    )
    assert entered.json()["outcome"] == "entered", entered.text
    camera = await device(api)

    answer = await api.client.post(
        CHECKINS, json=read(plate), headers={**camera, "X-Request-ID": "from-the-yard-1"}
    )

    assert answer.json()["outcome"] == "on_time", answer.text
    entries = await uow.session.scalars(
        select(AuditLogEntry).where(
            AuditLogEntry.event.in_(["vehicle.arrived", "dispatch.arrived"]),
            or_(
                AuditLogEntry.subject_id == booked.json()["id"],
                AuditLogEntry.data.contains(booked.json()["id"]),
            ),
        )
    )
    assert sorted((e.event, e.request_id) for e in entries) == [
        ("dispatch.arrived", "from-the-yard-1"),
        ("vehicle.arrived", "from-the-yard-1"),
    ]
