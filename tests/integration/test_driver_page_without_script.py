"""The driver's page reads without its script, on both databases: the server renders the same
facts and next step as ``/state`` in the page's language, and leaves out every label whose
value is absent (a phone whose script never loaded still shows the truck's road)."""

from __future__ import annotations

from datetime import datetime
from html.parser import HTMLParser
from typing import Any

from gate.domain.time import as_local
from services.web.locale_format import clock, day
from tests.driver_rows import NEAR_YARD
from tests.helpers import Api, Enterprise, open_all_day, this_hour
from tests.yards import dispatched_by_hand, enters_yard, yard, yard_enterprise

VOID = {"meta", "link", "br", "img", "input", "hr"}


class _ShownText(HTMLParser):
    """The text a reader sees without script: nothing inside ``hidden`` elements, scripts
    or the head."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        skip = tag in ("script", "head") or any(name == "hidden" for name, _ in attrs)
        self._skipping.append(skip)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self._skipping:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not any(self._skipping):
            self.parts.append(data)


def shown(html: str) -> str:
    reader = _ShownText()
    reader.feed(html)
    return " ".join(" ".join(reader.parts).split())


async def _page_of_a_truck_in_a_yard(api: Api) -> tuple[Enterprise, dict[str, Any], str, str]:
    """A booked truck waiting in a yard, with a link to its page: (enterprise, booking, the
    page's path, the truck's visit id)."""
    await open_all_day(api)
    enterprise = await api.enterprise()
    booked = await enterprise.book(this_hour(2))
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    made = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/driver-links", headers=enterprise.headers
    )
    assert made.status_code == 201, made.text
    path = "/d/" + made.json()["url"].rsplit("/d/", 1)[1]
    code = await yard(
        api,
        await yard_enterprise(api),
        name="Bãi chờ Km3",
        latitude=NEAR_YARD[0],
        longitude=NEAR_YARD[1],
    )
    visit = await enters_yard(api, code, booking["plate"])
    return enterprise, booking, path, visit


async def test_a_truck_in_a_yard_reads_its_yard_and_next_step_without_script(api: Api):
    _, booking, path, _ = await _page_of_a_truck_in_a_yard(api)

    page = await api.client.get(path + "?lang=en")

    assert page.status_code == 200
    text = shown(page.text)
    assert "Waiting yard: Bãi chờ Km3" in text
    assert "Wait in the yard. This page shows your dispatch order when it comes." in text
    assert booking["plate"] in text and booking["code"] in text
    # No order yet, no place in the control yard, no position: none of their labels.
    for absent in ("Dispatch order", "Drive to", "Before", "Place in the control yard"):
        assert absent not in text, absent
    assert "Expected call" not in text and "To the gate" not in text


async def test_a_dispatched_truck_reads_its_order_in_its_language_without_script(api: Api):
    _, _, path, visit = await _page_of_a_truck_in_a_yard(api)
    order = await dispatched_by_hand(api, visit)
    state = (await api.client.get(path + "/state")).json()

    page = await api.client.get(path + "?lang=vi")

    text = shown(page.text)
    deadline = as_local(datetime.fromisoformat(order["deadline_at"]))
    assert f"Lệnh điều tiết {order['code']}" in text
    # The day as Vietnamese writes it (services/web/locale_format.py): "30 thg 11".
    assert f"Trước {clock(deadline, 'vi')} {day(deadline, 'vi')}" in text
    assert f"Đi đến {state['road']['dispatch_order']['gate_name']}" in text
    assert state["step"] == "step_go_to_gate"
    assert "Xe đã có lệnh điều tiết: rời bãi và đến cửa khẩu trước hạn." in text
    assert "Bãi chờ Km3" in text
