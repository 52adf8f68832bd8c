"""In the embedded default (one process, in-memory live backend) an enterprise's channel lives
only while watched: once its last viewer has left, the projector stops rebuilding it and the
hub forgets it, so idle work does not grow with every enterprise that ever looked. A viewer
who comes back, or arrives while the channel is being dropped, gets a snapshot and then the
live changes."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest
import websockets

import gate.live.projector
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.live.channels import enterprise_channel
from gate.live.service import Live
from tests.apps import app_for
from tests.asgi import served
from tests.helpers import Api, Enterprise, device, open_all_day, read, this_hour
from tests.live import Viewer, eventually

GATE = "/api/v1/gates/tan-thanh"
MANY = 150
PERIOD_S = 0.3  # the projector's periodic rebuild, shortened from 2 s


@dataclass
class Rebuilds:
    """What the projector rebuilt: enterprise channels by id, tan-thanh's public board
    (rebuilt once a period whatever happens: the test's clock), and when each of its finished
    passes (ticks) began (time.monotonic)."""

    enterprises: Counter[str]
    boards: int = 0
    passes: list[float] = field(default_factory=list)


@dataclass
class Platform:
    api: Api
    ws: str
    live: Live
    rebuilds: Rebuilds


@pytest.fixture
async def platform(
    settings: Settings, bus: InMemoryEventBus, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Platform]:
    rebuilds = Rebuilds(Counter())
    build_enterprise = gate.live.projector.enterprise_vehicles
    build_board = gate.live.projector.public_board

    async def counted_enterprise(uow: Any, enterprise_id: str, *args: Any) -> Any:
        rebuilds.enterprises[enterprise_id] += 1
        return await build_enterprise(uow, enterprise_id, *args)

    async def counted_board(uow: Any, state: Any, *args: Any) -> Any:
        if state.gate.code == "tan-thanh":
            rebuilds.boards += 1
        return await build_board(uow, state, *args)

    monkeypatch.setattr(gate.live.projector, "enterprise_vehicles", counted_enterprise)
    monkeypatch.setattr(gate.live.projector, "public_board", counted_board)
    # 150 enterprises' sockets from one test client: past the per-address cap.
    app = app_for(replace(settings, ws_max_per_address=0), bus)
    live: Live = app.state.platform.live
    live.projector.refresh = PERIOD_S
    live.projector.min_interval = live.projector.tick_seconds = 0.05
    tick = live.projector.tick

    async def timed_tick() -> None:
        began = time.monotonic()
        await tick()
        rebuilds.passes.append(began)

    monkeypatch.setattr(live.projector, "tick", timed_tick)
    async with served(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as client:
        api = Api(client)
        await open_all_day(api)
        yield Platform(api, base.replace("http://", "ws://"), live, rebuilds)


def _enterprise_channels(live: Live) -> list[str]:
    return [c for c in live.hub.known() if c.startswith("enterprise:")]


async def _periods_pass(rebuilds: Rebuilds, count: int) -> None:
    """Until tan-thanh's board has been rebuilt ``count`` more times: that many periods."""
    target = rebuilds.boards + count

    async def passed() -> bool:
        return rebuilds.boards >= target

    await eventually(passed, within=30)


async def _rebuilt_in_two_periods_after_settling(platform: Platform, ids: set[str]) -> int:
    """Enterprise rebuilds among ``ids`` in two periods, counted from the end of the first
    projector pass that must have read the viewers' wishes after the last one left.

    A pass rebuilds the channels wished for when it began: one under way when the last viewer
    left finishes them, after its board (so a board rebuild is no sign that it has ended), and
    one begun less than ``min_interval`` later may still use the wishes read before (they are
    read at most once per ``min_interval``). Any pass begun later reads them afresh."""
    rebuilds = platform.rebuilds
    fresh_from = time.monotonic() + platform.live.projector.min_interval

    async def fresh_pass_ended() -> bool:
        return any(began >= fresh_from for began in rebuilds.passes)

    await eventually(fresh_pass_ended, within=30)
    before = sum(rebuilds.enterprises[i] for i in ids)
    await _periods_pass(rebuilds, 2)
    return sum(rebuilds.enterprises[i] for i in ids) - before


async def _look_once(ws: str, enterprise: Enterprise) -> None:
    url = f"{ws}/ws/v1/enterprise/vehicles?token={enterprise.token}"
    async with websockets.connect(url, open_timeout=30) as socket:
        first = json.loads(await asyncio.wait_for(socket.recv(), 30))
        assert first["kind"] == "snapshot"


async def _vehicle_status(viewer: Viewer, booking_id: str, status: str) -> bool:
    state = viewer.follower.state or {}
    return [(v["booking_id"], v["status"]) for v in state.get("vehicles", [])] == [
        (booking_id, status)
    ]


async def test_after_many_enterprises_look_once_through_the_websocket_none_is_rebuilt_or_held(
    platform: Platform,
):
    api, live, rebuilds = platform.api, platform.live, platform.rebuilds
    enterprises = [await api.enterprise() for _ in range(MANY)]
    booking = (await enterprises[0].book(this_hour())).json()
    await asyncio.gather(*(_look_once(platform.ws, e) for e in enterprises))
    ids = {e.id for e in enterprises}
    assert all(rebuilds.enterprises[i] >= 1 for i in ids)

    async def forgotten() -> bool:
        return _enterprise_channels(live) == []

    await eventually(forgotten)
    assert await _rebuilt_in_two_periods_after_settling(platform, ids) == 0
    assert _enterprise_channels(live) == []

    # One comes back: a snapshot of the truth, then the live change of its checked-in truck.
    back = Viewer(f"{platform.ws}/ws/v1/enterprise/vehicles?token={enterprises[0].token}")
    await eventually(lambda: _vehicle_status(back, booking["id"], "booked"))
    camera = await device(api)
    answer = await api.client.post(f"{GATE}/checkins", json=read(booking["plate"]), headers=camera)
    assert answer.status_code == 200, answer.text
    await eventually(lambda: _vehicle_status(back, booking["id"], "arrived"))
    await back.close()
    messages = back.follower.messages
    assert messages[0].kind == "snapshot"
    assert messages[-1].kind == "delta" and messages[-1].prev == messages[-2].seq


@pytest.mark.parametrize("projector_forgot", [False, True], ids=["at-once", "after-forgetting"])
async def test_a_viewer_arriving_as_the_last_one_leaves_gets_a_snapshot_then_the_changes(
    platform: Platform, projector_forgot: bool
):
    api, live = platform.api, platform.live
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour())).json()
    channel = enterprise_channel(enterprise.id)
    leaving, first = await live.watch(channel, None)
    if not first:
        first = [await asyncio.wait_for(leaving.next(), 30)]

    leaving.close()
    if projector_forgot:

        async def snapshot_dropped() -> bool:
            return await live.backend.snapshot(channel) is None

        await eventually(snapshot_dropped)
    coming, catch_up = await live.watch(channel, None)
    if not catch_up:  # nothing held any more: the projector's fresh snapshot comes first
        catch_up = [await asyncio.wait_for(coming.next(), 30)]
    received = [json.loads(text) for text in catch_up]
    assert received[0]["data"]["vehicles"][0]["status"] == "booked"
    camera = await device(api)
    await api.client.post(f"{GATE}/checkins", json=read(booking["plate"]), headers=camera)
    while not received or received[-1]["data"].get("vehicles", [{}])[0].get("status") != "arrived":
        received.append(json.loads(await asyncio.wait_for(coming.next(), 30)))
    coming.close()

    assert received[0]["kind"] == "snapshot"
    assert [v["booking_id"] for v in received[0]["data"]["vehicles"]] == [booking["id"]]
    for before, after in itertools.pairwise(received):
        assert after["kind"] == "snapshot" or after["prev"] == before["seq"]
    assert received[-1]["kind"] == "delta"


