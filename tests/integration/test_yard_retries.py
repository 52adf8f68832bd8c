"""The yard staff's check-ins and check-outs by hand are safe to retry: under an
Idempotency-Key a retry after a lost answer gets the first answer (not 409), another request
under the key is refused, and nothing is stored twice. On SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from gate.store.tables import AuditLogEntry, YardVisit
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, bearer, enterprise_user, unique_plate
from tests.yards import yard, yard_enterprise


async def _staff_at_a_yard(api: Api) -> tuple[str, dict[str, str]]:
    owner = await yard_enterprise(api)
    return await yard(api, owner), bearer(await enterprise_user(api, owner))


async def _count(uow: UnitOfWork, model: type, *where: object) -> int:
    return int(await uow.session.scalar(select(func.count()).select_from(model).where(*where)))


async def test_a_retried_check_in_by_hand_replays_the_first_answer_and_makes_one_visit(
    api: Api, uow: UnitOfWork
):
    code, staff = await _staff_at_a_yard(api)
    plate = unique_plate()
    body = {"plate": plate, "direction": "import"}
    keyed = {**staff, "Idempotency-Key": "yard-in-1"}
    url = f"/api/v1/yards/{code}/visits"

    first = await api.client.post(url, json=body, headers=keyed)
    retry = await api.client.post(url, json=body, headers=keyed)

    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    assert retry.status_code == 201, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.content == first.content
    assert await _count(uow, YardVisit) == 1
    assert await _count(uow, AuditLogEntry, AuditLogEntry.event.like("yard.%")) == 1
    # Without the key a retry is a new request, refused as before.
    again = await api.client.post(url, json=body, headers=staff)
    assert again.status_code == 409
    assert again.json()["type"].endswith("already-in-yard")


async def test_another_truck_under_a_used_key_is_refused_and_not_checked_in(
    api: Api, uow: UnitOfWork
):
    code, staff = await _staff_at_a_yard(api)
    keyed = {**staff, "Idempotency-Key": "yard-in-2"}
    url = f"/api/v1/yards/{code}/visits"
    first = await api.client.post(
        url, json={"plate": unique_plate(), "direction": "import"}, headers=keyed
    )
    assert first.status_code == 201, first.text

    other = await api.client.post(
        url, json={"plate": unique_plate(), "direction": "import"}, headers=keyed
    )

    assert other.status_code == 422
    assert other.json()["type"].endswith("idempotency-key-reused")
    assert await _count(uow, YardVisit) == 1


async def test_a_retried_check_out_by_hand_replays_the_first_answer_not_an_invalid_transition(
    api: Api, uow: UnitOfWork
):
    code, staff = await _staff_at_a_yard(api)
    entered = await api.client.post(
        f"/api/v1/yards/{code}/visits",
        json={"plate": unique_plate(), "direction": "import"},
        headers=staff,
    )
    assert entered.status_code == 201, entered.text
    url = f"/api/v1/yards/{code}/visits/{entered.json()['id']}/exit"
    keyed = {**staff, "Idempotency-Key": "yard-out-1"}

    first = await api.client.post(url, headers=keyed)
    retry = await api.client.post(url, headers=keyed)

    assert first.status_code == 200, first.text
    assert first.json()["status"] == "left"
    assert retry.status_code == 200, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.content == first.content
    assert await _count(uow, AuditLogEntry, AuditLogEntry.event.like("yard.%")) == 2
    # The key belongs to that exit: checking another visit in under it is refused.
    reused = await api.client.post(
        f"/api/v1/yards/{code}/visits",
        json={"plate": unique_plate(), "direction": "import"},
        headers=keyed,
    )
    assert reused.status_code == 422
    assert reused.json()["type"].endswith("idempotency-key-reused")
    assert await _count(uow, YardVisit) == 1
