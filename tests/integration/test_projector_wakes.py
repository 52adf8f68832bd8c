"""The projector publishes a change as soon as its channel's coalescing interval allows, woken
by the change itself rather than found by a periodic tick, and a burst of changes still makes
at most one message per interval."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from tests.apps import app_for
from tests.asgi import served
from tests.helpers import Api, device, open_all_day, read, this_hour
from tests.live import Viewer, eventually

GATE = "/api/v1/gates/tan-thanh"
SLOW_TICK_S = 120.0  # the periodic paths alone would take this long


@pytest.fixture
async def slow_ticking(settings: Settings, bus: InMemoryEventBus) -> AsyncIterator[tuple[Api, str]]:
    app = app_for(settings, bus)
    projector = app.state.platform.live.projector
    projector.tick_seconds = projector.refresh = SLOW_TICK_S
    async with served(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        api = Api(client)
        await open_all_day(api)
        yield api, base.replace("http://", "ws://") + "/ws/v1/gates/tan-thanh/board"


async def _waiting(viewer: Viewer, count: int) -> bool:
    state = viewer.follower.state
    return state is not None and state["directions"][0]["waiting_total"] == count


async def test_a_change_is_published_without_waiting_for_a_tick(slow_ticking: tuple[Api, str]):
    api, url = slow_ticking
    enterprise = await api.enterprise()
    camera = await device(api)
    viewer = Viewer(url)
    await eventually(lambda: _waiting(viewer, 0), within=20)

    for expected in (1, 2):
        plate = (await enterprise.book(this_hour())).json()["plate"]
        answer = await api.client.post(f"{GATE}/checkins", json=read(plate), headers=camera)
        assert answer.status_code == 200
        # Far sooner than the tick (120 s): the check-in's event woke the projector. The bound
        # leaves room for a busy machine (10 s was missed once with the suite on two cores).
        await eventually(lambda expected=expected: _waiting(viewer, expected), within=30)
    await viewer.close()


async def test_a_burst_of_changes_makes_at_most_one_message_per_interval(
    slow_ticking: tuple[Api, str],
):
    api, url = slow_ticking
    enterprise = await api.enterprise()
    camera = await device(api)
    plates = [(await enterprise.book(this_hour())).json()["plate"] for _ in range(8)]
    viewer = Viewer(url)
    await eventually(lambda: _waiting(viewer, 0), within=20)
    before = len(viewer.follower.messages)

    started = time.monotonic()
    for plate in plates:
        await api.client.post(f"{GATE}/checkins", json=read(plate), headers=camera)
    await eventually(lambda: _waiting(viewer, len(plates)), within=30)
    took = time.monotonic() - started
    await viewer.close()
    messages = len(viewer.follower.messages) - before
    interval = 0.5  # the projector's min_interval
    assert 1 <= messages <= took / interval + 1
