"""The fees' totals in the statistics (issue 19): a day of fees fixed, paid by a provider and in
cash, paid in part, refunded and voided reads back as exactly those totals, kept current by
the job between the changes and again after a rebuild, on both databases.

Everything goes through the use cases and the API: bookings made (their fees fixed), money
received through gate/payments/receiving.py::receive_payment (the one way money is recorded),
cancellations through the API (the refund rule settles the fees)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from babel.numbers import format_currency
from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.events import Actor
from gate.domain.fee_statistics import local_day
from gate.domain.time import as_local, as_utc, utc_now
from gate.payments.receiving import Received, receive_payment
from gate.statistics.reads import FeeDay, Scope, fee_days
from gate.statistics.rebuild import rebuild_statistics
from gate.statistics.update import update_statistics
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Gate, statistics_fee_days
from gate.store.unit_of_work import UnitOfWork
from tests.fees import fee_of_booking, make_schedule
from tests.helpers import Api, Enterprise, browser, officer, tomorrow_at
from tests.statistics_day import page_tables

PROVIDER = Actor("system")


@asynccontextmanager
async def _writer(settings: Settings) -> AsyncIterator[UnitOfWork]:
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            yield uow
    finally:
        await engine.dispose()


async def _receive(settings: Settings, received: Received) -> None:
    async with _writer(settings) as uow:
        await receive_payment(uow, received, utc_now(), PROVIDER)
        await uow.commit()


async def _fold(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        factory = create_session_factory(engine)
        await update_statistics(lambda: UnitOfWork(factory, InMemoryEventBus()))
    finally:
        await engine.dispose()


async def _rebuild(settings: Settings) -> None:
    async with _writer(settings) as uow:
        await rebuild_statistics(uow)
        await uow.commit()


@dataclass(frozen=True)
class Fixed:
    """A fee as fixed (read before anything expires the row)."""

    invoice_number: str
    amount_vnd: int
    fixed_at: datetime
    direction: str
    gate_id: str


async def _fixed(uow: UnitOfWork, booking_id: str) -> Fixed:
    fee = await fee_of_booking(uow, booking_id)
    assert fee is not None
    return Fixed(fee.invoice_number, fee.amount_vnd, fee.fixed_at, fee.direction, fee.gate_id)


async def _booked(api: Api, enterprise: Enterprise, uow: UnitOfWork) -> tuple[str, Fixed]:
    response = await enterprise.book(tomorrow_at(9))
    assert response.status_code == 201, response.text
    booking_id = response.json()["id"]
    return booking_id, await _fixed(uow, booking_id)


async def _cancel(api: Api, enterprise: Enterprise, booking_id: str) -> None:
    cancelled = await api.client.post(
        f"/api/v1/bookings/{booking_id}/cancel", json={}, headers=enterprise.headers
    )
    assert cancelled.status_code == 200, cancelled.text


async def _days(uow: UnitOfWork, gate_id: str) -> list[FeeDay]:
    """The gate's fee days from yesterday to tomorrow (a test run across the gates' midnight
    spreads its figures over two days: the sums below hold either way)."""
    await uow.session.rollback()
    now = utc_now()
    scope = Scope(local_day(now) - timedelta(days=1), local_day(now) + timedelta(days=2), gate_id)
    return await fee_days(uow.session, scope)


def _sums(days: list[FeeDay]) -> dict[str, int]:
    columns = [name for name in FeeDay.__slots__ if name != "period"]
    return {name: sum(getattr(day, name) for day in days) for name in columns}


async def test_a_day_of_fees_paid_refunded_and_voided_reads_as_exactly_those_totals(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    await make_schedule(settings)
    gate_id = await uow.session.scalar(select(Gate.id).where(Gate.code == "tan-thanh"))
    assert gate_id is not None
    enterprise = await api.enterprise()
    by_qr, in_cash, refunded, voided, in_part, unpaid = [
        await _booked(api, enterprise, uow) for _ in range(6)
    ]
    amount = by_qr[1].amount_vnd
    assert amount > 0 and all(fee.amount_vnd == amount for _, fee in (in_cash, voided, unpaid))
    await _fold(settings)
    fixed = _sums(await _days(uow, gate_id))
    assert (fixed["fixed"], fixed["fixed_vnd"], fixed["outstanding_vnd"]) == (
        6,
        6 * amount,
        6 * amount,
    )

    paid_at = utc_now()
    for (_, fee), provider, paid in (
        (by_qr, "fake", amount),
        (refunded, "fake", amount),
        (in_cash, "cash", amount),
        (in_part, "fake", amount // 3),
    ):
        await _receive(
            settings,
            Received(
                provider,
                f"{provider}-{fee.invoice_number}",
                paid,
                f"CK {fee.invoice_number}",
                paid_at,
                receipt_number=f"BL{fee.invoice_number}" if provider == "cash" else None,
                officer_id=None,
            ),
        )
    await _fold(settings)
    await _cancel(api, enterprise, refunded[0])
    await _cancel(api, enterprise, voided[0])
    await _fold(settings)

    expected = {
        "fixed": 6,
        "fixed_vnd": 6 * amount,
        "paid_provider_vnd": 2 * amount + amount // 3,
        "paid_cash_vnd": amount,
        "statement_vnd": 0,
        "refunded_vnd": amount,
        "voided": 1,
        "voided_vnd": amount,
        "outstanding_vnd": amount + (amount - amount // 3),
    }
    kept = await _days(uow, gate_id)
    assert _sums(kept) == expected
    assert local_day(paid_at) in {as_utc(day.period) for day in kept}
    fixed_on = local_day(by_qr[1].fixed_at)
    assert sum(d.fixed for d in kept if as_utc(d.period) == fixed_on) >= 1

    await _rebuild(settings)
    assert await _days(uow, gate_id) == kept
    await _fold(settings)  # nothing new: the rebuild's marks are the chains' heads
    assert await _days(uow, gate_id) == kept
    await _page_shows(api, expected)
    await _open_data_shows(api, expected)


# The open data's names of the totals (services/api/statistics/schemas.py, FeesView).
_PUBLIC = {
    "fixed": "fees_fixed",
    "fixed_vnd": "fixed_vnd",
    "paid_provider_vnd": "received_by_qr_vnd",
    "paid_cash_vnd": "received_in_cash_vnd",
    "statement_vnd": "billed_to_statements_vnd",
    "refunded_vnd": "refunded_vnd",
    "voided": "fees_voided",
    "voided_vnd": "voided_vnd",
    "outstanding_vnd": "outstanding_vnd",
}


async def _open_data_shows(api: Api, expected: dict[str, int]) -> None:
    """The open data's days (public: no credential) hold the same totals, every day with
    its ``fees`` (zeros on a day without)."""
    api.client.cookies.clear()
    today = as_local(utc_now()).date()
    answer = await api.client.get(
        "/api/v1/statistics/gates/tan-thanh/days",
        params={"from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat()},
    )
    assert answer.status_code == 200, answer.text
    days = answer.json()["days"]
    assert len(days) == 7 and all(set(day["fees"]) == set(_PUBLIC.values()) for day in days)
    sums = {ours: sum(day["fees"][theirs] for day in days) for ours, theirs in _PUBLIC.items()}
    assert sums == expected


async def _page_shows(api: Api, expected: dict[str, int]) -> None:
    """The statistics page's fees table (7 days up to today) sums to ``expected``, in
    English and as Vietnamese writes money."""
    token = (await officer(api, "customs"))["Authorization"].removeprefix("Bearer ")
    await browser(api, token)
    today = as_local(utc_now()).date().isoformat()
    query = f"/statistics/tan-thanh?span=week&day={today}"
    api.client.cookies.set("gate_lang", "en")
    shown = page_tables((await api.client.get(query)).text)["fees"]
    assert shown[0] == ["Day", "Fees fixed", "Fees fixed (VND)", "Received by QR (VND)",
                        "Received in cash (VND)", "On monthly statements (VND)", "Refunded (VND)",
                        "Fees voided", "Voided (VND)", "Still owed (VND)"]  # fmt: skip
    assert len(shown) == 1 + 7 and shown[-1][0] == today
    columns = [name for name in FeeDay.__slots__ if name != "period"]
    sums = [sum(int(row[i + 1].removeprefix("₫").replace(",", "")) for row in shown[1:])
            for i in range(len(columns))]  # fmt: skip
    assert dict(zip(columns, sums, strict=True)) == expected
    api.client.cookies.set("gate_lang", "vi")
    words = (await api.client.get(query)).text
    assert format_currency(expected["paid_cash_vnd"], "VND", locale="vi") in words
    assert "Còn phải thu (VNĐ)" in words


async def test_another_gate_and_direction_keep_their_own_rows(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    await make_schedule(settings)
    enterprise = await api.enterprise()
    response = await enterprise.book(tomorrow_at(10), direction="import")
    assert response.status_code == 201, response.text
    fee = await _fixed(uow, response.json()["id"])
    assert fee.direction == "import"
    await _fold(settings)
    await uow.session.rollback()
    rows = (
        await uow.session.execute(
            select(statistics_fee_days.c.direction, statistics_fee_days.c.fixed_vnd)
        )
    ).all()
    assert [tuple(row) for row in rows] == [("import", fee.amount_vnd)]
    now = utc_now()
    other = await uow.session.scalar(select(Gate.id).where(Gate.code == "huu-nghi"))
    scope = Scope(local_day(now) - timedelta(days=1), local_day(now) + timedelta(days=2), other)
    assert await fee_days(uow.session, scope) == []
    export = Scope(scope.since, scope.until, fee.gate_id, direction="export")
    assert await fee_days(uow.session, export) == []


async def test_money_beyond_the_fee_or_for_a_voided_fee_counts_in_and_back_out(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    """A surplus and money for a fee already voided are received (on their day, by their
    way) and owed back (refunded): neither makes a fee paid, so the job sees them only by
    the ``fee.payment_received`` entry in the gate's chain."""
    await make_schedule(settings)
    enterprise = await api.enterprise()
    (_, over), (voided_id, voided) = [await _booked(api, enterprise, uow) for _ in range(2)]
    await _cancel(api, enterprise, voided_id)
    await _fold(settings)
    amount = over.amount_vnd
    await _receive(
        settings,
        Received("fake", "t-over", amount + 50_000, f"CK {over.invoice_number}", utc_now()),
    )
    await _fold(settings)
    late_cash = Received(
        "cash", "t-void", voided.amount_vnd, voided.invoice_number, utc_now(), receipt_number="B1"
    )
    await _receive(settings, late_cash)
    await _fold(settings)

    kept = _sums(await _days(uow, over.gate_id))
    assert kept == {
        "fixed": 2,
        "fixed_vnd": amount + voided.amount_vnd,
        "paid_provider_vnd": amount + 50_000,
        "paid_cash_vnd": voided.amount_vnd,
        "statement_vnd": 0,
        "refunded_vnd": 50_000 + voided.amount_vnd,
        "voided": 1,
        "voided_vnd": voided.amount_vnd,
        "outstanding_vnd": 0,
    }
    await _rebuild(settings)
    assert _sums(await _days(uow, over.gate_id)) == kept
