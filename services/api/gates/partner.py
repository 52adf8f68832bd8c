"""The partner gate's announcements (issue 18, "Capacity follows the other side"): its feed
posts its capacity per hour and its closures, officers read and withdraw them. The
administrator's token (the feed's adapter calls with it) and the gate's officers may."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from gate.accounts.permissions import Action, at_gate, require
from gate.accounts.principal import Officer, Principal
from gate.bookings import partner_changes
from gate.domain.time import utc_now
from gate.gates import partner
from gate.gates.calendar import gate_by_code
from gate.store.unit_of_work import UnitOfWork
from services.api.gates.partner_schemas import (
    PartnerAnnouncementCreate,
    PartnerAnnouncementView,
    PartnerWithdrawal,
)
from services.common.contract import ADMIN, OFFICER, documented
from services.common.dependencies import Caller
from services.common.idempotency import IdempotencyKey, answer_once
from services.platform import Platform

ANNOUNCERS = [ADMIN, OFFICER]


def _owner(principal: Principal) -> str:
    """Whose Idempotency-Keys an announcement's are: the officer's own, or the
    administrator's (the partner feed's adapter)."""
    return principal.officer_id if isinstance(principal, Officer) else "admin"


class PartnerController(Controller):
    path = "/gates/{code:str}/partner-announcements"
    tags = ["gates"]

    @post(
        operation_id="announcePartnerCapacity",
        **documented(
            "Record the partner gate's capacity or closure",
            credentials=ANNOUNCERS,
            answer=(201, PartnerAnnouncementView, "The announcement (a replay: 200, as stored)"),
            problems=["not-found", "already-exists", "idempotency-key-reused"],
        ),
    )
    async def announce(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        data: JSONBody[PartnerAnnouncementCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """What the partner gate across the border announced: ``capacity`` trucks per hour
        (0: closed) from ``starts_at`` to ``ends_at``, one ``direction`` or both. The
        gate's bookable capacity of each hour is then the smaller of ours and theirs
        (availability says ``limited_by: partner``); a later announcement for the same hours
        replaces an earlier one (the latest ``announced_at`` wins); both stay in the
        history. The bookings above a lowered capacity are rebooked fairly at once (the last
        booked move to the earliest later hours with room: ``bookings_moved``,
        ``bookings_cancelled``; docs/architecture.md, "Fair rebooking"). Idempotent by the
        feed's ``feed_id`` (the same id and content: 200, the stored announcement; another
        content: 409) or an ``Idempotency-Key``. 422 for
        a span over already, an end not after the start, a negative capacity; 404 for an
        unknown gate or a direction it does not take."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.ANNOUNCE_PARTNER_CAPACITY, at_gate(gate.id))

        async def produce() -> tuple[int, PartnerAnnouncementView]:
            now = utc_now()
            done, moves = await partner_changes.announce(
                uow, code, data.new(now), principal.actor, now=now, horizon=platform.horizon
            )
            return (200 if done.replayed else 201), PartnerAnnouncementView.followed(done, moves)

        return await answer_once(
            request,
            data,
            produce,
            uow=uow,
            owner=_owner(principal),
            key=idempotency_key,
            settings=platform.settings,
        )

    @get(
        operation_id="listPartnerAnnouncements",
        **documented(
            "The partner gate's announcements", credentials=ANNOUNCERS, problems=["not-found"]
        ),
    )
    async def list_announcements(
        self,
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        from_: Annotated[datetime | None, QueryParameter(name="from")] = None,
    ) -> list[PartnerAnnouncementView]:
        """The announcements whose span ends after ``from`` (now by default), withdrawn ones
        too, the latest announced first (the administrator and the gate's officers)."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.READ_PARTNER_CAPACITY, at_gate(gate.id))
        rows = await partner.announcements(uow, code, from_ or utc_now())
        return [PartnerAnnouncementView.of(row) for row in rows]

    @post(
        "/{announcement_id:str}/withdraw",
        operation_id="withdrawPartnerAnnouncement",
        status_code=200,
        **documented(
            "Withdraw a partner announcement", credentials=ANNOUNCERS, problems=["not-found"]
        ),
    )
    async def withdraw(
        self,
        code: FromPath[str],
        announcement_id: FromPath[str],
        data: JSONBody[PartnerWithdrawal],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> PartnerAnnouncementView:
        """Withdraw an announcement with a ``reason``: it counts no more, and its hours take
        our capacity (or the announcement beneath it, rebooked fairly if that is lower)
        again; audited. A repeated withdrawal changes nothing."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.ANNOUNCE_PARTNER_CAPACITY, at_gate(gate.id))
        done, moves = await partner_changes.withdraw(
            uow,
            code,
            announcement_id,
            data.reason,
            principal.actor,
            now=utc_now(),
            horizon=platform.horizon,
        )
        return PartnerAnnouncementView.followed(done, moves)
