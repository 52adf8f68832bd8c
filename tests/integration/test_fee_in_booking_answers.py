"""A booking's API answer carries its fee (amount, status, invoice number, sum received), in
the answer that makes it (one by one and in a rush batch), when read and when listed."""

from __future__ import annotations

import dataclasses
from typing import Any

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.fees import INVOICE_NUMBER
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.fees import make_schedule
from tests.helpers import Api, tomorrow_at


def _fee_is_due(fee: dict[str, Any] | None, amount: int) -> str:
    assert fee is not None
    assert (fee["amount_vnd"], fee["status"], fee["paid_amount_vnd"]) == (amount, "due", 0)
    assert INVOICE_NUMBER.match(fee["invoice_number"]), fee
    return str(fee["invoice_number"])


async def test_a_booking_is_answered_read_and_listed_with_its_fee(
    api: Api, settings: Settings
) -> None:
    await make_schedule(settings)
    enterprise = await api.enterprise()
    made = await enterprise.book(tomorrow_at(9))  # the rush's batch: the default path
    assert made.status_code == 201, made.text
    number = _fee_is_due(made.json()["fee"], 2_000_000)  # a container's export rate

    read = await api.client.get(f"/api/v1/bookings/{made.json()['id']}", headers=enterprise.headers)
    assert read.status_code == 200, read.text
    assert _fee_is_due(read.json()["fee"], 2_000_000) == number
    listed = await api.client.get("/api/v1/bookings", headers=enterprise.headers)
    (item,) = listed.json()["items"]
    assert _fee_is_due(item["fee"], 2_000_000) == number


async def test_a_booking_made_one_by_one_is_answered_with_its_fee(
    settings: Settings, bus: InMemoryEventBus
) -> None:
    await make_schedule(settings)
    alone = dataclasses.replace(settings, booking_batch_ms=0)
    async with in_process_client(app_for(alone, bus)) as client:
        api = Api(client)
        made = await (await api.enterprise()).book(tomorrow_at(9))
        assert made.status_code == 201, made.text
        _fee_is_due(made.json()["fee"], 2_000_000)


async def test_a_booking_at_a_gate_without_a_schedule_has_no_fee(api: Api) -> None:
    enterprise = await api.enterprise()
    made = await enterprise.book(tomorrow_at(9))
    assert made.status_code == 201, made.text
    assert made.json()["fee"] is None
    read = await api.client.get(f"/api/v1/bookings/{made.json()['id']}", headers=enterprise.headers)
    assert read.json()["fee"] is None
