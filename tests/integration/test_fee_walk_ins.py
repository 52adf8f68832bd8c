"""A walk-in admitted at check-in (by a camera or by an officer's hand) gets its fee fixed by
the schedule in force at its hour, with an invoice number, and is held until it is paid."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import select

from gate.config import Settings
from gate.domain.fees import INVOICE_NUMBER
from gate.store.tables import AuditLogEntry, Booking
from gate.store.unit_of_work import UnitOfWork
from tests.fees import fee_of_booking, fee_unpaid, make_schedule
from tests.helpers import Api, device, officer, open_all_day, read, this_hour

GATE = "/api/v1/gates/tan-thanh"


@pytest.fixture(autouse=True)
async def gate_open_all_day(api: Api) -> None:
    await open_all_day(api)


async def _walk_in(uow: UnitOfWork, plate: str) -> str:
    """The id of the walk-in's booking of ``plate``."""
    await uow.session.rollback()
    booking = await uow.session.scalar(
        select(Booking).where(Booking.plate == plate.replace("-", "").replace(".", ""))
    )
    assert booking is not None and booking.walk_in
    return booking.id


async def _in_force_this_hour(settings: Settings) -> None:
    # Made an hour ago, in force from then: the walk-in's hour started under it.
    await make_schedule(settings, effective_from=this_hour(-1), now=this_hour(-1))


async def test_a_walk_in_read_by_a_camera_gets_the_catch_all_fee_and_is_held(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    await _in_force_this_hour(settings)
    answer = await api.client.post(
        f"{GATE}/checkins", json=read("12C-777.11"), headers=await device(api)
    )
    assert answer.json()["outcome"] == "walk_in", answer.text

    booking = await _walk_in(uow, "12C-777.11")
    fee = await fee_of_booking(uow, booking)
    assert fee is not None
    # No vehicle type nor cargo declared: the export catch-all (tests/fees.py's RATES), not
    # the container's rate.
    assert (fee.amount_vnd, fee.status, fee.vehicle_type, fee.load_class) == (
        1_500_000,
        "due",
        "*",
        "unknown",
    )
    assert fee.enterprise_id is None and fee.direction == "export"
    number = fee.invoice_number
    assert INVOICE_NUMBER.match(number) and number.startswith("TT")
    assert await fee_unpaid(uow, booking)
    # The walk-in's creation is audited with its fee, as a booking's is.
    created = await uow.session.scalar(
        select(AuditLogEntry.data).where(
            AuditLogEntry.subject_id == booking, AuditLogEntry.event == "booking.created"
        )
    )
    assert created is not None
    facts = json.loads(created)
    assert (facts["fee_vnd"], facts["invoice_number"]) == (1_500_000, number)


async def test_a_walk_in_checked_in_by_an_officer_gets_its_fee(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    await _in_force_this_hour(settings)
    operator = await officer(api, "gate_operator")
    answer = await api.client.post(
        f"{GATE}/manual-checkins",
        json={"direction": "import", "plate": "12C-777.12"},
        headers=operator,
    )
    assert answer.json()["outcome"] == "walk_in", answer.text

    booking = await _walk_in(uow, "12C-777.12")
    fee = await fee_of_booking(uow, booking)
    assert fee is not None
    assert (fee.amount_vnd, fee.status, fee.direction) == (1_200_000, "due", "import")
    assert await fee_unpaid(uow, booking)


async def test_walk_ins_at_once_each_get_their_own_invoice_number(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    await _in_force_this_hour(settings)
    cameras = [await device(api) for _ in range(2)]
    plates = [f"29H-{700 + n}.{n:02d}" for n in range(8)]
    answers = await asyncio.gather(
        *(
            api.client.post(f"{GATE}/checkins", json=read(plate), headers=cameras[n % 2])
            for n, plate in enumerate(plates)
        )
    )
    assert {a.json()["outcome"] for a in answers} == {"walk_in"}, [a.text for a in answers]

    numbers = []
    for plate in plates:
        fee = await fee_of_booking(uow, await _walk_in(uow, plate))
        assert fee is not None and fee.amount_vnd == 1_500_000
        numbers.append(int(fee.invoice_number[-7:]))
    # One gapless sequence of the gate's series, whichever batches they fell in.
    assert sorted(numbers) == list(range(min(numbers), min(numbers) + len(plates)))


async def test_a_walk_in_before_any_schedule_pays_nothing_and_is_not_held(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    # A version starting next hour does not reach back to this one.
    await make_schedule(settings, effective_from=this_hour(1))
    answer = await api.client.post(
        f"{GATE}/checkins", json=read("12C-777.13"), headers=await device(api)
    )
    assert answer.json()["outcome"] == "walk_in", answer.text
    booking = await _walk_in(uow, "12C-777.13")
    assert await fee_of_booking(uow, booking) is None
    assert not await fee_unpaid(uow, booking)
