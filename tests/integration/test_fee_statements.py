"""Monthly statements (issue 19): a booking made under an agreement has its fee on statement
and its truck not held; last month's statement lists exactly the month's fees on statement
with the right total, issued once however often the sweep runs (at once included); paying it
by its number marks its fees paid, once under retries; a fee on it is not paid on its own."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.events import Actor
from gate.domain.statements import STATEMENT_NUMBER, month_of, previous_month
from gate.domain.time import as_local, utc_now
from gate.fees.statements import statement_lines, sweep_statements
from gate.payments.receiving import Receipt, Received, receive_payment
from gate.store.database import create_engine, create_session_factory
from gate.store.tables.fees import FeeRefund
from gate.store.tables.statements import FeeStatement
from gate.store.unit_of_work import UnitOfWork
from gate.sweeps import run_sweeps_once
from tests.fees import fee_of_booking, fee_unpaid, make_schedule
from tests.helpers import Api, Enterprise, admin, tomorrow_at
from tests.statements import (
    agreement_as_of,
    before_month,
    book_made_at,
    cancel_at,
    day_at,
    writer,
)

LAST_MONTH = previous_month(month_of(utc_now()))


async def _sweep(settings: Settings) -> int:
    async with writer(settings) as uow:
        issued = await sweep_statements(uow, utc_now())
        await uow.commit()
        return issued


async def _statements(uow: UnitOfWork, enterprise_id: str) -> list[FeeStatement]:
    await uow.session.rollback()
    rows = await uow.session.scalars(
        select(FeeStatement)
        .where(FeeStatement.enterprise_id == enterprise_id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def _last_months_crossings(
    api: Api, settings: Settings
) -> tuple[Enterprise, Enterprise, dict[str, str]]:
    """Enterprise A (agreement since before last month) and B (none), with bookings of last
    month and around it, made a day before their hours; the bookings by name."""
    await make_schedule(
        settings, effective_from=before_month(LAST_MONTH, 40), now=before_month(LAST_MONTH, 40)
    )
    a, b = await api.enterprise(), await api.enterprise()
    start = before_month(LAST_MONTH, 30)
    await agreement_as_of(settings, a.id, as_local(start).date(), start)
    month_before = previous_month(LAST_MONTH)
    this_month = month_of(utc_now())
    slots = {
        "first_day": day_at(LAST_MONTH, 1, 9),
        "in_time": day_at(LAST_MONTH, 10, 9),
        "late": day_at(LAST_MONTH, 20, 10),
        "month_before": day_at(month_before, 28, 9),
        "this_month": day_at(this_month, 1, 9),
    }
    made = {
        name: await book_made_at(settings, a, slot, slot.replace(hour=0))
        for name, slot in slots.items()
    }
    # Cancelled a day ahead: voided, off the statement; half an hour ahead: kept on it.
    await cancel_at(settings, a, made["in_time"], slots["in_time"].replace(hour=0))
    late = slots["late"]
    await cancel_at(settings, a, made["late"], late.replace(hour=9, minute=30))
    made["b"] = await book_made_at(
        settings, b, slots["first_day"], slots["first_day"].replace(hour=0)
    )
    return a, b, made


async def test_a_booking_under_an_agreement_is_on_statement_and_its_truck_is_not_held(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    await make_schedule(settings)
    monthly, other = await api.enterprise(), await api.enterprise()
    made = await api.client.post(
        f"/api/v1/enterprises/{monthly.id}/statement-agreements",
        json={"valid_from": as_local(utc_now()).date().isoformat(), "reference": "HĐ 01/2026"},
        headers=admin(),
    )
    assert made.status_code == 201, made.text

    on_statement = (await monthly.book(tomorrow_at(9))).json()
    paying = (await other.book(tomorrow_at(9))).json()

    fee = await fee_of_booking(uow, on_statement["id"])
    assert fee is not None and (fee.status, fee.amount_vnd) == ("statement", 2_000_000)
    assert not await fee_unpaid(uow, on_statement["id"])
    due = await fee_of_booking(uow, paying["id"])
    assert due is not None and due.status == "due"
    assert await fee_unpaid(uow, paying["id"])

    # Ended early: the next booking pays its own fee and waits for it.
    ended = await api.client.post(
        f"/api/v1/statement-agreements/{made.json()['id']}/end", headers=admin()
    )
    assert ended.status_code == 200 and ended.json()["ended_at"] is not None
    after = (await monthly.book(tomorrow_at(10))).json()
    assert await fee_unpaid(uow, after["id"])
    kept = await fee_of_booking(uow, on_statement["id"])
    assert kept is not None and kept.status == "statement"


async def test_last_months_statement_lists_exactly_its_fees_once_however_often_swept(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    a, b, made = await _last_months_crossings(api, settings)
    fees = {}
    for name, booking in made.items():
        fee = await fee_of_booking(uow, booking)
        assert fee is not None
        fees[name] = (fee.status, fee.invoice_number, fee.amount_vnd)
    assert {name: status for name, (status, _, _) in fees.items()} == {
        "first_day": "statement",
        "in_time": "void",
        "late": "statement",
        "month_before": "statement",
        "this_month": "statement",
        "b": "due",
    }

    # The platform's periodic sweep issues it (gate/sweeps.py), then nothing more.
    engine = create_engine(settings)
    try:
        factory = create_session_factory(engine)
        counts = await run_sweeps_once(lambda: UnitOfWork(factory, InMemoryEventBus()), settings)
    finally:
        await engine.dispose()
    assert counts["fee_statements"] >= 1
    assert await _sweep(settings) == 0
    assert sum(await asyncio.gather(_sweep(settings), _sweep(settings))) == 0

    assert await _statements(uow, b.id) == []
    [statement] = await _statements(uow, a.id)
    expected = [fees["first_day"], fees["late"]]
    assert statement.month == LAST_MONTH
    assert STATEMENT_NUMBER.match(statement.number)
    assert statement.number[2:6] == LAST_MONTH.strftime("%y%m")
    assert (statement.status, statement.fee_count) == ("due", 2)
    assert statement.total_vnd == sum(amount for _, _, amount in expected) == 4_000_000
    lines = await statement_lines(uow, statement.id)
    assert [line.invoice_number for line in lines] == [number for _, number, _ in expected]
    assert [line.gate.code for line in lines] == ["tan-thanh", "tan-thanh"]


async def _pay(settings: Settings, received: Received) -> Receipt:
    async with writer(settings) as uow:
        receipt = await receive_payment(uow, received, utc_now(), Actor("system"))
        await uow.commit()
        return receipt


async def test_paying_the_statement_by_its_number_marks_its_fees_paid_once(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    a, _, made = await _last_months_crossings(api, settings)
    await _sweep(settings)
    [statement] = await _statements(uow, a.id)
    number, total = statement.number, statement.total_vnd
    paid_at = utc_now()
    on_it = await fee_of_booking(uow, made["first_day"])
    assert on_it is not None
    invoice, amount = on_it.invoice_number, on_it.amount_vnd

    # A fee on an issued statement is paid with it, never on its own: that money goes back.
    alone = await _pay(settings, Received("fake", "t-0", amount, invoice, paid_at))
    assert alone.fee is not None and not alone.paid_now
    kept = await fee_of_booking(uow, made["first_day"])
    assert kept is not None and (kept.status, kept.paid_amount_vnd) == ("statement", 0)

    half = await _pay(settings, Received("fake", "t-1", total // 2, f"TT {number}", paid_at))
    assert half.statement is not None and not half.paid_now
    rest = Received("fake", "t-2", total, f"CK thanh toan bang ke {number.lower()}", paid_at)
    first = await _pay(settings, rest)
    retries = await asyncio.gather(*(_pay(settings, rest) for _ in range(3)))

    assert first.paid_now and first.statement is not None
    assert all(r.repeated and not r.paid_now for r in retries)
    [paid] = await _statements(uow, a.id)
    assert (paid.status, paid.paid_amount_vnd) == ("paid", total)
    for name in ("first_day", "late"):
        fee = await fee_of_booking(uow, made[name])
        assert fee is not None and (fee.status, fee.paid_amount_vnd) == ("paid", fee.amount_vnd)
    # Fees on no statement of that month stay on statement.
    other = await fee_of_booking(uow, made["this_month"])
    assert other is not None and other.status == "statement"
    # The fee's own payment, and the second transfer's half too much: owed back, once each.
    await uow.session.rollback()
    refunds = list(await uow.session.scalars(select(FeeRefund)))
    assert sorted((r.amount_vnd, r.rule) for r in refunds) == [
        (amount, "payment-not-owed"),
        (total // 2, "payment-not-owed"),
    ]
    count = await uow.session.scalar(select(func.count()).select_from(FeeStatement))
    assert count == 1
