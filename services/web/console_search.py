"""The console's search and filter: the trucks whose plate or booking code holds what the
officer typed (partial, any case or spacing, confusable letters folded:
gate/domain/yard_search.py), and "waiting for my agency" (gate/clearance/waiting_for.py).

Both narrow what the yard page lists; neither is remembered: they ride in the page's query
(``q``, ``mine``), in the live refresh's, and in the forms' posts, so an action taken on a
found truck comes back to the same search."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from gate.clearance.waiting_for import waiting_for
from gate.domain.bookings import BookingStatus
from gate.domain.clearance import DECIDING_AGENCIES, Agency
from gate.domain.errors import ValidationFailed
from gate.domain.slots import Direction
from gate.domain.yard_search import search_key
from gate.live.messages import YardEntry
from gate.live.projections import GateState, yard_entry
from gate.store.unit_of_work import UnitOfWork
from gate.yard.places import places_in_queue
from gate.yard.search import MAX_FOUND, find_in_yard

# What the "mine" box sends when ticked ("on", a browser's default), and a link's "1".
_TICKED = frozenset({"1", "on", "true"})


@dataclass(frozen=True, slots=True)
class Narrowing:
    """What the officer asked the page to show: ``text`` as typed (shown back in the search
    box), its ``key`` (``search_key``; empty: no search) and ``mine`` (only the trucks
    waiting for the officer's agency; never for an officer whose agency decides nothing)."""

    text: str = ""
    key: str = ""
    mine: bool = False

    @property
    def active(self) -> bool:
        return bool(self.key) or self.mine

    @classmethod
    def of(cls, query: Mapping[str, str], agency: Agency) -> Narrowing:
        """The narrowing a page's query asks for. Raises ValidationFailed (a 4xx page in the
        page's language) for a search longer than a search can be, a control character in
        it, or a ``mine`` that is neither ticked nor empty."""
        text = query.get("q") or ""
        mine = query.get("mine") or ""
        if mine and mine not in _TICKED:
            raise ValidationFailed("mine is '1' or absent", field="mine")
        return cls(text.strip(), search_key(text), bool(mine) and agency in DECIDING_AGENCIES)


@dataclass(frozen=True, slots=True)
class Narrowed:
    """The lists the page shows: the waiting trucks in queue order (their place in it) and
    those at the lanes; ``capped`` when the search found more than MAX_FOUND trucks."""

    waiting: list[YardEntry]
    at_lanes: list[YardEntry]
    capped: bool = False


async def narrowed(
    uow: UnitOfWork,
    state: GateState,
    direction: Direction,
    shown: Narrowed,
    narrowing: Narrowing,
    agency: Agency,
    now: datetime,
) -> Narrowed:
    """``shown`` (the officer board's head of the queue and its trucks at the lanes, of one
    direction) narrowed by ``narrowing``. A search looks through the whole yard, not only
    the head: a waiting truck further back is listed with its place, counted as the
    check-in counts it (``places_in_queue``)."""
    waiting, at_lanes, capped = shown.waiting, shown.at_lanes, False
    if narrowing.key:
        found = await find_in_yard(uow, state.gate, direction, narrowing.key, MAX_FOUND + 1)
        capped = len(found) > MAX_FOUND
        found = found[:MAX_FOUND]
        ids = {b.id for b in found}
        listed = {v.booking_id for v in waiting}
        beyond = [
            b for b in found if b.status == BookingStatus.ARRIVED.value and b.id not in listed
        ]
        places = await places_in_queue(uow, state.gate, [(b, 0) for b in beyond])
        lanes_of = next(d for d in state.directions if d.direction is direction)
        further = [
            yard_entry(b, lanes_of, state.lane_codes, now, place)
            for b, place in zip(beyond, places, strict=True)
            if place is not None
        ]
        waiting = sorted(
            [v for v in waiting if v.booking_id in ids] + further,
            key=lambda v: v.position or 0,
        )
        at_lanes = [v for v in at_lanes if v.booking_id in ids]
    if narrowing.mine:
        theirs = await waiting_for(
            uow, agency, [v.booking_id for v in waiting] + [v.booking_id for v in at_lanes]
        )
        waiting = [v for v in waiting if v.booking_id in theirs]
        at_lanes = [v for v in at_lanes if v.booking_id in theirs]
    return Narrowed(waiting, at_lanes, capped)
