"""What the boards' broadcast server (services/boards) does beyond the board protocol, which
test_live_board.py checks on both servers: it serves nothing but boards of known gates, and a
viewer that cannot keep up is skipped, then given the whole board once it can."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

import services.boards.server as board_server
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.live.channels import board_channel
from gate.live.service import Live
from tests.apps import app_for
from tests.asgi import served
from tests.helpers import Api, device, open_all_day, read, this_hour
from tests.live import eventually

GATE = "/api/v1/gates/tan-thanh"


@pytest.fixture
async def platform(
    settings: Settings, bus: InMemoryEventBus
) -> AsyncIterator[tuple[Api, str, Live]]:
    """The API, the boards' server's base and the platform's live boards."""
    app = app_for(dataclasses.replace(settings, boards_port=0), bus)
    async with served(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        api = Api(client)
        await open_all_day(api)
        yield api, f"ws://127.0.0.1:{app.state.platform.boards_port}", app.state.platform.live


@pytest.fixture
def boards(platform: tuple[Api, str, Live]) -> tuple[Api, str]:
    api, ws, _ = platform
    return api, ws


async def _next(socket: ClientConnection, within: float = 10) -> dict[str, Any]:
    return dict(json.loads(await asyncio.wait_for(socket.recv(), within)))


def _waiting_total(message: dict[str, Any]) -> int:
    return int(message["data"]["directions"][0]["waiting_total"])


async def _published_waiting(live: Live, total: int) -> bool:
    """Whether tan-thanh's board as last published shows ``total`` trucks waiting."""
    snapshot = await live.backend.snapshot(board_channel("tan-thanh"))
    return snapshot is not None and _waiting_total(json.loads(snapshot)) == total


async def test_only_boards_of_known_gates_are_served(boards: tuple[Api, str]):
    _, ws = boards
    async with websockets.connect(f"{ws}/ws/v1/gates/nowhere/board") as unknown:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await unknown.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404
    for path in ("/ws/v1/gates/tan-thanh/officer", "/ws/v1/enterprise/vehicles", "/"):
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with websockets.connect(f"{ws}{path}"):
                pass
        assert refused.value.response.status_code == 404


@pytest.mark.parametrize("backend", ["sqlite"])  # the server's answers, not the database
async def test_the_boards_servers_http_answers_carry_the_security_headers(
    boards: tuple[Api, str],
):
    """What it answers over plain HTTP (a 404 for what is no board, a 426 to a browser that
    visits a board's URL) is no page: nothing may load in it, nothing may frame it."""
    _, ws = boards
    base = ws.replace("ws://", "http://")
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        answers = [await client.get("/nowhere"), await client.get("/ws/v1/gates/tan-thanh/board")]
    assert [a.status_code for a in answers] == [404, 426]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert (
            answer.headers["content-security-policy"]
            == "default-src 'none'; frame-ancestors 'none'"
        )


async def test_a_viewer_that_cannot_keep_up_is_skipped_then_sent_the_whole_board(
    platform: tuple[Api, str, Live], monkeypatch: pytest.MonkeyPatch
):
    api, ws, live = platform
    enterprise = await api.enterprise()
    camera = await device(api)
    async with (
        websockets.connect(f"{ws}/ws/v1/gates/tan-thanh/board") as slow,
        websockets.connect(f"{ws}/ws/v1/gates/tan-thanh/board") as steady,
    ):
        assert (await _next(slow))["kind"] == "snapshot"
        assert (await _next(steady))["kind"] == "snapshot"

        # Every socket looks backed up: the board changes and nobody is written to.
        monkeypatch.setattr(board_server, "SLOW_VIEWER_BYTES", -1)
        plate = (await enterprise.book(this_hour())).json()["plate"]
        await api.client.post(f"{GATE}/checkins", json=read(plate), headers=camera)
        # Published (and so broadcast: the in-memory backend delivers as it publishes) while
        # every socket looked backed up. Waited for, not slept on: under load a rebuild may
        # take longer than the 0.5 s the projector waits between two.
        await eventually(lambda: _published_waiting(live, 1), within=30)
        with pytest.raises(TimeoutError):
            await _next(slow, within=0.5)

        # Drained again: the next message reaches each lagging viewer as the whole board,
        # which already shows the check-in it missed; deltas follow it to the next one.
        monkeypatch.setattr(board_server, "SLOW_VIEWER_BYTES", 256 * 1024)
        plate = (await enterprise.book(this_hour())).json()["plate"]
        await api.client.post(f"{GATE}/checkins", json=read(plate), headers=camera)
        for socket in (slow, steady):
            caught_up = await _next(socket)
            assert caught_up["kind"] == "snapshot" and _waiting_total(caught_up) >= 1
            state, seq = dict(caught_up["data"]), caught_up["seq"]
            while state["directions"][0]["waiting_total"] < 2:
                following = await _next(socket)
                assert following["kind"] == "delta" and following["prev"] == seq
                state, seq = {**state, **following["data"]}, following["seq"]


async def test_a_viewer_is_served_every_update_once_its_handshake_headers_are_let_go(
    platform: tuple[Api, str, Live],
):
    """The server keeps no viewer's handshake headers once read (a quarter of what a viewer
    cost it); the viewer, which sent a browser's worth of them, still gets the board and
    every change after it."""
    api, ws, live = platform
    enterprise = await api.enterprise()
    camera = await device(api)
    browser = {"User-Agent": "Mozilla/5.0 " + "x" * 200, "Accept-Language": "vi-VN,vi;q=0.9"}
    async with websockets.connect(
        f"{ws}/ws/v1/gates/tan-thanh/board", additional_headers=browser
    ) as viewer:
        first = await _next(viewer)
        assert first["kind"] == "snapshot"
        (connection,) = live.hub.channel(board_channel("tan-thanh")).sockets
        assert not connection.request.headers and connection.response is None
        assert connection.request.path == "/ws/v1/gates/tan-thanh/board"
        state, seq = dict(first["data"]), first["seq"]
        for _ in range(2):
            plate = (await enterprise.book(this_hour())).json()["plate"]
            await api.client.post(f"{GATE}/checkins", json=read(plate), headers=camera)
        while _waiting_total({"data": state}) < 2:
            following = await _next(viewer)
            assert following["prev"] == seq or following["kind"] == "snapshot"
            state, seq = {**state, **following["data"]}, following["seq"]
        assert _waiting_total({"data": state}) == 2