async def test_watches_started_and_abandoned_at_once_leave_nothing_held_or_rebuilt(
    platform: Platform,
):
    api, live = platform.api, platform.live
    enterprises = [await api.enterprise() for _ in range(20)]
    tasks_before = len(asyncio.all_tasks())

    async def visit(enterprise: Enterprise, turns: int) -> None:
        viewer = None
        try:  # as the websocket endpoints do: whatever ends the visit closes the viewer
            viewer, _ = await live.watch(enterprise_channel(enterprise.id), None)
            for _ in range(turns):
                await asyncio.sleep(0)
        finally:
            if viewer is not None:
                viewer.close()

    visits = [
        asyncio.create_task(visit(enterprises[n % 20], n % 5)) for n in range(10 * len(enterprises))
    ]
    for n, task in enumerate(visits):
        if n % 3 == 0:
            task.cancel()
        if n % 7 == 0:
            await asyncio.sleep(0)
    await asyncio.gather(*visits, return_exceptions=True)

    async def settled() -> bool:
        return len(asyncio.all_tasks()) <= tasks_before and _enterprise_channels(live) == []

    await eventually(settled)
    ids = {e.id for e in enterprises}
    assert await _rebuilt_in_two_periods_after_settling(platform, ids) == 0
    for enterprise in enterprises:
        assert await live.backend.snapshot(enterprise_channel(enterprise.id)) is None
