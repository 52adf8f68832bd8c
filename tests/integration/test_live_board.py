"""The live board over websockets: snapshot then deltas with sequence numbers; a viewer that
comes back catches up by replay or by a fresh snapshot and ends with the same board as one
that never left; nothing personal ever reaches a public message. Each public board test runs
against both servers of the board: the API's websocket endpoint and the boards' broadcast
server (services/boards)."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import event

import gate.live.hub
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from tests.apps import app_for
from tests.asgi import served
from tests.helpers import Api, book_as_of, device, officer, open_all_day, read, this_hour
from tests.live import Viewer, eventually

GATE = "/api/v1/gates/tan-thanh"


@pytest.fixture
def hub_history(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many messages each channel keeps for replay. Set before the app starts: the projector
    creates the gates' channels at startup, and a channel takes its history length when made."""
    size = int(getattr(request, "param", gate.live.hub.HISTORY))
    monkeypatch.setattr(gate.live.hub, "HISTORY", size)
    return size


@pytest.fixture
async def platform(
    settings: Settings, bus: InMemoryEventBus, hub_history: int
) -> AsyncIterator[tuple[Api, str, str]]:
    """The platform with its boards' server on a free port: the API, the API's websocket
    base, the boards' server's base."""
    app = app_for(dataclasses.replace(settings, boards_port=0), bus)
    async with (
        served(app) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
    ):
        api = Api(client)
        await open_all_day(api)
        yield (
            api,
            base.replace("http://", "ws://"),
            f"ws://127.0.0.1:{app.state.platform.boards_port}",
        )


@pytest.fixture
def live(platform: tuple[Api, str, str]) -> tuple[Api, str]:
    api, ws, _ = platform
    return api, ws


@pytest.fixture(params=["api", "broadcast"])
def board(request: pytest.FixtureRequest, platform: tuple[Api, str, str]) -> tuple[Api, str]:
    """The API and the URL of tan-thanh's public board on one of its two servers."""
    api, ws, boards = platform
    return api, f"{ws if request.param == 'api' else boards}/ws/v1/gates/tan-thanh/board"


async def _truth(api: Api) -> dict[str, Any]:
    return dict((await api.client.get(f"{GATE}/board")).json())


async def _check_in(api: Api, camera: dict[str, str], plate: str) -> None:
    answer = await api.client.post(f"{GATE}/checkins", json=read(plate), headers=camera)
    assert answer.status_code == 200, answer.text


async def test_a_board_starts_with_a_snapshot_then_follows_with_sequenced_deltas(
    board: tuple[Api, str],
):
    api, url = board
    viewer = Viewer(url)
    await eventually(lambda: _has_state(viewer))
    enterprise = await api.enterprise()
    camera = await device(api)
    for _ in range(3):
        await _check_in(api, camera, (await enterprise.book(this_hour())).json()["plate"])

    await eventually(lambda: _waiting(viewer, 3))
    await viewer.close()
    messages = viewer.follower.messages
    assert messages[0].kind == "snapshot"
    assert any(m.kind == "delta" for m in messages)
    seqs = [m.seq for m in messages]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert all(m.prev == before.seq for before, m in itertools.pairwise(messages))


@pytest.mark.parametrize("backend", ["sqlite"])  # the socket's protocol, not the database
async def test_a_since_that_is_no_sequence_number_gets_the_snapshot(board: tuple[Api, str]):
    """A superscript two (a digit to ``str.isdigit``, not to ``int``), 5,000 digits (past
    what ``int`` converts), a negative number and an exponent: the viewer gets the board as
    one that sent no ``since``, not an internal error."""
    _, url = board
    for since in ("%C2%B2", "9" * 5000, "-1", "1e9"):
        async with websockets.connect(f"{url}?since={since}", open_timeout=10) as viewer:
            first = json.loads(await asyncio.wait_for(viewer.recv(), 10))
        assert first["kind"] == "snapshot", since[:10]


async def _has_state(viewer: Viewer) -> bool:
    return viewer.follower.state is not None


async def _waiting(viewer: Viewer, count: int) -> bool:
    state = viewer.follower.state
    return state is not None and state["directions"][0]["waiting_total"] == count


