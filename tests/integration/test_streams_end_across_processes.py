"""A credential ended through one process closes its streams on another within seconds, and
the other forgets the revoked API key it remembered: through the Redis bus at once (here the
periodic re-check is a minute, so only the bus can do it in time), and with no bus at all by
each process's periodic re-check (GATE_STREAM_RECHECK_S). Two platform instances share one
database, as two processes of a deployment do."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from services.app import create_app
from tests.asgi import served
from tests.helpers import Api, admin, bearer, read, unique_plate
from tests.live import eventually
from tests.streams import api_key, end_every_kind, revoke


@pytest.fixture
async def two_processes(
    settings: Settings, backend: str, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Api, Api, str]]:
    """Two instances on one database: the API of the first, the API of the second and the
    second's websocket base. PostgreSQL: with the Redis bus, re-checking once a minute.
    SQLite: each with its own in-memory bus (nothing crosses), re-checking every 0.3 s."""
    if backend == "postgres":
        redis_url = request.getfixturevalue("redis_url")
        shared = dataclasses.replace(
            settings,
            redis_url=redis_url,
            redis_namespace=f"streams-{uuid.uuid4().hex[:8]}",
            stream_recheck_s=60,
        )
        first, second = create_app(shared), create_app(shared)
    else:
        shared = dataclasses.replace(settings, stream_recheck_s=0.3)
        first = create_app(shared, bus=InMemoryEventBus())
        second = create_app(shared, bus=InMemoryEventBus())
    async with (
        served(first) as one,
        served(second) as two,
        httpx.AsyncClient(base_url=one, timeout=30) as client_one,
        httpx.AsyncClient(base_url=two, timeout=30) as client_two,
    ):
        yield Api(client_one), Api(client_two), two.replace("http://", "ws://")


async def test_credentials_ended_through_one_process_close_the_streams_of_another(
    two_processes: tuple[Api, Api, str],
):
    first, _, second_ws = two_processes
    await end_every_kind(first, second_ws, within=5)


async def test_a_key_revoked_through_one_process_is_refused_by_another_within_seconds(
    two_processes: tuple[Api, Api, str],
):
    """The second process remembers a key it recognised for a few seconds (no query per
    request); revoked through the first, it is refused there before that memory would run
    out on its own (5 s): waited for up to 4 s, since on a busy machine the event's way
    through Redis has taken more than 2 s."""
    first, second, _ = two_processes
    key = await api_key(first)
    assert (
        await second.client.get("/api/v1/auth/me", headers=bearer(key.token))
    ).status_code == 200
    await revoke(first, key)

    async def refused() -> bool:
        answer = await second.client.get("/api/v1/auth/me", headers=bearer(key.token))
        return answer.status_code == 401

    await eventually(refused, within=4)


async def test_a_device_revoked_through_one_process_is_refused_by_another_within_seconds(
    two_processes: tuple[Api, Api, str],
):
    """As for API keys: the camera's key, remembered by the second process, stops there."""
    first, second, _ = two_processes
    body = {"name": "camera", "kind": "lpr_camera", "direction": "export"}
    registered = await first.client.post(
        "/api/v1/gates/tan-thanh/devices", json=body, headers=admin()
    )
    assert registered.status_code == 201, registered.text
    camera = bearer(registered.json()["token"])

    async def check_in() -> int:
        answer = await second.client.post(
            "/api/v1/gates/tan-thanh/checkins", json=read(unique_plate()), headers=camera
        )
        return answer.status_code

    assert await check_in() == 200
    revoked = await first.client.delete(
        f"/api/v1/gates/tan-thanh/devices/{registered.json()['device']['id']}", headers=admin()
    )
    assert revoked.status_code == 204, revoked.text

    async def refused() -> bool:
        return await check_in() == 401

    await eventually(refused, within=4)
