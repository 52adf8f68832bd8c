"""Refunds sent (gate/payments/payouts.py): a crossing paid through the fake provider and
cancelled in time is paid back through it by the outbox, signed, retried until the provider
takes it, and then marked sent and the fee refunded, which the enterprise is told by its
``fee.refunded`` webhook; money that named no fee is paid back too; money a provider without
payouts brought stays due."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.events import Actor
from gate.domain.time import utc_now
from gate.payments.receiving import Received, receive_payment
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Delivery
from gate.store.tables.fees import FeeRefund
from gate.store.unit_of_work import UnitOfWork
from tests.apps import app_for
from tests.asgi import served
from tests.fees import fee_of_booking, make_schedule
from tests.helpers import Api, tomorrow_at
from tests.payment_provider import SECRET, PaymentProvider, Transfer
from tests.receiver import Receiver


@pytest.fixture
async def payouts() -> AsyncIterator[Receiver]:
    receiver = await Receiver().start()
    yield receiver
    await receiver.close()


@pytest.fixture
async def webhooks() -> AsyncIterator[Receiver]:
    receiver = await Receiver().start()
    yield receiver
    await receiver.close()


@pytest.fixture
def configured(settings: Settings, payouts: Receiver) -> Settings:
    return replace(
        settings,
        payment_fake_secret=SECRET,
        payment_fake_url=payouts.url,
        outbox=True,
        outbox_poll_s=0.05,
        outbox_retry_schedule=(0.05,) * 20,
        webhook_allow_private=True,  # the enterprise's webhook receiver is local
    )


@pytest.fixture
async def base(configured: Settings, bus: InMemoryEventBus) -> AsyncIterator[str]:
    async with served(app_for(configured, bus)) as url:
        yield url


async def _until(read: Callable[[], Awaitable[Any]], done: Callable[[Any], bool]) -> Any:
    """``read()`` again until ``done`` says so (within 60 s); its last value."""
    async with asyncio.timeout(60):
        while not done(value := await read()):
            await asyncio.sleep(0.02)
    return value


async def _refunds(uow: UnitOfWork) -> list[tuple[int, str, str]]:
    await uow.session.rollback()
    rows = await uow.session.scalars(select(FeeRefund).order_by(FeeRefund.created_at))
    return [(r.amount_vnd, r.rule, r.status) for r in rows]


def _payout(request: Any) -> dict[str, Any]:
    """The payout's body, its signature verified with the provider's secret."""
    return dict(Webhook(SECRET).verify(request.body.decode(), request.headers))


async def test_a_paid_crossing_cancelled_in_time_is_refunded_through_the_provider(
    base: str,
    configured: Settings,
    payouts: Receiver,
    webhooks: Receiver,
    uow: UnitOfWork,
    bus: InMemoryEventBus,
) -> None:
    payouts.status = 503  # the provider's payouts are down at first: the outbox retries
    await make_schedule(configured)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        enterprise = await Api(client).enterprise(key_scope="manager")
        endpoint = await client.post(
            "/api/v1/webhooks/endpoints",
            json={"url": webhooks.url, "event_types": ["fee.refunded"]},
            headers=enterprise.headers,
        )
        assert endpoint.status_code == 201, endpoint.text
        secret = endpoint.json()["secret"]
        booking = (await enterprise.book(tomorrow_at(9))).json()
        fee = await fee_of_booking(uow, booking["id"])
        assert fee is not None
        amount, invoice = fee.amount_vnd, fee.invoice_number  # read before the next rollback
        transfer = Transfer(amount, f"{invoice} phi ha tang")
        assert [a.status_code for a in await PaymentProvider(base).deliver(transfer)] == [200]
        cancelled = await client.post(
            f"/api/v1/bookings/{booking['id']}/cancel", json={}, headers=enterprise.headers
        )
    assert cancelled.status_code == 200, cancelled.text

    await payouts.wait_for(lambda: len(payouts.requests) >= 2)
    assert await _refunds(uow) == [(amount, "cancelled-before-deadline", "due")]
    payouts.status = 200
    await payouts.wait_for(lambda: len(payouts.delivered()) == 1)

    ids = {r.headers["webhook-id"] for r in payouts.requests}
    assert len(ids) == 1  # every attempt is the same payout, dropped as a repeat by its id
    body = _payout(payouts.delivered()[0])
    assert body["amount_vnd"] == amount
    assert body["invoice_number"] == invoice
    assert body["rule"] == "cancelled-before-deadline"
    assert body["transactions"] == [
        {
            "provider": "fake",
            "transaction_id": transfer.transaction_id,
            "amount_vnd": amount,
        }
    ]
    refunded = await _until(
        lambda: fee_of_booking(uow, booking["id"]), lambda f: f.status == "refunded"
    )
    assert refunded.refund_amount_vnd == amount
    assert await _refunds(uow) == [(amount, "cancelled-before-deadline", "sent")]
    assert [e["to_status"] for e in bus.published if e["event"] == "fee.refunded"] == ["refunded"]

    # The enterprise is told, by the webhook it subscribed to (only that type: one delivery).
    await webhooks.wait_for(lambda: len(webhooks.delivered()) == 1)
    request = webhooks.requests[0]
    told = dict(Webhook(secret).verify(request.body.decode(), request.headers))
    assert told["type"] == "fee.refunded"
    data = told["data"]
    assert (data["booking_id"], data["status"], data["fee_status"]) == (
        booking["id"],
        "cancelled",
        "refunded",
    )
    assert (data["invoice_number"], data["amount_vnd"], data["refund_amount_vnd"]) == (
        invoice,
        amount,
        amount,
    )


async def test_money_naming_no_fee_is_paid_back_to_its_transaction(
    base: str, payouts: Receiver, uow: UnitOfWork
) -> None:
    transfer = Transfer(70_000, "tra tien hang")
    assert [a.status_code for a in await PaymentProvider(base).deliver(transfer)] == [200]
    await payouts.wait_for(lambda: len(payouts.delivered()) == 1)
    body = _payout(payouts.delivered()[0])
    assert (body["amount_vnd"], body["invoice_number"]) == (70_000, None)
    assert [t["transaction_id"] for t in body["transactions"]] == [transfer.transaction_id]
    await _until(
        lambda: _refunds(uow), lambda rows: rows == [(70_000, "payment-unmatched", "sent")]
    )


async def test_money_a_provider_without_payouts_brought_stays_due(
    base: str, configured: Settings, payouts: Receiver, uow: UnitOfWork
) -> None:
    engine = create_engine(configured)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as writer:
            money = Received("payos", "TF1", 40_000, "khong ro", utc_now())
            await receive_payment(writer, money, utc_now(), Actor("system"))
            await writer.commit()
    finally:
        await engine.dispose()

    async def failed() -> list[str | None]:
        await uow.session.rollback()
        rows = await uow.session.scalars(select(Delivery).where(Delivery.channel == "payout"))
        return [d.last_error for d in rows if d.status == "failed"]

    errors = await _until(failed, bool)
    assert "payos" in str(errors[0])
    assert payouts.requests == []
    assert await _refunds(uow) == [(40_000, "payment-unmatched", "due")]
