"""The page of all gates shows each direction's waiting vehicles, as the boards count them."""

from __future__ import annotations

import re

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
