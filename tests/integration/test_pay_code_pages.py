"""The VietQR code on the pages where money is paid (services/web/pay_code.py): the portal's
booking page and the driver's page while the crossing's fee is due, the portal's monthly
statement while it is due. The SVG QR code drawn on the page is rasterised and read by a real
decoder (zxing-cpp), and that text, also in the page's ``data-payload``, is read by
gate/domain/vietqr.py (its CRC verified) to the amount and the invoice (or statement) number
into the configured account; once paid, the code is gone."""

from __future__ import annotations

import html
import re
from typing import Any

import zxingcpp
from PIL import Image, ImageDraw

from gate.config import Settings
from gate.domain import vietqr
from gate.domain.events import Actor
from gate.domain.statements import month_of, previous_month
from gate.domain.time import as_local, utc_now
from gate.fees.statements import sweep_statements
from gate.payments.receiving import Received, receive_payment
from services.common.session import SESSION_COOKIE
from tests.fees import make_schedule
from tests.helpers import Api, Enterprise, enterprise_user, tomorrow_at
from tests.portal_people import portal_user
from tests.statements import agreement_as_of, before_month, book_made_at, day_at, writer

_FIGURE = re.compile(
    r'<figure class="pay-code" id="pay-code" data-payload="([^"]+)">(.*?)</figure>', re.S
)
_MODULE = re.compile(r"M(\d+),(\d+)H")
_VIEWBOX = re.compile(r'viewBox="0 0 (\d+) (\d+)"')
SCALE = 4  # pixels per module: enough for the decoder


def _drawn(svg: str) -> str:
    """The text of the QR code ``svg`` draws (qrcode's SvgPathImage: a square per dark
    module), rasterised and read by zxing-cpp."""
    size = _VIEWBOX.search(svg)
    assert size is not None, svg[:200]
    width, height = int(size.group(1)), int(size.group(2))
    image = Image.new("L", (width * SCALE, height * SCALE), 255)
    pen = ImageDraw.Draw(image)
    for x, y in _MODULE.findall(svg):
        left, top = int(x) * SCALE, int(y) * SCALE
        pen.rectangle((left, top, left + SCALE - 1, top + SCALE - 1), fill=0)
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, found
    return str(found[0].text)


def _pay_code(page: str) -> tuple[vietqr.VietQR, str]:
    """The page's one VietQR code, read (its drawing and its text agree); and the figure's
    markup."""
    figures = _FIGURE.findall(page)
    assert len(figures) == 1, page
    payload, figure = html.unescape(figures[0][0]), figures[0][1]
    assert 'role="img" aria-label="' in figure and "<svg" in figure
    assert _drawn(figure) == payload
    assert f'<code class="pay-payload">{payload}</code>' in figure
    return vietqr.read(payload), figure


def _pays_the_payee(code: vietqr.VietQR, settings: Settings) -> bool:
    """Whether ``code`` pays into the configured account (GATE_PAYMENT_*)."""
    return (code.bank_bin, code.account, code.name) == (
        settings.payment_bank_bin,
        settings.payment_account,
        settings.payment_account_name,
    )


async def _pay(settings: Settings, reference: str, amount: int, transaction: str) -> None:
    """``amount`` received against ``reference``, as a provider's notification records it."""
    async with writer(settings) as uow:
        money = Received("fake", transaction, amount, reference, utc_now())
        await receive_payment(uow, money, utc_now(), Actor("system"))
        await uow.commit()


async def _booked(api: Api, settings: Settings) -> tuple[Enterprise, dict[str, Any]]:
    await make_schedule(settings)
    enterprise = await api.enterprise()
    made = await enterprise.book(tomorrow_at(9))
    assert made.status_code == 201, made.text
    return enterprise, made.json()