@pytest.mark.parametrize("hub_history", [256, 2], ids=["replay", "snapshot"], indirect=True)
async def test_a_viewer_that_comes_back_ends_with_the_same_board_as_one_that_never_left(
    board: tuple[Api, str], hub_history: int
):
    api, url = board
    stayed, leaving = Viewer(url), Viewer(url)
    await eventually(lambda: _has_state(stayed))
    await eventually(lambda: _has_state(leaving))
    await leaving.close()
    last_seen = leaving.follower.seq

    enterprise = await api.enterprise()
    camera = await device(api)
    operator = await officer(api, "gate_operator")
    for _ in range(4):  # each change its own message: wait for it before the next
        seen = stayed.follower.seq
        await _check_in(api, camera, (await enterprise.book(this_hour())).json()["plate"])
        await eventually(lambda seen=seen: _moved_past(stayed, seen))
    await api.client.post(f"{GATE}/lanes/X1/call-next", headers=operator)
    await api.client.post(f"{GATE}/notices", json={"text": "Làn X2 tạm đóng"}, headers=operator)
    await eventually(lambda: _matches_truth(stayed, api))

    returning = Viewer(url)
    returning.follower.seq, returning.follower.state = last_seen, leaving.follower.state
    await eventually(lambda: _same(returning, stayed))
    first_after_return = returning.follower.messages[0]
    await returning.close()
    await stayed.close()

    if hub_history == 2:
        assert first_after_return.kind == "snapshot"
    else:
        assert first_after_return.kind == "delta" and first_after_return.prev == last_seen


async def _moved_past(viewer: Viewer, seq: int | None) -> bool:
    return viewer.follower.seq is not None and viewer.follower.seq != seq


async def _same(one: Viewer, other: Viewer) -> bool:
    return one.follower.seq == other.follower.seq and one.follower.state == other.follower.state


async def _matches_truth(viewer: Viewer, api: Api) -> bool:
    return viewer.follower.state == await _truth(api)


async def test_the_board_shows_queue_called_lanes_notices_and_pause(board: tuple[Api, str]):
    api, url = board
    viewer = Viewer(url)
    enterprise = await api.enterprise()
    camera = await device(api)
    operator = await officer(api, "gate_operator")
    booking = (await enterprise.book(this_hour())).json()
    await _check_in(api, camera, booking["plate"])
    await _check_in(api, camera, (await enterprise.book(this_hour())).json()["plate"])
    await api.client.post(f"{GATE}/lanes/X1/call-next", headers=operator)
    await api.client.post(f"{GATE}/lanes/X2/close", headers=operator)
    await api.client.post(f"{GATE}/notices", json={"text": "Mưa lớn, xe đi chậm"}, headers=operator)
    paused = await api.client.post(
        f"{GATE}/pause",
        json={"paused": True, "reason": "Phía Trung Quốc tạm dừng"},
        headers=operator,
    )
    assert paused.status_code == 204

    await eventually(lambda: _matches_truth(viewer, api))
    board = viewer.follower.state
    await viewer.close()
    assert board is not None
    export = board["directions"][0]
    assert export["direction"] == "export"
    assert export["waiting_total"] == 1 and export["waiting"]["perishable"] == 1
    assert export["called"] == [
        {"plate": "12C-•••" + booking["plate"][-2:], "booking_code": booking["code"], "lane": "X1"}
    ]
    assert {(ln["code"], ln["is_open"]) for ln in export["lanes"]} >= {("X1", True), ("X2", False)}
    assert export["estimated_wait_minutes"] is not None
    assert len(export["free_places"]) == 6
    assert [n["text"] for n in board["notices"]] == ["Mưa lớn, xe đi chậm"]
    assert board["paused"] is True and board["paused_reason"] == "Phía Trung Quốc tạm dừng"


