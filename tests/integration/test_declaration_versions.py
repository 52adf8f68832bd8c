"""A booking's declaration amended until check-in (issue 18, "Declare once, amend with
history"), on both databases through the API: each amendment a version the enterprise and
the gate's officers read with the fields changed, audited; refused after check-in, against a
stale version, for another enterprise and for bad input, changing nothing; a replay is the
first answer. The events carry field names, never a declaration number or a driver."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from gate.bus.events import InMemoryEventBus
from gate.store.tables import AuditLogEntry, BookingDeclaration
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, Enterprise, device, officer, open_all_day, read, this_hour

FRUIT = {
    "description": "Thanh long (dragon fruit), 20 t",
    "weight_kg": 20000,
    "perishable": True,
    "hs_code": "0810.90",
    "declaration_number": "305123456789",
}
AMENDED = "305999888777"


def _amend_url(booking: dict[str, Any]) -> str:
    return f"/api/v1/bookings/{booking['id']}/declaration"


async def _amend(
    api: Api,
    enterprise: Enterprise,
    booking: dict[str, Any],
    version: int,
    driver_id: str,
    key: str | None = None,
    **cargo: Any,
) -> Any:
    body = {"version": version, "driver_id": driver_id, "cargo": {**FRUIT, **cargo}}
    headers = {**enterprise.headers, **({"Idempotency-Key": key} if key else {})}
    return await api.client.post(_amend_url(booking), json=body, headers=headers)


async def _booked(api: Api) -> tuple[Enterprise, dict[str, Any]]:
    await open_all_day(api)
    enterprise = await api.enterprise()
    answer = await enterprise.book(this_hour(), cargo=FRUIT)
    assert answer.status_code == 201, answer.text
    return enterprise, dict(answer.json())


async def _versions_in_store(uow: UnitOfWork, booking_id: str) -> int:
    count = await uow.session.scalar(
        select(func.count()).where(BookingDeclaration.booking_id == booking_id)
    )
    return int(count or 0)


async def test_two_amendments_make_three_versions_officers_and_the_audit_see(
    api: Api, uow: UnitOfWork, bus: InMemoryEventBus
):
    enterprise, booking = await _booked(api)
    other_driver = await enterprise.driver()

    first = await _amend(api, enterprise, booking, 1, booking["driver_id"], weight_kg=21500)
    assert first.status_code == 200, first.text
    second = await _amend(
        api,
        enterprise,
        booking,
        2,
        other_driver["id"],
        weight_kg=21500,
        hs_code="0810.9010",
        declaration_number=AMENDED,
    )
    assert second.status_code == 200, second.text

    # The booking's columns hold the current declaration.
    now = second.json()
    assert now["version"] == 3 and now["driver_id"] == other_driver["id"]
    assert now["cargo"]["weight_kg"] == 21500 and now["cargo"]["hs_code"] == "08109010"
    assert now["cargo"]["declaration_number"] == AMENDED

    own = await api.client.get(
        f"/api/v1/bookings/{booking['id']}/declarations", headers=enterprise.headers
    )
    headers = await officer(api, "customs")
    seen = await api.client.get(
        f"/api/v1/gates/tan-thanh/vehicles/{booking['id']}/declarations", headers=headers
    )
    assert own.status_code == 200 and seen.status_code == 200, seen.text
    assert own.json() == seen.json()
    versions = seen.json()
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert versions[0]["changed"] == []
    assert versions[0]["cargo"]["declaration_number"] == "305123456789"
    assert versions[1]["changed"] == [{"field": "weight_kg", "before": 20000, "after": 21500}]
    assert versions[2]["changed"] == [
        {"field": "hs_code", "before": "081090", "after": "08109010"},
        {"field": "declaration_number", "before": "305123456789", "after": AMENDED},
        {"field": "driver_id", "before": booking["driver_id"], "after": other_driver["id"]},
    ]
    assert versions[2]["driver_name"] == other_driver["full_name"]
    assert versions[2]["driver_names"][booking["driver_id"]].startswith("Nguyễn Văn")
    assert all(v["actor"] == "enterprise" for v in versions)

    audited = list(
        await uow.session.scalars(
            select(AuditLogEntry)
            .where(
                AuditLogEntry.subject_id == booking["id"],
                AuditLogEntry.event == "booking.declaration_amended",
            )
            .order_by(AuditLogEntry.seq)
        )
    )
    facts = [json.loads(entry.data) for entry in audited]
    assert [(f["declaration_version"], f["changed"]) for f in facts] == [
        (2, "weight_kg"),
        (3, "hs_code,declaration_number,driver_id"),
    ]
    published = [e for e in bus.published if e["event"] == "booking.declaration_amended"]
    assert len(published) == 2
    # Field names only: no declaration number, no driver on the bus.
    assert AMENDED not in json.dumps(published) and other_driver["id"] not in json.dumps(published)


async def test_an_amendment_after_check_in_is_refused_and_changes_nothing(
    api: Api, uow: UnitOfWork
):
    enterprise, booking = await _booked(api)
    answer = await api.client.post(
        "/api/v1/gates/tan-thanh/checkins", json=read(booking["plate"]), headers=await device(api)
    )
    assert answer.json()["outcome"] == "on_time", answer.text
    arrived = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=enterprise.headers)

    refused = await _amend(
        api, enterprise, booking, arrived.json()["version"], booking["driver_id"], weight_kg=1
    )

    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "/problems/invalid-transition"
    after = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=enterprise.headers)
    assert after.json() == arrived.json()
    assert await _versions_in_store(uow, booking["id"]) == 0


async def test_a_stale_version_is_refused(api: Api, uow: UnitOfWork):
    enterprise, booking = await _booked(api)
    assert (await _amend(api, enterprise, booking, 1, booking["driver_id"], weight_kg=1)).is_success

    stale = await _amend(api, enterprise, booking, 1, booking["driver_id"], weight_kg=2)

    assert stale.status_code == 409 and stale.json()["type"] == "/problems/version-conflict"
    assert stale.json()["current_version"] == 2
    assert await _versions_in_store(uow, booking["id"]) == 2


async def test_a_replay_gets_the_first_answer_and_makes_no_second_version(
    api: Api, uow: UnitOfWork
):
    enterprise, booking = await _booked(api)
    driver = booking["driver_id"]

    first = await _amend(api, enterprise, booking, 1, driver, key="amend-1", weight_kg=3)
    again = await _amend(api, enterprise, booking, 1, driver, key="amend-1", weight_kg=3)
    other = await _amend(api, enterprise, booking, 1, driver, key="amend-1", weight_kg=4)

    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert await _versions_in_store(uow, booking["id"]) == 2


async def test_another_enterprise_can_neither_read_nor_amend(api: Api, uow: UnitOfWork):
    enterprise, booking = await _booked(api)
    stranger = await api.enterprise()
    their_driver = await stranger.driver()

    read_it = await api.client.get(
        f"/api/v1/bookings/{booking['id']}/declarations", headers=stranger.headers
    )
    amend_it = await _amend(api, stranger, booking, 1, their_driver["id"], weight_kg=5)
    # Nor may the owner name another enterprise's driver.
    foreign_driver = await _amend(api, enterprise, booking, 1, their_driver["id"])
    gate_elsewhere = await officer(api, "customs", gates=("huu-nghi",))
    officer_elsewhere = await api.client.get(
        f"/api/v1/gates/huu-nghi/vehicles/{booking['id']}/declarations", headers=gate_elsewhere
    )

    assert read_it.status_code == amend_it.status_code == foreign_driver.status_code == 404
    assert officer_elsewhere.status_code == 404
    assert await _versions_in_store(uow, booking["id"]) == 0


async def test_bad_input_is_a_4xx_and_changes_nothing(api: Api, uow: UnitOfWork):
    enterprise, booking = await _booked(api)
    driver = booking["driver_id"]

    answers = [
        await _amend(api, enterprise, booking, 1, driver, hs_code="08"),
        await _amend(api, enterprise, booking, 1, driver, declaration_number="12-34"),
        await _amend(api, enterprise, booking, 1, driver, weight_kg=0),
        await _amend(api, enterprise, booking, 1, driver, description=""),
        # The same declaration again: nothing to amend.
        await _amend(api, enterprise, booking, 1, driver),
        await api.client.post(_amend_url(booking), json={"version": 1}, headers=enterprise.headers),
    ]

    assert all(400 <= a.status_code < 500 for a in answers), [a.text for a in answers]
    assert answers[4].status_code == 422 and answers[4].json()["type"] == "/problems/validation"
    after = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=enterprise.headers)
    assert after.json()["version"] == 1 and after.json()["cargo"]["hs_code"] == "081090"
    assert await _versions_in_store(uow, booking["id"]) == 0


async def test_a_never_amended_booking_has_its_declaration_as_version_one(api: Api):
    enterprise, booking = await _booked(api)

    versions = await api.client.get(
        f"/api/v1/bookings/{booking['id']}/declarations", headers=enterprise.headers
    )

    assert versions.status_code == 200
    [only] = versions.json()
    assert only["version"] == 1 and only["changed"] == [] and only["actor"] == "enterprise"
    assert only["cargo"]["declaration_number"] == FRUIT["declaration_number"]


async def test_the_spoil_by_is_part_of_the_declaration_and_amended_with_it(api: Api):
    """A perishable load's spoil-by (the yard's order within its class) is declared and
    amended as the rest: a version of its own, refused as at booking, and cleared with the
    perishable flag."""
    await open_all_day(api)
    enterprise = await api.enterprise()
    later = this_hour(10).isoformat()
    answer = await enterprise.book(this_hour(), cargo={**FRUIT, "spoil_by": later})
    assert answer.status_code == 201, answer.text
    booking = dict(answer.json())
    driver = booking["driver_id"]

    sooner = this_hour(5)
    moved = await _amend(api, enterprise, booking, 1, driver, spoil_by=sooner.isoformat())
    assert moved.status_code == 200, moved.text
    assert _instant(moved.json()["cargo"]["spoil_by"]) == sooner
    kept = await _amend(api, enterprise, booking, 2, driver, perishable=False, spoil_by=later)
    assert kept.status_code == 422, kept.text  # a spoil-by on cargo that is not perishable
    assert kept.json()["field"] == "spoil_by"
    plain = await _amend(api, enterprise, booking, 2, driver, perishable=False, spoil_by=None)
    assert plain.status_code == 200, plain.text
    assert plain.json()["cargo"]["spoil_by"] is None

    versions = await api.client.get(
        f"/api/v1/bookings/{booking['id']}/declarations", headers=enterprise.headers
    )
    changed = [[c["field"] for c in v["changed"]] for v in versions.json()]
    assert changed == [[], ["spoil_by"], ["perishable", "spoil_by"]]
    assert _instant(versions.json()[0]["cargo"]["spoil_by"]) == this_hour(10)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)