async def test_the_portals_booking_page_shows_the_code_to_pay_the_fee_until_it_is_paid(
    api: Api, settings: Settings
) -> None:
    enterprise, booking = await _booked(api, settings)
    number = booking["fee"]["invoice_number"]
    api.client.cookies.set(SESSION_COOKIE, await enterprise_user(api, enterprise))
    api.client.cookies.set("gate_lang", "en")
    path = f"/portal/bookings/{booking['id']}"

    code, figure = _pay_code((await api.client.get(path)).text)
    assert (code.amount_vnd, code.reference, code.dynamic) == (2_000_000, number, True)
    assert _pays_the_payee(code, settings)
    # In words beside it: the amount, the account and the reference to type.
    assert f'aria-label="VietQR code to transfer ₫2,000,000 with the reference {number}"' in (
        figure
    )
    assert '<dd class="pay-amount">₫2,000,000</dd>' in figure
    assert f'<dd class="pay-account">{settings.payment_account} · ' in figure
    assert f'<dd class="pay-reference">{number}</dd>' in figure

    # Part paid: the code asks for the rest.
    await _pay(settings, number, 500_000, "txn-part")
    rest, _ = _pay_code((await api.client.get(path)).text)
    assert (rest.amount_vnd, rest.reference) == (1_500_000, number)

    await _pay(settings, number, 1_500_000, "txn-rest")
    paid = (await api.client.get(path)).text
    assert 'data-fee-status="paid"' in paid
    assert 'id="pay-code"' not in paid and "data-payload" not in paid


async def test_the_drivers_page_shows_the_code_to_pay_the_fee_until_it_is_paid(
    api: Api, settings: Settings
) -> None:
    enterprise, booking = await _booked(api, settings)
    number = booking["fee"]["invoice_number"]
    link = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/driver-links", headers=enterprise.headers
    )
    assert link.status_code == 201, link.text
    path = "/d/" + link.json()["url"].rsplit("/d/", 1)[1]

    page = (await api.client.get(path, params={"lang": "zh"})).text
    code, figure = _pay_code(page)
    assert (code.amount_vnd, code.reference) == (2_000_000, number)
    assert _pays_the_payee(code, settings)
    assert f'aria-label="VietQR付款码：转账₫2,000,000，附言{number}"' in figure

    await _pay(settings, number, 2_000_000, "txn-driver")
    paid = (await api.client.get(path, params={"lang": "zh"})).text
    assert 'data-fee-status="paid"' in paid
    assert 'id="pay-code"' not in paid and "data-payload" not in paid


async def test_the_statement_page_shows_the_code_to_pay_its_total_until_it_is_paid(
    api: Api, settings: Settings
) -> None:
    last_month = previous_month(month_of(utc_now()))
    since = before_month(last_month, 40)
    await make_schedule(settings, effective_from=since, now=since)
    enterprise = await api.enterprise()
    await agreement_as_of(settings, enterprise.id, as_local(since).date(), since)
    for day, hour in ((3, 9), (17, 10)):
        slot = day_at(last_month, day, hour)
        await book_made_at(settings, enterprise, slot, slot.replace(hour=0))
    async with writer(settings) as uow:
        assert await sweep_statements(uow, utc_now()) == 1
        await uow.commit()
    listed = await api.client.get(
        f"/api/v1/enterprises/{enterprise.id}/statements", headers=enterprise.headers
    )
    assert listed.status_code == 200, listed.text
    [statement] = listed.json()
    number, total = statement["number"], statement["total_vnd"]
    assert total == 4_000_000  # two container trucks' fees
    _, token = await portal_user(api, enterprise, "clerk")
    api.client.cookies.set(SESSION_COOKIE, token)
    api.client.cookies.set("gate_lang", "vi")
    path = f"/portal/statements/{number}"

    code, figure = _pay_code((await api.client.get(path)).text)
    assert (code.amount_vnd, code.reference) == (total, number)
    assert _pays_the_payee(code, settings)
    assert '<dd class="pay-amount">4.000.000\u00a0₫</dd>' in figure

    await _pay(settings, number, total, "txn-statement")
    paid = (await api.client.get(path)).text
    assert 'id="statement" data-status="paid"' in paid
    assert 'id="pay-code"' not in paid and "data-payload" not in paid
