"""A route that reads a JSON body and got none says so, naming the fields it reads, as a 422
validation problem (as a missing query parameter is), not Litestar's ``'data'``.

Decided before the database is touched, so this runs on SQLite only."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import Api, tomorrow_at


@pytest.fixture
def backend() -> str:
    return "sqlite"


def _needs_a_body(answer: httpx.Response) -> str:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["type"] == "/problems/validation"
    assert problem["detail"].startswith("this route needs a JSON body")
    assert problem["errors"] == [{"message": problem["detail"], "source": "body"}]
    return str(problem["detail"])


async def test_cancelling_with_no_body_says_the_route_needs_one_and_which_fields(api: Api):
    enterprise = await api.enterprise()
    booked = await enterprise.book(tomorrow_at(9))
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    path = f"/api/v1/bookings/{booking['id']}/cancel"
    for headers in ({}, {"Content-Type": "application/json"}):
        answer = await api.client.post(path, headers={**enterprise.headers, **headers})
        detail = _needs_a_body(answer)
        assert "reason" in detail and "version" in detail and "{}" in detail
    still = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=enterprise.headers)
    assert still.json()["status"] == "booked"
    # {} is a body: the booking is cancelled with no reason.
    cancelled = await api.client.post(path, json={}, headers=enterprise.headers)
    assert cancelled.status_code == 200, cancelled.text


async def test_a_missing_body_names_the_required_fields_first(api: Api):
    enterprise = await api.enterprise()
    answer = await api.client.post("/api/v1/vehicles", headers=enterprise.headers)
    detail = _needs_a_body(answer)
    assert detail.endswith(
        "an object with plate, vehicle_type; optionally trailer_plate, registration_number"
    )
