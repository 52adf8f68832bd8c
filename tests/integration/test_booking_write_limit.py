"""Booking writes (create, reschedule, cancel) are limited per enterprise: past
GATE_BOOKING_WRITE_LIMIT they are answered 429 with Retry-After and change nothing, while
other enterprises book on. The limit is counted in memory or Redis, not in the database, so
this runs on SQLite only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from gate.config import Settings
from services.app import create_app
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.helpers import Api, tomorrow_at

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
async def limited(settings: Settings) -> AsyncIterator[Api]:
    """The platform with three booking writes a minute per enterprise."""
    app = app_for(replace(settings, booking_write_limit="3/minute"))
    async with in_process_client(app) as client:
        yield Api(client)


async def test_the_enterprises_fourth_booking_write_in_a_minute_gets_429(limited: Api):
    enterprise = await limited.enterprise()
    first = (await enterprise.book(tomorrow_at(9))).json()
    moved = await limited.client.post(
        f"/api/v1/bookings/{first['id']}/reschedule",
        json={"slot_start": tomorrow_at(10).isoformat(), "version": first["version"]},
        headers=enterprise.headers,
    )
    assert moved.status_code == 200, moved.text
    cancelled = await limited.client.post(
        f"/api/v1/bookings/{first['id']}/cancel",
        json={"reason": "xe hỏng", "version": moved.json()["version"]},
        headers=enterprise.headers,
    )
    assert cancelled.status_code == 200, cancelled.text

    hour = 11
    refused = await enterprise.book(tomorrow_at(hour))
    if refused.status_code == 201:
        # Across a minute of the clock the sliding-window counter (gate/throttling.py) lets
        # one write more through, never two.
        hour = 12
        refused = await enterprise.book(tomorrow_at(hour))
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == "/problems/too-many-requests"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert (await limited.slot(tomorrow_at(hour)))["booked"] == 0

    other = await limited.enterprise()
    assert (await other.book(tomorrow_at(hour))).status_code == 201


async def test_a_refused_write_does_not_claim_its_idempotency_key(limited: Api):
    """The 429 comes before the key is claimed: the same key later is acted on, not
    answered with the stored refusal."""
    enterprise = await limited.enterprise()
    for hour in (9, 10, 11):
        assert (await enterprise.book(tomorrow_at(hour))).status_code == 201
    # 3 a minute, a sliding-window counter (gate/throttling.py): across a minute of the clock
    # it lets one write more through, never two; so the second try at most is refused.
    for attempt in (1, 2):
        vehicle, driver = await enterprise.vehicle(), await enterprise.driver()
        body = enterprise.booking_body(vehicle, driver, tomorrow_at(11 + attempt))
        headers = {**enterprise.headers, "Idempotency-Key": f"erp-rush-{attempt}"}
        refused = await limited.client.post("/api/v1/bookings", json=body, headers=headers)
        if refused.status_code != 201:
            break
    assert refused.status_code == 429
    async with in_process_client(create_app(_settings_of(limited))) as fresh:
        # Another process, its own memory: the limit has room there; the key was never used.
        again = await fresh.post("/api/v1/bookings", json=body, headers=headers)
    assert again.status_code == 201, again.text


def _settings_of(api: Api) -> Settings:
    transport = api.client._transport
    assert isinstance(transport, httpx.ASGITransport)
    platform = transport.app.state.platform  # type: ignore[attr-defined]
    settings: Settings = platform.settings
    return settings
