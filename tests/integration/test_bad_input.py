"""Wrong requests get a clear 4xx in problem-details form and change nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from gate.store.tables import Booking, Driver, Slot, Vehicle
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, Enterprise, officer, tomorrow_at


async def _snapshot(uow: UnitOfWork) -> tuple[int, ...]:
    await uow.session.rollback()
    counts = []
    for table in (Booking, Vehicle, Driver):
        counts.append(int(await uow.session.scalar(select(func.count()).select_from(table)) or 0))
    counts.append(
        int(await uow.session.scalar(select(func.coalesce(func.sum(Slot.booked), 0))) or 0)
    )
    return tuple(counts)


def _spoil(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    if kind == "unknown field":
        return {**body, "priority": "please"}
    if kind == "unknown cargo field":
        return {**body, "cargo": {**body["cargo"], "bribe": 100}}
    if kind == "past slot":
        return {**body, "slot_start": tomorrow_at(9, days=-1).isoformat()}
    if kind == "slot beyond the horizon":
        return {**body, "slot_start": tomorrow_at(9, days=15).isoformat()}
    if kind == "slot not on the hour":
        return {**body, "slot_start": (tomorrow_at(9) + timedelta(minutes=30)).isoformat()}
    if kind == "slot without offset":
        return {**body, "slot_start": tomorrow_at(9).replace(tzinfo=None).isoformat()}
    if kind == "oversized string":
        return {**body, "cargo": {**body["cargo"], "description": "x" * 5000}}
    if kind == "bad declaration number":
        return {**body, "cargo": {**body["cargo"], "declaration_number": "12345"}}
    if kind == "negative weight":
        return {**body, "cargo": {**body["cargo"], "weight_kg": -1}}
    if kind == "wrong direction":
        return {**body, "direction": "sideways"}
    if kind == "unknown gate":
        return {**body, "gate": "atlantis"}
    if kind == "another enterprise's vehicle":
        return {**body, "vehicle_id": "00000000-0000-0000-0000-000000000000"}
    if kind == "missing field":
        return {k: v for k, v in body.items() if k != "driver_id"}
    if kind == "wrong type":
        return {**body, "cargo": "fruit"}
    raise AssertionError(kind)


SPOILED_BOOKINGS = [
    "unknown field",
    "unknown cargo field",
    "past slot",
    "slot beyond the horizon",
    "slot not on the hour",
    "slot without offset",
    "oversized string",
    "bad declaration number",
    "negative weight",
    "wrong direction",
    "unknown gate",
    "another enterprise's vehicle",
    "missing field",
    "wrong type",
]


@pytest.fixture
async def enterprise(api: Api) -> Enterprise:
    return await api.enterprise()


@pytest.mark.parametrize("kind", SPOILED_BOOKINGS)
async def test_a_spoiled_booking_gets_4xx_problem_and_changes_nothing(
    api: Api, uow: UnitOfWork, enterprise: Enterprise, kind: str
):
    body = enterprise.booking_body(
        await enterprise.vehicle(), await enterprise.driver(), tomorrow_at(9)
    )
    before = await _snapshot(uow)

    answer = await api.client.post(
        "/api/v1/bookings", json=_spoil(kind, body), headers=enterprise.headers
    )

    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["type"].startswith("/problems/") and problem["status"] == answer.status_code
    assert problem["detail"]
    assert await _snapshot(uow) == before


@pytest.mark.parametrize(
    "plate", ["ABC", "12C-ABC.DE", "1C-123.45", "12C-1234567", "美F12345", "12R-012.34", "x" * 300]
)
async def test_a_wrong_plate_is_refused_with_422(
    api: Api, uow: UnitOfWork, enterprise: Enterprise, plate: str
):
    before = await _snapshot(uow)
    answer = await api.client.post(
        "/api/v1/vehicles",
        json={"plate": plate, "vehicle_type": "truck"},
        headers=enterprise.headers,
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert await _snapshot(uow) == before


async def test_malformed_json_is_a_400_problem(api: Api, enterprise: Enterprise):
    answer = await api.client.post(
        "/api/v1/bookings",
        content=b"{not json",
        headers={**enterprise.headers, "Content-Type": "application/json"},
    )
    assert answer.status_code in (400, 422)
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_an_oversized_body_is_refused(api: Api, enterprise: Enterprise):
    answer = await api.client.post(
        "/api/v1/vehicles",
        content=b"[" + b"1," * 100_000 + b"1]",
        headers={**enterprise.headers, "Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.json()["type"] == "/problems/payload-too-large"


async def test_unknown_routes_and_methods_answer_problems(api: Api):
    missing = await api.client.get("/api/v1/nowhere")
    assert missing.status_code == 404 and missing.json()["type"] == "/problems/not-found"
    wrong = await api.client.delete("/api/v1/gates")
    assert wrong.status_code == 405 and wrong.json()["type"] == "/problems/method-not-allowed"


async def test_every_problem_type_is_documented(api: Api):
    answer = await api.client.get("/problems/slot-full")
    assert answer.status_code == 200
    assert answer.json() == {
        "code": "slot-full",
        "status": 409,
        "title": "The slot has no free place",
    }


async def test_a_missing_query_parameter_is_named_in_the_problem(api: Api):
    headers = await officer(api, "gate_operator")
    response = await api.client.get("/api/v1/gates/tan-thanh/queue", headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/validation")
    assert problem["errors"] == [
        {"message": "direction is required", "key": "direction", "source": "query"}
    ]
