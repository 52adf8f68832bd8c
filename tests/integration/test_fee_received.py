"""Money received for a fee (gate/payments/receiving.py): recorded once per provider and
transaction whatever the retries, concurrent ones included; the fee paid when the sum reaches
it and the truck no longer held; money that pays no crossing owed back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy import func, select

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.events import Actor
from gate.domain.time import utc_now
from gate.payments.receiving import Receipt, Received, receive_payment
from gate.store.database import create_engine, create_session_factory
from gate.store.tables.fees import FeePayment, FeeRefund
from gate.store.unit_of_work import UnitOfWork
from tests.fees import fee_of_booking, fee_unpaid, make_schedule
from tests.helpers import Api, tomorrow_at

PROVIDER = Actor("system")
PAID_AT = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


@asynccontextmanager
async def _writer(settings: Settings) -> AsyncIterator[UnitOfWork]:
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            yield uow
    finally:
        await engine.dispose()


async def _receive(settings: Settings, received: Received) -> Receipt:
    async with _writer(settings) as uow:
        receipt = await receive_payment(uow, received, utc_now(), PROVIDER)
        await uow.commit()
        return receipt


async def _booked_fee(api: Api, settings: Settings, uow: UnitOfWork) -> tuple[str, str, int]:
    await make_schedule(settings)
    enterprise = await api.enterprise()
    booking = (await enterprise.book(tomorrow_at(9))).json()
    fee = await fee_of_booking(uow, booking["id"])
    assert fee is not None
    return booking["id"], fee.invoice_number, fee.amount_vnd


async def test_a_notification_retried_in_sequence_and_at_once_is_counted_once(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    booking_id, invoice, amount = await _booked_fee(api, settings, uow)
    money = Received("fake", "txn-1", amount, f"CK phi ha tang {invoice}", PAID_AT)

    first = await _receive(settings, money)
    again = await _receive(settings, money)
    at_once = await asyncio.gather(*(_receive(settings, money) for _ in range(4)))

    assert first.paid_now and not first.repeated
    assert again.repeated and not again.paid_now
    assert all(r.repeated and r.payment.id == first.payment.id for r in at_once)
    fee = await fee_of_booking(uow, booking_id)
    assert fee is not None
    assert (fee.status, fee.paid_amount_vnd) == ("paid", amount)
    assert not await fee_unpaid(uow, booking_id)
    await uow.session.rollback()
    count = await uow.session.scalar(select(func.count()).select_from(FeePayment))
    assert count == 1
    assert list(await uow.session.scalars(select(FeeRefund))) == []


async def test_two_halves_pay_the_fee_and_a_surplus_is_owed_back(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    booking_id, invoice, amount = await _booked_fee(api, settings, uow)
    half = await _receive(settings, Received("fake", "a", amount // 2, invoice, PAID_AT))
    assert not half.paid_now and await fee_unpaid(uow, booking_id)
    rest = await _receive(settings, Received("fake", "b", amount, invoice, PAID_AT))
    assert rest.paid_now and not await fee_unpaid(uow, booking_id)
    await uow.session.rollback()
    refunds = list(await uow.session.scalars(select(FeeRefund)))
    assert [(r.amount_vnd, r.rule) for r in refunds] == [(amount // 2, "payment-not-owed")]


async def test_money_naming_no_invoice_is_kept_and_owed_back(
    settings: Settings, uow: UnitOfWork
) -> None:
    receipt = await _receive(settings, Received("fake", "z", 5_000, "tien hang", PAID_AT))
    assert receipt.fee is None and not receipt.paid_now
    await uow.session.rollback()
    refunds = list(await uow.session.scalars(select(FeeRefund)))
    assert [(r.amount_vnd, r.rule, r.payment_id) for r in refunds] == [
        (5_000, "payment-unmatched", receipt.payment.id)
    ]


async def test_money_beyond_32_bits_is_kept_to_the_dong(
    settings: Settings, uow: UnitOfWork
) -> None:
    # A month's statement passes 2,147,483,647 dong; PostgreSQL's INTEGER ended there (a 500).
    big = 3_000_000_000
    receipt = await _receive(settings, Received("fake", "big", big, "SK26110001", PAID_AT))
    await uow.session.rollback()
    stored = await uow.session.scalar(
        select(FeePayment.amount_vnd).where(FeePayment.id == receipt.payment.id)
    )
    assert stored == big
    refunds = list(await uow.session.scalars(select(FeeRefund.amount_vnd)))
    assert refunds == [big]
