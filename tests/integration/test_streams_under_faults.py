"""A websocket asked for while the database is unavailable is closed with 1013 (Try Again
Later, the websocket's 503) and a reason naming what is wrong, not with an internal error:
signing in, and finding the gate, need the database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.live.client import subprotocols
from tests.apps import app_for
from tests.asgi import served
from tests.helpers import ADMIN_TOKEN, Api, officer
from tests.integration.tcp_proxy import TcpProxy
from tests.services import empty_postgres, seed_database


@pytest.fixture
async def proxied(
    postgres_database: str, tmp_path: Path
) -> AsyncIterator[tuple[Api, str, str, TcpProxy]]:
    """The platform on PostgreSQL through a proxy the test cuts: the API, its websocket base
    URL, the boards' server's."""
    await empty_postgres(postgres_database)
    await seed_database(postgres_database)
    address = urlsplit(postgres_database)
    proxy = TcpProxy(address.hostname or "127.0.0.1", address.port or 5432)
    await proxy.start()
    url = postgres_database.replace(address.netloc, f"{address.username}@127.0.0.1:{proxy.port}")
    settings = Settings(
        data_dir=tmp_path,
        database_url=url,
        admin_token=ADMIN_TOKEN,
        sweep_seconds=0,
        boards_port=0,
    )
    app = app_for(settings, InMemoryEventBus())
    async with served(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        boards = f"ws://127.0.0.1:{app.state.platform.boards_port}"
        yield Api(client), base.replace("http://", "ws://"), boards, proxy
        await proxy.cut()


async def _close(url: str, token: str | None = None) -> tuple[int | None, str]:
    offer = subprotocols(token) if token else None
    try:
        async with connect(url, subprotocols=offer, open_timeout=10) as socket:
            while True:
                await asyncio.wait_for(socket.recv(), 10)
    except ConnectionClosed as closed:
        return (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (None, "")


async def test_a_stream_asked_for_while_the_database_is_away_is_told_to_try_again(
    proxied: tuple[Api, str, str, TcpProxy],
):
    api, ws, boards, proxy = proxied
    token = (await officer(api, "gate_operator"))["Authorization"].partition(" ")[2]
    await proxy.cut()
    for url, credential in [
        (f"{ws}/ws/v1/gates/tan-thanh/officer", token),  # signing in needs the database
        (f"{ws}/ws/v1/gates/coc-nam/board", None),  # a gate this process has not looked up
        (f"{boards}/ws/v1/gates/chi-ma/board", None),  # the same on the boards' server
    ]:
        code, reason = await _close(url, credential)
        assert code == 1013, (url, code, reason)
        assert "database" in reason
