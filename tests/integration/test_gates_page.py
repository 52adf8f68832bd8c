"""The page of all gates shows each direction's waiting vehicles, as the boards count them."""

from __future__ import annotations

import dataclasses
import re

import pytest

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.helpers import Api, device, open_all_day, read, this_hour
from tests.live import eventually


async def _shown(api: Api) -> dict[str, str]:
    html = (await api.client.get("/")).text
    return dict(re.findall(r'data-waiting="([a-z-]+)">(\d+)<', html))


async def test_the_gates_page_shows_every_gate_and_direction_with_its_waiting_count(api: Api):
    await open_all_day(api)
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour())).json()
    await api.client.post(
        "/api/v1/gates/tan-thanh/checkins", json=read(booking["plate"]), headers=await device(api)
    )
    assert len(await _shown(api)) == 8  # four gates, two directions

    async def counts_the_truck() -> bool:
        return (await _shown(api))["tan-thanh-export"] == "1"

    await eventually(counts_the_truck)  # the live board, a moment after the check-in
    assert (await _shown(api))["tan-thanh-import"] == "0"


@pytest.mark.parametrize(
    ("boards_url", "live_url"),
    [(None, ""), ("wss://boards.example.vn", "wss://boards.example.vn")],
    ids=["this host", "behind a proxy"],
)
async def test_a_board_page_opens_its_live_board_where_the_platform_serves_it(
    settings: Settings, bus: InMemoryEventBus, boards_url: str | None, live_url: str
):
    """Without the boards' server the page follows this host's endpoint (no URL, no port);
    with GATE_BOARDS_URL it follows that address."""
    app = app_for(dataclasses.replace(settings, boards_url=boards_url), bus)
    async with in_process_client(app) as client:
        html = (await client.get("/board/tan-thanh")).text
    assert f'data-live-url="{live_url}"' in html
    assert 'data-live-port=""' in html
