"""A signed-in websocket ends with its credential: sign-out, a revoked API key, an officer
taken off the gate, a disabled officer or enterprise user close the holder's streams within
seconds (4401 credential ended, 4403 no longer allowed here), and the streams of credentials
that still hold stay open. Signing in needs no secret in the URL: the token travels in the
``Sec-WebSocket-Protocol`` offer and is never echoed."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.time import utc_now
from gate.live.terminal import watch
from gate.store.database import create_engine
from gate.store.tables import UserSession
from tests.apps import app_for
from tests.asgi import served
from tests.helpers import Api
from tests.streams import (
    ENTERPRISE_STREAM,
    OFFICER_STREAM,
    api_key,
    closed_within,
    end_every_kind,
    officer,
    open_stream,
)


@pytest.fixture
async def live(settings: Settings, bus: InMemoryEventBus) -> AsyncIterator[tuple[Api, str]]:
    """One process, re-checking its streams only once a minute: what closes them within
    seconds is the event the ending records."""
    app = app_for(dataclasses.replace(settings, stream_recheck_s=60), bus)
    async with served(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        yield Api(client), base.replace("http://", "ws://")


async def test_every_kind_of_ended_credential_closes_its_streams_within_seconds(
    live: tuple[Api, str],
):
    api, ws = live
    await end_every_kind(api, ws, within=5)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_stream_signs_in_through_the_subprotocol_and_the_token_is_never_echoed(
    live: tuple[Api, str],
):
    api, ws = live
    holder = await officer(api)
    offer = ["gate.v1", f"bearer.{holder.token}"]
    async with connect(ws + OFFICER_STREAM, subprotocols=offer) as socket:  # type: ignore[arg-type]
        assert socket.subprotocol == "gate.v1"
        assert socket.response is not None
        assert holder.token not in str(socket.response.headers)
        assert b'"snapshot"' in (await socket.recv()).encode()

    # The old way still works; a wrong token or none is told so in the close, not the URL.
    key = await api_key(api)
    async with connect(f"{ws}{ENTERPRISE_STREAM}?token={key.token}") as socket:
        assert b'"snapshot"' in (await socket.recv()).encode()
    for offer in (["gate.v1", "bearer.gs_0000_wrong"], ["gate.v1"]):
        async with connect(ws + OFFICER_STREAM, subprotocols=offer) as socket:  # type: ignore[arg-type]
            assert socket.subprotocol == "gate.v1"
            assert await closed_within(socket, 5) == (4401, "sign in first")


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_stream_opened_after_its_credential_ended_is_refused(live: tuple[Api, str]):
    """The ending is checked at sign-in as well (no race with the guard's admission)."""
    api, ws = live
    holder = await officer(api)
    answer = await api.client.delete(
        "/api/v1/auth/sessions/current", headers={"Authorization": f"Bearer {holder.token}"}
    )
    assert answer.status_code == 204
    offer = ["gate.v1", f"bearer.{holder.token}"]
    try:
        async with connect(ws + OFFICER_STREAM, subprotocols=offer) as socket:  # type: ignore[arg-type]
            assert await closed_within(socket, 5) == (4401, "sign in first")
    except (ConnectionClosed, InvalidStatus) as refused:  # pragma: no cover - either is a refusal
        pytest.fail(f"refused without a close code: {refused}")


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_gate_watch_of_no_such_gate_says_so_and_exits_instead_of_retrying_forever(
    live: tuple[Api, str],
):
    api, _ = live
    out = io.StringIO()
    code = await asyncio.wait_for(
        watch(str(api.client.base_url), "no-such-gate", once=True, out=out), 10
    )
    assert code == 1
    assert out.getvalue() == "closed by the server: no such gate (4404)\n"


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_stream_closes_when_its_session_expires_with_no_event_to_say_so(
    settings: Settings, bus: InMemoryEventBus
):
    """Nothing announces an expiry: the periodic re-check (here every 0.2 s) finds it."""
    app = app_for(dataclasses.replace(settings, stream_recheck_s=0.2), bus)
    async with served(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        holder = await officer(Api(client))
        socket = await open_stream(base.replace("http://", "ws://"), holder)
        engine = create_engine(settings)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    update(UserSession)
                    .where(UserSession.id == holder.token.split("_")[1])
                    .values(expires_at=utc_now() - timedelta(seconds=1))
                )
        finally:
            await engine.dispose()
        assert await closed_within(socket, 5) == (4401, "signed out or session expired")