async def test_no_public_message_carries_a_full_plate_a_name_a_phone_or_a_declaration(
    board: tuple[Api, str], settings: Settings
):
    api, url = board
    viewer = Viewer(url)
    enterprise = await api.enterprise()
    camera = await device(api)
    operator = await officer(api, "gate_operator")
    secrets: set[str] = set()
    for n in range(4):
        vehicle = await enterprise.vehicle(f"12C-{500 + n}.{10 + n}")
        driver = await enterprise.driver()
        body = enterprise.booking_body(vehicle, driver, this_hour())
        booking = await api.client.post("/api/v1/bookings", json=body, headers=enterprise.headers)
        assert booking.status_code == 201, booking.text
        secrets |= {
            vehicle["plate"],
            vehicle["plate_normalised"],
            driver["full_name"],
            driver["phone"],
            driver["id_number"],
            body["cargo"]["declaration_number"],
        }
        await _check_in(api, camera, vehicle["plate"])
    await _check_in(api, camera, "29H-888.88")  # a walk-in
    secrets |= {"29H-888.88", "29H88888"}
    late = await book_as_of(settings, enterprise, this_hour(-2), plate="12C-600.60")
    await _check_in(api, camera, late["plate"])
    secrets |= {"12C-600.60", "12C60060"}
    for _ in range(3):  # three called trucks on the board: forced past one another
        await api.client.post(
            f"{GATE}/lanes/X1/call-next", headers=operator, params={"force": "true"}
        )
    await eventually(lambda: _matches_truth(viewer, api))
    await viewer.close()

    texts = [json.dumps(m.data, ensure_ascii=False) for m in viewer.follower.messages]
    texts.append(json.dumps(await _truth(api), ensure_ascii=False))
    leaks = [(s, t[:80]) for t in texts for s in secrets if s in t]
    assert leaks == []
    assert any("•••" in t for t in texts)  # masked plates are there


async def test_the_enterprise_stream_shows_its_own_vehicles_with_forecast_call_times(
    live: tuple[Api, str],
):
    api, ws = live
    mine, other = await api.enterprise(), await api.enterprise()
    camera = await device(api)
    booking = (await mine.book(this_hour())).json()
    await _check_in(api, camera, booking["plate"])
    await other.book(this_hour())
    viewer = Viewer(f"{ws}/ws/v1/enterprise/vehicles?token={mine.token}")

    async def shows_mine() -> bool:
        state = viewer.follower.state
        return bool(state and [v["booking_id"] for v in state["vehicles"]] == [booking["id"]])

    await eventually(shows_mine)
    vehicle = viewer.follower.state["vehicles"][0]  # type: ignore[index]
    await viewer.close()
    assert vehicle["status"] == "arrived" and vehicle["position"] == 1
    assert vehicle["estimated_call_at"] is not None
    assert vehicle["estimated_exit_at"] >= vehicle["estimated_call_at"]
    assert vehicle["plate"] == booking["plate"]  # its own vehicle: the full plate


async def test_the_officer_stream_needs_an_officer_of_that_gate(live: tuple[Api, str]):
    import websockets

    api, ws = live
    url = f"{ws}/ws/v1/gates/tan-thanh/officer"
    elsewhere = await officer(api, "customs", gates=("huu-nghi",))
    for token, code in ((None, 4401), (elsewhere["Authorization"].split()[1], 4403)):
        target = url if token is None else f"{url}?token={token}"
        async with websockets.connect(target) as socket:
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                await socket.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == code
    operator = await officer(api, "gate_operator")
    viewer = Viewer(f"{url}?token={operator['Authorization'].split()[1]}")
    await eventually(lambda: _has_state(viewer))
    await viewer.close()
    assert "waiting" in viewer.follower.state  # type: ignore[operator]


async def test_board_viewers_of_a_known_gate_cost_no_gate_lookup_and_unknown_gates_are_refused(
    settings: Settings, bus: InMemoryEventBus
):
    """A crisis brings thousands of viewers to one board: after the first, opening it reads
    nothing from the database to find the gate. A gate that does not exist is refused."""
    app = app_for(settings, bus)
    async with served(app) as base:
        ws = base.replace("http://", "ws://")
        platform = app.state.platform
        lookups: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if "FROM gates" in statement:
                lookups.append(statement)

        async with websockets.connect(f"{ws}/ws/v1/gates/tan-thanh/board") as first:
            assert json.loads(await first.recv())["kind"] == "snapshot"
        event.listen(platform.engine.sync_engine, "before_cursor_execute", count)
        try:
            async with websockets.connect(f"{ws}/ws/v1/gates/tan-thanh/board") as second:
                assert json.loads(await second.recv())["kind"] == "snapshot"
            connect_lookups = [s for s in lookups if "gates.code =" in s]
        finally:
            event.remove(platform.engine.sync_engine, "before_cursor_execute", count)
        assert connect_lookups == []

        async with websockets.connect(f"{ws}/ws/v1/gates/nowhere/board") as unknown:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await unknown.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404
