"""The unpaid-fee rule (issue 19): a truck whose fee is unpaid waits in the yard in its place
but is not called to a lane; paid (cash taken by an officer, or a provider's notification) it
is called at its turn. And officers' cash: a receipt per payment, a retry landing once, cash
for a fee not owed refused."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from gate.config import Settings
from gate.domain.events import Actor
from gate.domain.time import utc_now
from gate.payments.receiving import Received, receive_payment
from gate.store.audit import history
from gate.store.tables.fees import FeePayment
from gate.store.unit_of_work import UnitOfWork
from tests.fees import fee_of_booking, fee_unpaid, make_schedule
from tests.helpers import Api, book_as_of, device, officer, open_all_day, read, this_hour

GATE = "/api/v1/gates/tan-thanh"


@pytest.fixture(autouse=True)
async def gate_open_all_day(api: Api, settings: Settings) -> None:
    await open_all_day(api)
    # In force from before this hour: the trucks booked for it are charged.
    since = this_hour(-1)
    await make_schedule(settings, effective_from=since, now=since)


async def _booked_and_arrived(
    api: Api, settings: Settings, uow: UnitOfWork, names: dict[str, int]
) -> dict[str, dict[str, Any]]:
    """Book one regular truck per name for this hour and check each in ``names[name]``
    minutes ago (the earliest first in the queue); their bookings with ``invoice``."""
    trader = await api.enterprise()
    camera = await device(api)
    made: dict[str, dict[str, Any]] = {}
    for name in names:
        booking = await book_as_of(settings, trader, this_hour())
        fee = await fee_of_booking(uow, booking["id"])
        assert fee is not None and fee.status == "due"
        made[name] = {**booking, "invoice": fee.invoice_number, "amount": fee.amount_vnd}
    for name, minutes in sorted(names.items(), key=lambda item: -item[1]):
        observed = utc_now() - timedelta(minutes=minutes)
        answer = await api.client.post(
            f"{GATE}/checkins", json=read(made[name]["plate"], observed), headers=camera
        )
        assert answer.json()["outcome"] != "refused", answer.text
    return made


async def _cash(api: Api, operator: dict[str, str], invoice: str, amount: int, key: str) -> Any:
    return await api.client.post(
        f"{GATE}/fees/{invoice}/cash",
        json={"amount_vnd": amount},
        headers={**operator, "Idempotency-Key": key},
    )


async def _call(api: Api, operator: dict[str, str]) -> str | None:
    answer = await api.client.post(
        f"{GATE}/lanes/X1/call-next", headers=operator, params={"force": "true"}
    )
    assert answer.status_code == 200, answer.text
    called = answer.json()["called"]
    return None if called is None else str(called["booking_id"])


async def _queue(api: Api, operator: dict[str, str]) -> list[tuple[str, bool]]:
    answer = await api.client.get(f"{GATE}/queue", params={"direction": "export"}, headers=operator)
    return [
        (v["vehicle"]["booking_id"], v["vehicle"]["fee_unpaid"]) for v in answer.json()["waiting"]
    ]


async def test_an_unpaid_truck_ahead_is_held_in_its_place_and_called_at_its_turn_once_paid(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    trucks = await _booked_and_arrived(api, settings, uow, {"A": 40, "B": 30, "C": 20, "D": 10})
    operator = await officer(api, "gate_operator")
    ids = {name: t["id"] for name, t in trucks.items()}
    for n, name in enumerate("BCD"):  # everyone but A pays in cash
        paid = await _cash(api, operator, trucks[name]["invoice"], trucks[name]["amount"], f"k{n}")
        assert paid.status_code == 201, paid.text
    assert await fee_unpaid(uow, ids["A"])

    # A is first in the queue, shown as unpaid, and passed over by the call.
    assert await _queue(api, operator) == [
        (ids["A"], True),
        (ids["B"], False),
        (ids["C"], False),
        (ids["D"], False),
    ]
    assert await _call(api, operator) == ids["B"]
    await uow.session.rollback()
    called = [s for s in await history(uow.session, ids["B"]) if s.event == "vehicle.called"]
    assert json.loads(called[-1].data)["passed_over_unpaid"] == ids["A"]

    # Paid in cash, A is released: called next, at its place ahead of C and D.
    receipt = await _cash(api, operator, trucks["A"]["invoice"], trucks["A"]["amount"], "ka")
    assert receipt.status_code == 201, receipt.text
    assert receipt.json()["status"] == "paid"
    assert not await fee_unpaid(uow, ids["A"])
    assert await _queue(api, operator) == [(ids["A"], False), (ids["C"], False), (ids["D"], False)]
    assert [await _call(api, operator) for _ in range(4)] == [ids["A"], ids["C"], ids["D"], None]


async def test_a_provider_notification_releases_the_held_truck_too(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    trucks = await _booked_and_arrived(api, settings, uow, {"A": 20})
    operator = await officer(api, "gate_operator")
    assert await _call(api, operator) is None  # only an unpaid truck: nobody to call

    await uow.session.rollback()
    money = Received("fake", "txn-9", trucks["A"]["amount"], trucks["A"]["invoice"], utc_now())
    assert (await receive_payment(uow, money, utc_now(), Actor("system"))).paid_now
    await uow.commit()

    assert await _call(api, operator) == trucks["A"]["id"]


async def test_cash_lands_once_under_retries_and_is_refused_when_nothing_is_owed(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    trucks = await _booked_and_arrived(api, settings, uow, {"A": 20})
    invoice, amount = trucks["A"]["invoice"], trucks["A"]["amount"]
    operator = await officer(api, "gate_operator")

    half = await _cash(api, operator, invoice, amount // 2, "half")
    again = await _cash(api, operator, invoice, amount // 2, "half")
    assert half.status_code == again.status_code == 201
    assert again.json() == half.json() and again.headers["Idempotent-Replayed"] == "true"
    assert half.json()["status"] == "due" and half.json()["receipt_number"].startswith("BLTT")
    too_much = await _cash(api, operator, invoice, amount, "too-much")
    assert too_much.status_code == 422, too_much.text
    rest = await _cash(api, operator, invoice, amount - amount // 2, "rest")
    assert rest.json()["status"] == "paid"
    assert rest.json()["receipt_number"] != half.json()["receipt_number"]
    assert [p["amount_vnd"] for p in rest.json()["payments"]] == [amount // 2, amount - amount // 2]

    not_owed = await _cash(api, operator, invoice, 1000, "after")
    assert not_owed.status_code == 409, not_owed.text
    assert "nothing is owed" in not_owed.json()["detail"]
    no_key = await api.client.post(
        f"{GATE}/fees/{invoice}/cash", json={"amount_vnd": 1000}, headers=operator
    )
    assert no_key.status_code == 422
    customs = await officer(api, "customs")
    assert (await _cash(api, customs, invoice, 1000, "c")).status_code == 403
    missing = await _cash(api, operator, "TT269999999", 1000, "m")
    assert missing.status_code == 404

    await uow.session.rollback()
    count = await uow.session.scalar(select(func.count()).select_from(FeePayment))
    assert count == 2
    read_back = await api.client.get(f"{GATE}/fees/{invoice}/receipt", headers=customs)
    assert read_back.status_code == 200 and read_back.json()["paid_amount_vnd"] == amount
