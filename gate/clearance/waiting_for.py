"""Which trucks wait for an agency's decision: the console's filter "waiting for my agency"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import select

from gate.clearance.service import agencies_for
from gate.domain.clearance import DECIDING_AGENCIES, Agency, Decision
from gate.domain.yard_search import waits_for
from gate.store.tables import Booking, ClearanceDecisionRow
from gate.store.unit_of_work import UnitOfWork


async def waiting_for(uow: UnitOfWork, agency: Agency, booking_ids: Collection[str]) -> set[str]:
    """The ids among ``booking_ids`` (the trucks a console lists: the head of the queue and
    those at the lanes, a few hundred at most) whose cargo needs ``agency``'s clearance and
    that the agency has not decided on, or holds (``gate.domain.yard_search.waits_for``).
    Two statements, each one IN over those ids; none for an agency that decides nothing."""
    if agency not in DECIDING_AGENCIES or not booking_ids:
        return set()
    ids = list(booking_ids)
    bookings = list(await uow.session.scalars(select(Booking).where(Booking.id.in_(ids))))
    decided: dict[str, list[Decision]] = defaultdict(list)
    rows = await uow.session.execute(
        select(ClearanceDecisionRow.booking_id, ClearanceDecisionRow.decision)
        .where(
            ClearanceDecisionRow.booking_id.in_(ids),
            ClearanceDecisionRow.agency == agency.value,
        )
        .order_by(ClearanceDecisionRow.decided_at, ClearanceDecisionRow.id)
    )
    for booking_id, decision in rows:
        decided[booking_id].append(Decision(decision))
    return {b.id for b in bookings if waits_for(agency, agencies_for(b), decided.get(b.id, []))}
