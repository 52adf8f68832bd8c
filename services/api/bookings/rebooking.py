"""Fair rebooking, the enterprise's side (docs/architecture.md, "Fair rebooking"): accept the
gate's move of a booking or choose another hour while the move's window is open, and change
the latest hour a move may take a booking to. Each is version-checked and idempotent with an
``Idempotency-Key``, as the other booking writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts.permissions import Action, acting_enterprise
from gate.bookings import rebooking_answers, service
from gate.domain.time import utc_now
from gate.store.tables import Booking
from gate.store.unit_of_work import UnitOfWork
from services.api.bookings.schemas import (
    BookingView,
    LatestAcceptable,
    RebookingAccept,
    RebookingChoose,
)
from services.api.throttle import booking_write
from services.common.contract import ENTERPRISE, documented
from services.common.dependencies import Caller
from services.common.idempotency import IdempotencyKey, answer_idempotently, fingerprint
from services.platform import Platform

PROBLEMS = [
    "not-found",
    "invalid-slot",
    "idempotency-key-reused",
    "slot-full",
    "slot-closed",
    "too-many-requests",
    "version-conflict",
    "invalid-transition",
]


async def _answer(
    request: Request[Any, Any, Any],
    data: msgspec.Struct,
    uow: UnitOfWork,
    platform: Platform,
    enterprise_id: str,
    idempotency_key: str | None,
    change: Callable[[], Awaitable[Booking]],
) -> Response[bytes]:
    """Run ``change`` once per Idempotency-Key; the changed booking is the answer (200)."""
    await booking_write(platform, enterprise_id)

    async def run() -> tuple[int, BookingView]:
        booking = await change()
        gate = await service.gate_of(uow, booking)
        return 200, BookingView.of(booking, gate.code)

    return await answer_idempotently(
        uow,
        enterprise_id,
        idempotency_key,
        fingerprint(request, data),
        run,
        retention=platform.settings.idempotency_key_retention,
    )


def _documented(summary: str) -> dict[str, Any]:
    return documented(
        summary,
        credentials=[ENTERPRISE],
        answer=(200, BookingView, "The booking (a replay: the first answer)"),
        problems=PROBLEMS,
    )


class RebookingController(Controller):
    path = "/bookings"
    tags = ["bookings"]

    @post(
        "/{booking_id:str}/rebooking/accept",
        operation_id="acceptRebooking",
        status_code=200,
        **_documented("Accept the gate's move of a booking"),
    )
    async def accept(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        data: JSONBody[RebookingAccept],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Keep the hour the gate moved the booking to (``rebooked_from`` says the one it
        left) and close the move's window. ``version``: the version last read (409
        ``version-conflict``); 409 ``invalid-transition`` when no move waits for an answer
        or its window (``rebooking_open_until``) has closed."""
        enterprise_id = acting_enterprise(principal, Action.RESCHEDULE)
        return await _answer(
            request,
            data,
            uow,
            platform,
            enterprise_id,
            idempotency_key,
            lambda: rebooking_answers.accept_rebooking(
                uow, enterprise_id, booking_id, data.version, utc_now(), principal.actor
            ),
        )

    @post(
        "/{booking_id:str}/rebooking/choose",
        operation_id="chooseAfterRebooking",
        status_code=200,
        **_documented("Choose another hour after the gate's move of a booking"),
    )
    async def choose(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        data: JSONBody[RebookingChoose],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Move the booking the gate moved to ``slot_start`` instead, any hour of its gate
        and direction with room within the horizon (a reschedule), closing the move's
        window; the refusals of a reschedule and of ``acceptRebooking``."""
        enterprise_id = acting_enterprise(principal, Action.RESCHEDULE)
        rules = service.BookingRules(utc_now(), platform.horizon, platform.settings.no_show_policy)
        return await _answer(
            request,
            data,
            uow,
            platform,
            enterprise_id,
            idempotency_key,
            lambda: rebooking_answers.choose_after_rebooking(
                uow,
                enterprise_id,
                booking_id,
                data.slot_start,
                data.version,
                rules,
                principal.actor,
            ),
        )

    @post(
        "/{booking_id:str}/latest-acceptable",
        operation_id="setLatestAcceptable",
        status_code=200,
        **_documented("Set the latest hour a move of the gate may take a booking to"),
    )
    async def latest(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        data: JSONBody[LatestAcceptable],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """While the booking is booked: the latest hour start a move of the gate may take it
        to (null: any hour within the horizon), not before its own hour (422). ``version``
        as for a reschedule."""
        enterprise_id = acting_enterprise(principal, Action.RESCHEDULE)
        return await _answer(
            request,
            data,
            uow,
            platform,
            enterprise_id,
            idempotency_key,
            lambda: rebooking_answers.set_latest_acceptable(
                uow,
                enterprise_id,
                booking_id,
                data.latest_acceptable_at,
                data.version,
                principal.actor,
            ),
        )
