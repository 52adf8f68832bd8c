"""No-show accountability (issue 18) on the API: an enterprise reads its no-show rate and its
share of the peak hours; an officer of the gate (or the administrator) excuses a no-show."""

from __future__ import annotations

from datetime import datetime

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts.permissions import Action, acting_enterprise, at_gate, require
from gate.bookings import no_shows
from gate.domain.no_shows import NoShowPolicy, NoShowStanding, peak_places
from gate.domain.time import utc_now
from gate.gates.calendar import gate_by_code
from gate.gates.service import gate_codes
from gate.store.tables import Booking
from gate.store.unit_of_work import UnitOfWork
from services.common.contract import ADMIN, ENTERPRISE, OFFICER, documented
from services.common.dependencies import Caller
from services.common.schemas import Input, Output, Reason, local, local_or_none
from services.platform import Platform


class NoShowEntry(Output):
    """One booking that lapsed unused: its code, gate, hour (local), whether an officer
    excused it and the reason given."""

    booking_id: str
    code: str
    gate: str
    slot_start: datetime
    excused: bool
    excused_at: datetime | None
    excuse: str | None


class NoShowStandingView(Output):
    """The enterprise's no-show standing over the last ``window_days`` (the rule:
    docs/architecture.md, "No-show accountability"). ``counted``: its bookings whose hour
    ended in the window (those cancelled before their hour began and those not yet judged
    left out); ``no_shows``: the unexcused no-shows and late cancellations among them;
    ``excused``: the no-shows an officer excused; ``rate``: no_shows / counted, null below
    ``minimum_bookings``; ``peak_share``: the share (0 to 1) of a peak hour's places it may
    hold (``peak_places_of_10``: of an hour of 10 places); ``peak_hours``: the local hours
    that are peak; ``recent``: its no-shows in the window, latest first (50 at most)."""

    window_days: int
    counted: int
    no_shows: int
    excused: int
    rate: float | None
    minimum_bookings: int
    threshold: float
    peak_share: float
    peak_share_floor: float
    peak_places_of_10: int
    peak_hours: list[int]
    recent: list[NoShowEntry]

    @classmethod
    def of(
        cls,
        mine: NoShowStanding,
        policy: NoShowPolicy,
        recent: list[NoShowEntry],
    ) -> NoShowStandingView:
        return cls(
            policy.window.days,
            mine.counted,
            mine.no_shows,
            mine.excused,
            None if mine.rate is None else round(mine.rate, 4),
            policy.minimum_bookings,
            policy.threshold,
            round(mine.share, 4),
            policy.floor,
            peak_places(mine.share, 10),
            sorted(policy.peak_hours),
            recent,
        )


class NoShowExcuseCreate(Input):
    """Why the no-show is excused (1 to 300 characters): a breakdown reported in time, the
    other side's closure, the gate's own delay."""

    reason: Reason


class NoShowExcuseView(Output):
    """The excused booking: its status stays ``no_show``; ``version`` moved on."""

    booking_id: str
    status: str
    version: int
    excused_at: datetime | None
    excuse: str | None

    @classmethod
    def of(cls, booking: Booking) -> NoShowExcuseView:
        return cls(
            booking.id,
            booking.status,
            booking.version,
            local_or_none(booking.no_show_excused_at),
            booking.no_show_excuse,
        )


def entries(rows: list[Booking], codes: dict[str, str]) -> list[NoShowEntry]:
    """The API's entries of ``rows`` (``recent_no_shows``), gates named by ``codes``."""
    return [
        NoShowEntry(
            b.id,
            b.code,
            codes[b.gate_id],
            local(b.slot_start),
            b.no_show_excused_at is not None,
            local_or_none(b.no_show_excused_at),
            b.no_show_excuse,
        )
        for b in rows
    ]


class NoShowController(Controller):
    path = "/enterprise/no-shows"
    tags = ["bookings"]

    @get(
        operation_id="getNoShowStanding",
        **documented("Read the enterprise's no-show rate and peak share", credentials=[ENTERPRISE]),
    )
    async def standing(
        self,
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> NoShowStandingView:
        """The enterprise's no-show rate over the window and the share of a peak hour's
        places it may hold now: a booking or a move into a peak hour beyond it is refused
        (409 ``peak-share-exceeded``); off-peak hours are not limited."""
        enterprise_id = acting_enterprise(principal, Action.READ_OWN_BOOKINGS)
        policy = platform.settings.no_show_policy
        now = utc_now()
        mine = await no_shows.no_show_standing(uow, enterprise_id, now, policy)
        rows = await no_shows.recent_no_shows(uow, enterprise_id, now, policy)
        return NoShowStandingView.of(mine, policy, entries(rows, await gate_codes(uow)))


class NoShowExcuseController(Controller):
    path = "/gates/{code:str}/vehicles/{booking_id:str}/no-show-excuse"
    tags = ["yard"]

    @post(
        operation_id="excuseNoShow",
        status_code=200,
        **documented(
            "Excuse a booking's no-show",
            credentials=[OFFICER, ADMIN],
            problems=["not-found", "invalid-transition"],
        ),
    )
    async def excuse(
        self,
        code: FromPath[str],
        booking_id: FromPath[str],
        data: JSONBody[NoShowExcuseCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> NoShowExcuseView:
        """An officer of the gate (or the administrator) excuses a booking that lapsed unused,
        with a reason (audited, ``booking.no_show_excused``): it no longer counts in its
        enterprise's no-show rate. 409 ``invalid-transition`` unless the booking is a
        no-show; excusing it again answers it as it is (safe to retry)."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.EXCUSE_NO_SHOW, at_gate(gate.id))
        booking = await no_shows.excuse_no_show(
            uow, gate, booking_id, no_shows.Excuse(data.reason), utc_now(), principal.actor
        )
        return NoShowExcuseView.of(booking)
