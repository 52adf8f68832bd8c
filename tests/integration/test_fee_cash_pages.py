"""The unpaid-fee rule and officers' cash in the console, and the receipt in the console and
the portal (issue 19), on both databases through the pages (session and CSRF): the queue marks
an unpaid truck as held (a call finding only held trucks says so), the truck's details offer
the gate's operators the cash form with the amount owed filled in, a form sent twice makes
one receipt, the receipt shows the amount; the enterprise prints its own receipt and not
another's."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gate.config import Settings
from gate.domain.time import utc_now
from gate.store.tables.fees import FeePayment
from gate.store.unit_of_work import UnitOfWork
from services.common.session import SESSION_COOKIE
from tests.fees import fee_of_booking, fee_unpaid, make_schedule
from tests.helpers import (
    Api,
    book_as_of,
    browser,
    device,
    enterprise_user,
    officer,
    open_all_day,
    page_csrf,
    read,
    this_hour,
)

GATE = "/api/v1/gates/tan-thanh"
CONSOLE = "/console/tan-thanh"


@pytest.fixture(autouse=True)
async def gate_open_all_day(api: Api, settings: Settings) -> None:
    await open_all_day(api)
    since = this_hour(-1)
    await make_schedule(settings, effective_from=since, now=since)


def _row(html: str, booking_id: str) -> str:
    """The queue row of a truck (up to the next row), tags kept."""
    start = html.index(f'<tr data-booking="{booking_id}">')
    return html[start : html.index("</tr>", start)]


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def test_an_operator_records_cash_once_and_prints_the_receipt_of_an_unpaid_truck(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    trader = await api.enterprise()
    booking = await book_as_of(settings, trader, this_hour())
    fee = await fee_of_booking(uow, booking["id"])
    assert fee is not None
    invoice, owed = fee.invoice_number, fee.amount_vnd  # kept: a rollback expires the row
    observed = utc_now() - timedelta(minutes=5)
    await api.client.post(
        f"{GATE}/checkins", json=read(booking["plate"], observed), headers=await device(api)
    )
    token = (await officer(api, "gate_operator"))["Authorization"].removeprefix("Bearer ")
    api.client.cookies.set(SESSION_COOKIE, token)

    page = await api.client.get(CONSOLE, params={"direction": "export"})
    row = _row(page.text, booking["id"])
    assert "data-fee-unpaid" in row
    form = re.search(rf'action="{CONSOLE}/fees/{invoice}/cash".*?</form>', row, re.S)
    assert form is not None
    key = re.search(r'name="form_key" value="([^"]+)"', form.group(0))
    amount = re.search(r'name="amount_vnd"[^>]*value="(\d+)"', form.group(0))
    assert key is not None and amount is not None
    assert int(amount.group(1)) == owed  # the amount owed, filled in

    csrf = page_csrf(page.text)
    sent = {
        "direction": "export",
        "form_key": key.group(1),
        "amount_vnd": amount.group(1),
    }
    # The only truck waiting is held: the call says why nobody came.
    call = await api.client.post(
        f"{CONSOLE}/lanes/X1/call", data={"direction": "export"}, headers=csrf
    )
    assert "message=note_all_held&message_value=1" in call.headers["location"]
    cash = f"{CONSOLE}/fees/{invoice}/cash"
    unconfirmed = await api.client.post(cash, data=sent, headers=csrf)
    assert unconfirmed.status_code == 303
    assert "error_why=cash-unconfirmed" in unconfirmed.headers["location"]
    assert await fee_unpaid(uow, booking["id"])

    confirmed = {**sent, "confirm": "true"}
    first = await api.client.post(cash, data=confirmed, headers=csrf)
    again = await api.client.post(cash, data=confirmed, headers=csrf)
    receipt_path = f"{CONSOLE}/fees/{invoice}/receipt"
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"] == receipt_path
    assert not await fee_unpaid(uow, booking["id"])
    await uow.session.rollback()
    assert await uow.session.scalar(select(func.count()).select_from(FeePayment)) == 1

    receipt = await api.client.get(receipt_path)
    assert receipt.status_code == 200
    shown = _text(receipt.text)
    assert invoice in shown and "BLTT" in shown
    assert owed == 2_000_000  # a container: tests/fees.py's rate
    assert "2.000.000 ₫" in shown  # the page's language is Vietnamese: Babel's VND
    assert "Hai triệu đồng" in shown
    assert "Nghị quyết 01/2026/NQ-HĐND" in shown
    page = await api.client.get(CONSOLE, params={"direction": "export"})
    assert "data-fee-unpaid" not in _row(page.text, booking["id"])

    # Paid: the form is gone and cash is refused with the reason, said in the page's words.
    assert f"{invoice}/cash" not in _row(page.text, booking["id"])
    refused = await api.client.post(
        cash, data={**confirmed, "form_key": "another-form"}, headers=csrf
    )
    assert "error_why=fee-not-owed" in refused.headers["location"]

    # The enterprise prints its own receipt in the portal; another enterprise gets 404.
    api.client.cookies.clear()
    await browser(api, await enterprise_user(api, trader))
    booking_page = await api.client.get(f"/portal/bookings/{booking['id']}")
    assert f"/portal/fees/{invoice}/receipt" in booking_page.text
    own = await api.client.get(f"/portal/fees/{invoice}/receipt")
    await browser(api, await enterprise_user(api, await api.enterprise()))
    theirs = await api.client.get(f"/portal/fees/{invoice}/receipt")
    assert own.status_code == 200 and "2.000.000 ₫" in _text(own.text)
    assert theirs.status_code == 404
