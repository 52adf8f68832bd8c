"""The fees of bookings as the pages and the API show them beside each booking."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from gate.store.tables.fees import Fee
from gate.store.unit_of_work import UnitOfWork


async def fees_of(uow: UnitOfWork, booking_ids: Sequence[str]) -> dict[str, Fee]:
    """The fee of each of the bookings that has one, by booking id, in one read (a booking
    without a fee is absent: its gate charged none when it was made)."""
    if not booking_ids:
        return {}
    rows = await uow.session.scalars(select(Fee).where(Fee.booking_id.in_(list(booking_ids))))
    return {fee.booking_id: fee for fee in rows}
