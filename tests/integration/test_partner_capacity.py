"""Capacity follows the other side (issue 18), on both databases, through the API: the partner
gate's announced capacity per hour limits our bookable capacity (the smaller of ours and
theirs) in availability and booking; one above ours changes nothing; a later announcement
replaces an earlier one and a withdrawal restores ours; each is audited in the gate's chain
and told as a calendar change; the feed retries safely; bad input is a 4xx problem that
stores nothing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.store.audit import verify
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import AuditLogEntry, OutboxEvent, Slot
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, admin, officer, tomorrow_at

ANNOUNCE = "/api/v1/gates/tan-thanh/partner-announcements"
OURS = 15  # Tân Thanh's export places per hour in its seeded day


def _span(first: int, last: int, capacity: int, **extra: Any) -> dict[str, Any]:
    """An announcement of ``capacity`` per hour for export, tomorrow from ``first`` o'clock to
    ``last`` o'clock (the gates' clock)."""
    return {
        "starts_at": tomorrow_at(first).isoformat(),
        "ends_at": tomorrow_at(last).isoformat(),
        "capacity": capacity,
        "direction": "export",
        **extra,
    }


async def _announce(api: Api, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    answer = await api.client.post(ANNOUNCE, json=body, headers={**admin(), **headers})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def _stored(settings: Settings, model: Any, *where: Any) -> list[Any]:
    """The rows of ``model`` (matching ``where``), in insertion order of their chain or seq."""
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            order = {
                AuditLogEntry: (AuditLogEntry.chain, AuditLogEntry.seq),
                OutboxEvent: (OutboxEvent.seq,),
                Slot: (Slot.direction, Slot.starts_at),
            }[model]
            rows = list(await uow.session.scalars(select(model).where(*where).order_by(*order)))
            uow.session.expunge_all()
            return rows
    finally:
        await engine.dispose()


async def _chains_verify(settings: Settings) -> int:
    """Every audit chain verified: how many entries (a break fails the test)."""
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            breaks, count = await verify(uow.session)
            assert breaks == []
            return count
    finally:
        await engine.dispose()


async def _calendar_changes(settings: Settings) -> list[dict[str, Any]]:
    rows = await _stored(settings, OutboxEvent, OutboxEvent.name == "gate.calendar_changed")
    return [dict(row.payload) for row in rows]


async def test_an_announcement_below_ours_lowers_availability_and_refuses_bookings_beyond_it(
    api: Api, settings: Settings
):
    made = await _announce(api, _span(9, 11, 2, source="letter", reference="CV 12/CK-PC"))
    assert made["status"] == "announced" and made["capacity"] == 2
    assert made["changed"]["directions"] == ["export"]
    assert made["changed"]["starts_at"] == tomorrow_at(9).isoformat()
    assert made["changed"]["ends_at"] == tomorrow_at(11).isoformat()

    limited = await api.slot(tomorrow_at(10))
    assert (limited["capacity"], limited["remaining"], limited["limited_by"]) == (2, 2, "partner")
    assert (await api.slot(tomorrow_at(11)))["capacity"] == OURS  # after the span: ours
    other_way = await api.slot(tomorrow_at(10), direction="import")
    assert other_way["limited_by"] is None

    enterprise = await api.enterprise()
    for _ in range(2):
        booked = await enterprise.book(tomorrow_at(10))
        assert booked.status_code == 201, booked.text
    refused = await enterprise.book(tomorrow_at(10))
    assert refused.status_code == 409 and refused.json()["type"] == "/problems/slot-full"
    assert (await api.slot(tomorrow_at(10)))["booked"] == 2

    [change] = await _calendar_changes(settings)
    assert change["change"] == "partner_capacity"
    assert (change["capacity_before"], change["capacity_after"]) == (OURS, 2)
    assert change["directions"] == ["export"]
    [audited] = await _stored(
        settings, AuditLogEntry, AuditLogEntry.event == "partner_capacity.announced"
    )
    data = json.loads(audited.data)
    assert audited.subject_id == made["id"] and audited.actor_kind == "admin"
    assert (data["capacity"], data["source"], data["reference"]) == (2, "letter", "CV 12/CK-PC")
    assert data["gate"] == "tan-thanh" and audited.to_status == "announced"


async def test_an_announcement_above_ours_changes_nothing(api: Api, settings: Settings):
    made = await _announce(api, _span(9, 12, 40))
    assert made["changed"] is None
    slot = await api.slot(tomorrow_at(10))
    assert (slot["capacity"], slot["limited_by"]) == (OURS, None)
    assert await _calendar_changes(settings) == []


async def test_a_later_announcement_replaces_an_earlier_and_withdrawal_restores_ours(
    api: Api, settings: Settings
):
    enterprise = await api.enterprise()
    booked = [await enterprise.book(tomorrow_at(9)) for _ in range(3)]
    assert all(b.status_code == 201 for b in booked)
    first = await _announce(api, _span(8, 12, 5))
    # The slot materialised by the bookings takes the new capacity too.
    assert (await api.slot(tomorrow_at(9)))["capacity"] == 5
    later = await _announce(api, _span(9, 10, 1))
    over = await api.slot(tomorrow_at(9))
    # Above the partner's capacity the last booked two were moved to later hours (fair
    # rebooking: tests/integration/test_partner_rebooking.py); the hour takes no new one.
    assert (over["capacity"], over["booked"], over["remaining"]) == (1, 1, 0)
    assert (await api.slot(tomorrow_at(10)))["capacity"] == 5  # the first still holds there

    listed = await api.client.get(ANNOUNCE, headers=admin())
    assert [a["id"] for a in listed.json()] == [later["id"], first["id"]]

    withdrawn = await api.client.post(
        f"{ANNOUNCE}/{later['id']}/withdraw", json={"reason": "sent by mistake"}, headers=admin()
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert (await api.slot(tomorrow_at(9)))["capacity"] == 5
    reopened = {"reason": "the partner reopened"}
    await api.client.post(f"{ANNOUNCE}/{first['id']}/withdraw", json=reopened, headers=admin())
    restored = await api.slot(tomorrow_at(9))
    # The moved bookings stay where they went (they may choose to come back).
    assert (restored["capacity"], restored["booked"], restored["limited_by"]) == (OURS, 1, None)

    again = await api.client.post(
        f"{ANNOUNCE}/{first['id']}/withdraw", json={"reason": "twice"}, headers=admin()
    )
    assert again.status_code == 200 and again.json()["withdrawn_reason"] == "the partner reopened"
    audited = await _stored(
        settings, AuditLogEntry, AuditLogEntry.event == "partner_capacity.withdrawn"
    )
    assert [(a.subject_id, a.reason) for a in audited] == [
        (later["id"], "sent by mistake"),
        (first["id"], "the partner reopened"),
    ]
    history = (await api.client.get(ANNOUNCE, headers=admin())).json()
    assert {a["status"] for a in history} == {"withdrawn"} and len(history) == 2
    changes = [c["change"] for c in await _calendar_changes(settings)]
    assert changes == ["partner_capacity"] * 2 + ["partner_withdrawn"] * 2
    # Two announced, two withdrawn, three bookings: each in its chain, which verifies.
    assert await _chains_verify(settings) >= 7


async def test_a_partner_closure_closes_its_hours_with_the_partners_reason(api: Api):
    await _announce(api, {**_span(9, 10, 0), "direction": None})
    for direction in ("export", "import"):
        closed = await api.slot(tomorrow_at(9), direction=direction)
        assert (closed["capacity"], closed["remaining"]) == (0, 0)
        assert closed["closed_reason"] == "closed by the partner gate"
    refused = await (await api.enterprise()).book(tomorrow_at(9))
    assert refused.status_code == 409 and refused.json()["type"] == "/problems/slot-closed"


async def test_the_feed_retries_safely_by_its_own_id_or_an_idempotency_key(api: Api):
    body = _span(9, 11, 3, feed_id="PC-2026-0412")
    made = await _announce(api, body)
    retried = await api.client.post(ANNOUNCE, json=body, headers=admin())
    assert retried.status_code == 200 and retried.json()["id"] == made["id"]
    other = await api.client.post(ANNOUNCE, json={**body, "capacity": 4}, headers=admin())
    assert other.status_code == 409 and other.json()["type"] == "/problems/already-exists"

    keyed = {"Idempotency-Key": "feed-batch-7"}
    once = await _announce(api, _span(12, 13, 6), **keyed)
    replay = await api.client.post(ANNOUNCE, json=_span(12, 13, 6), headers={**admin(), **keyed})
    assert replay.status_code == 201 and replay.json()["id"] == once["id"]
    assert replay.headers["Idempotent-Replayed"] == "true"
    listed = (await api.client.get(ANNOUNCE, headers=admin())).json()
    assert len(listed) == 2


async def test_bad_announcements_are_refused_with_problems_and_store_nothing(api: Api):
    past = {
        "starts_at": tomorrow_at(9, days=-2).isoformat(),
        "ends_at": tomorrow_at(10, days=-2).isoformat(),
    }
    cases = [
        ({**_span(9, 10, 5), **past}, 422, "ends_at"),  # over already
        (_span(10, 9, 5), 422, "ends_at"),  # ends before it starts
        (_span(9, 9, 5), 422, "ends_at"),
        (_span(9, 10, -1), 422, "capacity"),
        (_span(9, 10, 5, direction="sideways"), 422, "direction"),
        (_span(9, 10, 5, source="pigeon"), 422, "source"),
        (_span(9, 10, 5, announced_at=tomorrow_at(8).isoformat()), 422, "announced_at"),
    ]
    for body, status, field in cases:
        answer = await api.client.post(ANNOUNCE, json=body, headers=admin())
        assert answer.status_code == status, (body, answer.text)
        problem = answer.json()
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert field in json.dumps(problem), (field, problem)
    unknown = await api.client.post(
        "/api/v1/gates/nowhere/partner-announcements", json=_span(9, 10, 5), headers=admin()
    )
    assert unknown.status_code == 404 and unknown.json()["type"] == "/problems/not-found"
    missing = await api.client.post(
        f"{ANNOUNCE}/no-such-id/withdraw", json={"reason": "x"}, headers=admin()
    )
    assert missing.status_code == 404
    assert (await api.client.get(ANNOUNCE, headers=admin())).json() == []
    assert (await api.slot(tomorrow_at(9)))["capacity"] == OURS


async def test_officers_of_the_gate_announce_and_read_others_may_not(api: Api):
    guard = await officer(api, "border_guard")
    made = await api.client.post(ANNOUNCE, json=_span(9, 10, 4, source="phone"), headers=guard)
    assert made.status_code == 201, made.text
    assert (await api.client.get(ANNOUNCE, headers=guard)).status_code == 200
    elsewhere = await officer(api, "gate_operator", gates=("huu-nghi",))
    enterprise = await api.enterprise(key_scope="manager")
    for headers in (elsewhere, enterprise.headers):
        refused = await api.client.post(ANNOUNCE, json=_span(9, 10, 1), headers=headers)
        assert refused.status_code == 403, refused.text
        assert (await api.client.get(ANNOUNCE, headers=headers)).status_code == 403
    nobody = await api.client.post(ANNOUNCE, json=_span(9, 10, 1))
    assert nobody.status_code == 401
    assert (await api.slot(tomorrow_at(9)))["capacity"] == 4


async def test_the_hours_an_announcement_changes_get_their_slots_with_the_new_capacity(
    api: Api, settings: Settings
):
    # So that a first booking racing the announcement books under the new capacity (it
    # waits for the row the announcement inserted), not in a row of its own with the old.
    await _announce(api, _span(9, 11, 2))
    await _announce(api, _span(12, 13, 40))  # above ours: no hour changes, no row
    slots = await _stored(settings, Slot)
    assert [(s.direction, s.starts_at, s.capacity, s.booked) for s in slots] == [
        ("export", tomorrow_at(9), 2, 0),
        ("export", tomorrow_at(10), 2, 0),
    ]
    booked = await (await api.enterprise()).book(tomorrow_at(9))
    assert booked.status_code == 201, booked.text
    assert len(await _stored(settings, Slot)) == 2  # booked into the row made


async def test_copies_of_one_feed_announcement_sent_at_once_make_one(api: Api, settings: Settings):
    body = _span(9, 11, 3, feed_id="PC-2026-0413")
    answers = await asyncio.gather(
        *(api.client.post(ANNOUNCE, json=body, headers=admin()) for _ in range(3))
    )
    assert sorted(a.status_code for a in answers) == [200, 200, 201], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    audited = await _stored(
        settings, AuditLogEntry, AuditLogEntry.event == "partner_capacity.announced"
    )
    assert len(audited) == 1
    assert len(await _calendar_changes(settings)) == 1
