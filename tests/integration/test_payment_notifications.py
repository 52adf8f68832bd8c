"""A payment provider's notifications over real HTTP (services/api/payments/): the fee paid
exactly once whatever the retries, sequential and concurrent; a bad signature refused and
nothing recorded; a provider not configured unknown; money naming no fee kept and owed back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import httpx
import pytest
from sqlalchemy import func, select

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.payments.providers.payos import signature
from gate.store.tables.fees import FeePayment, FeeRefund
from gate.store.unit_of_work import UnitOfWork
from tests.apps import app_for
from tests.asgi import in_process_client, served
from tests.fees import fee_of_booking, fee_unpaid, make_schedule
from tests.helpers import Api, tomorrow_at
from tests.payment_provider import SECRET, PaymentProvider, Transfer


@dataclass
class World:
    api: Api
    provider: PaymentProvider
    base: str
    settings: Settings


@pytest.fixture
async def world(settings: Settings, bus: InMemoryEventBus) -> AsyncIterator[World]:
    configured = replace(settings, payment_fake_secret=SECRET)
    async with (
        served(app_for(configured, bus)) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
    ):
        yield World(Api(client), PaymentProvider(base), base, configured)


async def _booked(world: World, uow: UnitOfWork) -> tuple[str, str, int]:
    await make_schedule(world.settings)
    enterprise = await world.api.enterprise()
    booking = (await enterprise.book(tomorrow_at(9))).json()
    fee = await fee_of_booking(uow, booking["id"])
    assert fee is not None and fee.status == "due"
    return booking["id"], fee.invoice_number, fee.amount_vnd


async def _count(uow: UnitOfWork, table: type) -> int:
    await uow.session.rollback()
    return int(await uow.session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_notification_marks_the_fee_paid_exactly_once_under_retries(
    world: World, uow: UnitOfWork, bus: InMemoryEventBus
) -> None:
    booking_id, invoice, amount = await _booked(world, uow)
    assert await fee_unpaid(uow, booking_id)
    transfer = Transfer(amount, f"MBVCB.4411.{invoice}.CT phi ha tang")

    first = await world.provider.deliver(transfer)
    in_turn = [await world.provider.send(transfer) for _ in range(3)]
    at_once = await asyncio.gather(*(world.provider.send(transfer) for _ in range(6)))

    assert [a.status_code for a in first] == [200]
    body = first[0].json()
    assert body["invoice_number"] == invoice
    assert body["transaction_id"] == transfer.transaction_id
    assert body["amount_vnd"] == amount
    for answer in [*in_turn, *at_once]:
        assert answer.status_code == 200
        assert answer.json() == body
    fee = await fee_of_booking(uow, booking_id)
    assert fee is not None
    assert (fee.status, fee.paid_amount_vnd) == ("paid", amount)
    assert not await fee_unpaid(uow, booking_id)
    assert await _count(uow, FeePayment) == 1
    assert await _count(uow, FeeRefund) == 0
    paid = [e for e in bus.published if e["event"] == "fee.paid"]
    assert [e["facts"]["invoice_number"] for e in paid] == [invoice]


async def test_concurrent_first_deliveries_record_the_payment_once(
    world: World, uow: UnitOfWork
) -> None:
    booking_id, invoice, amount = await _booked(world, uow)
    transfer = Transfer(amount, invoice)
    answers = await asyncio.gather(*(world.provider.send(transfer) for _ in range(8)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    fee = await fee_of_booking(uow, booking_id)
    assert fee is not None and (fee.status, fee.paid_amount_vnd) == ("paid", amount)
    assert await _count(uow, FeePayment) == 1


async def test_a_bad_signature_is_refused_and_nothing_is_recorded(
    world: World, uow: UnitOfWork
) -> None:
    booking_id, invoice, amount = await _booked(world, uow)
    forger = PaymentProvider(world.base, secret="whsec_" + "bm90LXRoZS1wcm92aWRlcnMta2V5")
    answer = await forger.send(Transfer(amount, invoice))
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"] == "/problems/bad-signature"

    transfer = Transfer(amount, invoice)
    headers = world.provider.signed("msg_x", transfer.body())
    tampered = transfer.body().replace(str(amount), str(amount * 10))
    async with httpx.AsyncClient(timeout=30) as client:
        changed = await client.post(world.provider.url, content=tampered, headers=headers)
        unsigned = await client.post(world.provider.url, content=transfer.body())
    assert (changed.status_code, unsigned.status_code) == (401, 401)

    fee = await fee_of_booking(uow, booking_id)
    assert fee is not None and (fee.status, fee.paid_amount_vnd) == ("due", 0)
    assert await fee_unpaid(uow, booking_id)
    assert await _count(uow, FeePayment) == 0


async def test_a_provider_not_configured_is_unknown_and_a_malformed_body_refused(
    world: World, uow: UnitOfWork
) -> None:
    async with httpx.AsyncClient(base_url=world.base, timeout=30) as client:
        unknown = await client.post("/api/v1/payments/providers/payos/notifications", json={})
    assert unknown.status_code == 404
    assert unknown.json()["type"] == "/problems/not-found"

    body = '{"transaction_id": "FT1", "amount_vnd": "a lot", "reference": "x", "paid_at": "y"}'
    async with httpx.AsyncClient(timeout=30) as client:
        malformed = await client.post(
            world.provider.url, content=body, headers=world.provider.signed("msg_m", body)
        )
    assert malformed.status_code == 422
    assert malformed.json()["type"] == "/problems/malformed-notification"
    assert await _count(uow, FeePayment) == 0


async def test_money_naming_no_invoice_is_recorded_and_owed_back(
    world: World, uow: UnitOfWork
) -> None:
    transfer = Transfer(250_000, "chuyen tien hang thang 11")
    answers = await world.provider.deliver(transfer)
    assert [a.status_code for a in answers] == [200]
    assert answers[0].json()["invoice_number"] is None
    again = await world.provider.send(transfer)
    assert again.json() == answers[0].json()
    await uow.session.rollback()
    refunds = list(await uow.session.scalars(select(FeeRefund)))
    assert [(r.amount_vnd, r.rule, r.status) for r in refunds] == [
        (250_000, "payment-unmatched", "due")
    ]


async def test_a_surplus_owed_back_is_not_refunded_again_when_the_crossing_is_cancelled(
    world: World, uow: UnitOfWork
) -> None:
    await make_schedule(world.settings)
    enterprise = await world.api.enterprise()
    booking = (await enterprise.book(tomorrow_at(9))).json()
    fee = await fee_of_booking(uow, booking["id"])
    assert fee is not None
    amount, invoice = fee.amount_vnd, fee.invoice_number
    # Two transfers of 60% each: the second pays the fee and brings 20% too many.
    part = amount * 6 // 10
    for _ in range(2):
        assert [a.status_code for a in await world.provider.deliver(Transfer(part, invoice))] == [
            200
        ]
    cancelled = await world.api.client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", json={}, headers=enterprise.headers
    )
    assert cancelled.status_code == 200, cancelled.text

    await uow.session.rollback()
    refunds = list(await uow.session.scalars(select(FeeRefund).order_by(FeeRefund.amount_vnd)))
    assert sorted((r.rule, r.amount_vnd) for r in refunds) == [
        ("cancelled-before-deadline", amount),
        ("payment-not-owed", 2 * part - amount),
    ]
    assert sum(r.amount_vnd for r in refunds) == 2 * part  # every đồng received, once


async def test_a_payos_webhook_signed_with_the_channels_key_pays_the_fee(
    settings: Settings, bus: InMemoryEventBus, uow: UnitOfWork
) -> None:
    key = "payos-checksum-key-of-the-tests"
    configured = replace(settings, payment_payos_checksum_key=key)
    await make_schedule(configured)
    async with in_process_client(app_for(configured, bus)) as client:
        enterprise = await Api(client).enterprise()
        booking = (await enterprise.book(tomorrow_at(9))).json()
        fee = await fee_of_booking(uow, booking["id"])
        assert fee is not None
        amount, invoice = fee.amount_vnd, fee.invoice_number
        data = {
            "orderCode": 1,
            "amount": amount,
            "description": f"CT DEN:{invoice} phi",
            "accountNumber": "0123456789",
            "reference": "FT26334999",
            "transactionDateTime": "2026-11-30 10:15:00",
            "currency": "VND",
            "paymentLinkId": "",
            "code": "00",
            "desc": "Thành công",
            "counterAccountBankId": "",
            "counterAccountBankName": "",
            "counterAccountName": None,
            "counterAccountNumber": "19031234567",
            "virtualAccountName": "",
            "virtualAccountNumber": "",
        }
        webhook = {"code": "00", "desc": "success", "success": True, "data": data}
        url = "/api/v1/payments/providers/payos/notifications"
        forged = await client.post(url, json={**webhook, "signature": signature(data, "x")})
        signed = {**webhook, "signature": signature(data, key)}
        answers = [await client.post(url, json=signed) for _ in range(2)]
    assert forged.status_code == 401
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["invoice_number"] == invoice
    assert answers[0].json()["transaction_id"] == "FT26334999"
    paid = await fee_of_booking(uow, booking["id"])
    assert paid is not None and (paid.status, paid.paid_amount_vnd) == ("paid", amount)
