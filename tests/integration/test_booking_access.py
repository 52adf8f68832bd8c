"""An enterprise sees and changes only its own bookings: another's answer 404, on every route."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import Api, tomorrow_at

# Every route that names a booking; each must treat another enterprise's booking as unknown.
BOOKING_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/v1/bookings/{id}", None),
    ("GET", "/api/v1/bookings/{id}/history", None),
    ("POST", "/api/v1/bookings/{id}/reschedule", {"slot_start": "{slot}", "version": 1}),
    ("POST", "/api/v1/bookings/{id}/cancel", {"reason": "not mine"}),
    ("POST", "/api/v1/bookings/{id}/driver-links", None),
    ("GET", "/api/v1/bookings/{id}/driver-links", None),
    ("POST", "/api/v1/bookings/{id}/driver-links/{link}/revoke", None),
    ("GET", "/api/v1/bookings/{id}/declarations", None),
    (
        "POST",
        "/api/v1/bookings/{id}/declaration",
        {
            "version": 1,
            "driver_id": "not-mine",
            "cargo": {"description": "Vải thiều", "weight_kg": 9000},
        },
    ),
    ("POST", "/api/v1/bookings/{id}/rebooking/accept", {"version": 1}),
    ("POST", "/api/v1/bookings/{id}/rebooking/choose", {"slot_start": "{slot}", "version": 1}),
    ("POST", "/api/v1/bookings/{id}/latest-acceptable", {"version": 1}),
]


def test_the_table_covers_every_booking_route():
    from gate.config import Settings
    from services.app import create_app

    app = create_app(Settings(database_url="sqlite+aiosqlite:///unused-routes-only.db"))
    routes = {
        (method, route.path.replace("{booking_id:str}", "{id}").replace("{link_id:str}", "{link}"))
        for route in app.routes
        if route.path.startswith("/api/v1/bookings/{booking_id")
        for method in getattr(route, "methods", set()) - {"OPTIONS", "HEAD"}
    }
    assert routes == {(m, p) for m, p, _ in BOOKING_ROUTES}


@pytest.mark.parametrize(("method", "path", "body"), BOOKING_ROUTES)
async def test_another_enterprises_booking_answers_404_and_stays_as_it_was(
    api: Api, method: str, path: str, body: dict[str, Any] | None
):
    owner, stranger = await api.enterprise(), await api.enterprise()
    booking = (await owner.book(tomorrow_at(9))).json()
    made = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/driver-links", headers=owner.headers
    )
    url = path.format(id=booking["id"], link=made.json()["id"])
    if body is not None:
        body = {
            k: v.format(slot=tomorrow_at(10).isoformat()) if isinstance(v, str) else v
            for k, v in body.items()
        }

    answer = await api.client.request(method, url, json=body, headers=stranger.headers)

    assert answer.status_code == 404
    assert answer.json()["type"] == "/problems/not-found"
    mine = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=owner.headers)
    assert mine.json() == booking
    listed = await api.client.get("/api/v1/bookings", headers=stranger.headers)
    assert listed.json()["items"] == []


async def test_requests_without_credentials_are_401_and_with_wrong_ones_too(api: Api):
    assert (await api.client.get("/api/v1/bookings")).status_code == 401
    wrong = await api.client.get("/api/v1/bookings", headers={"Authorization": "Bearer gk_x_y"})
    assert wrong.status_code == 401
    assert wrong.json()["type"] == "/problems/unauthorised"
    assert wrong.headers["www-authenticate"] == "Bearer"


async def test_an_enterprise_cannot_use_administrator_routes(api: Api):
    enterprise = await api.enterprise()
    answer = await api.client.post(
        "/api/v1/enterprises",
        json={"name": "X", "tax_code": "0101010101"},
        headers=enterprise.headers,
    )
    assert answer.status_code == 403
    assert answer.json()["type"] == "/problems/forbidden"
