"""A crossing's fee is fixed when its booking is made, by the schedule version in force at the
booked hour, with an invoice number; a cancellation settles it by the refund rule."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from gate.config import Settings
from gate.domain.fees import INVOICE_NUMBER
from gate.store.tables.fees import FeeRefund
from gate.store.unit_of_work import UnitOfWork
from tests.fees import RATES, fee_of_booking, fee_unpaid, make_schedule
from tests.helpers import Api, open_all_day, this_hour, tomorrow_at


async def test_a_booking_gets_its_fee_and_invoice_number_and_is_held_until_paid(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    await make_schedule(settings)
    enterprise = await api.enterprise()
    first = (await enterprise.book(tomorrow_at(9))).json()
    second = (await enterprise.book(tomorrow_at(10))).json()

    one = await fee_of_booking(uow, first["id"])
    assert one is not None
    assert (one.amount_vnd, one.status, one.vehicle_type) == (2_000_000, "due", "container")
    number = one.invoice_number
    assert INVOICE_NUMBER.match(number) and number.startswith("TT")
    two = await fee_of_booking(uow, second["id"])
    assert two is not None
    # Consecutive numbers in the gate's series.
    assert int(two.invoice_number[-7:]) == int(number[-7:]) + 1
    assert await fee_unpaid(uow, first["id"])


async def test_a_gate_without_a_schedule_fixes_no_fee_and_holds_nobody(
    api: Api, uow: UnitOfWork
) -> None:
    enterprise = await api.enterprise()
    booking = (await enterprise.book(tomorrow_at(9))).json()
    assert await fee_of_booking(uow, booking["id"]) is None
    assert not await fee_unpaid(uow, booking["id"])


async def test_a_later_version_applies_from_its_start_and_leaves_fixed_fees_alone(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    await make_schedule(settings)
    enterprise = await api.enterprise()
    before = (await enterprise.book(tomorrow_at(9))).json()
    # The council's new rates take effect at 10:00 tomorrow (local), made now.
    await make_schedule(
        settings,
        effective_from=tomorrow_at(10),
        rates=tuple(replace(rate, amount_vnd=rate.amount_vnd * 2) for rate in RATES),
    )
    at_nine = (await enterprise.book(tomorrow_at(9))).json()
    at_ten = (await enterprise.book(tomorrow_at(10))).json()

    amounts = [
        (await fee_of_booking(uow, b["id"])).amount_vnd  # type: ignore[union-attr]
        for b in (before, at_nine, at_ten)
    ]
    assert amounts == [2_000_000, 2_000_000, 4_000_000]


async def test_cancelling_in_time_voids_an_unpaid_fee(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    await make_schedule(settings)
    enterprise = await api.enterprise()
    booking = (await enterprise.book(tomorrow_at(9))).json()
    cancelled = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", json={}, headers=enterprise.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    voided = await fee_of_booking(uow, booking["id"])
    assert voided is not None and voided.status == "void"
    assert voided.settled_at is not None
    assert not await fee_unpaid(uow, booking["id"])
    # Nothing was paid: nothing to send back.
    assert list(await uow.session.scalars(select(FeeRefund))) == []


async def test_a_crossing_of_the_hour_a_schedule_started_in_is_charged(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    # The schedule takes effect now, after the current hour began: a booking of this hour
    # crosses under it (the first hour of a new schedule charged nothing before).
    await open_all_day(api)
    await make_schedule(settings)
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour())).json()
    fee = await fee_of_booking(uow, booking["id"])
    assert fee is not None and fee.amount_vnd == 2_000_000


async def test_a_late_move_then_a_cancellation_keeps_the_fee(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    # Booked for the next hour (its refund deadline, two hours before, has passed), moved to
    # tomorrow, then cancelled: as late as cancelling at once, so the fee stands.
    await open_all_day(api)
    await make_schedule(settings)
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour(1))).json()
    moved = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/reschedule",
        json={"slot_start": tomorrow_at(15).isoformat(), "version": booking["version"]},
        headers=enterprise.headers,
    )
    assert moved.status_code == 200, moved.text
    cancelled = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", json={}, headers=enterprise.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    fee = await fee_of_booking(uow, booking["id"])
    assert fee is not None and fee.status == "due"
