"""Bookings of crossing slots: create, read, list, reschedule, cancel. Writes take an
``Idempotency-Key`` so that a client may retry them safely."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from gate.accounts.permissions import Action, acting_enterprise
from gate.bookings import service
from gate.bookings.together import Attempt
from gate.domain.bookings import BookingStatus
from gate.domain.errors import DomainError
from gate.domain.slots import Direction
from gate.domain.time import utc_now
from gate.driver_page.road import roads
from gate.fees.reads import fees_of
from gate.fees.refunds import fee_of
from gate.gates.service import gate_codes
from gate.store.audit import history as audit_history
from gate.store.tables import Booking
from gate.store.unit_of_work import UnitOfWork
from services.api.bookings.outcomes import answer_outcome, count_booking, refusal_outcome
from services.api.bookings.rush import slot_of
from services.api.bookings.schemas import (
    BookingCancel,
    BookingCreate,
    BookingPage,
    BookingReschedule,
    BookingView,
    HistoryEntry,
)
from services.api.driver.schemas import RoadView
from services.api.throttle import booking_write
from services.common.contract import ENTERPRISE, documented
from services.common.dependencies import Caller
from services.common.idempotency import (
    IdempotencyKey,
    answer_idempotently,
    fingerprint,
    stored_response,
)
from services.common.schemas import local
from services.platform import Platform

# What a booking write's rules can refuse (besides validation): stored and replayed alike.
WRITE_PROBLEMS = [
    "not-found",
    "invalid-slot",
    "invalid-plate",
    "idempotency-key-reused",
    "slot-full",
    "slot-closed",
    "plate-already-booked",
    "too-many-requests",
    "peak-share-exceeded",
]
CHANGE_PROBLEMS = [*WRITE_PROBLEMS, "version-conflict", "invalid-transition"]


async def _view(uow: NamedDependency[UnitOfWork], booking: Booking) -> BookingView:
    gate = await service.gate_of(uow, booking)
    return BookingView.of(booking, gate.code, fee=await fee_of(uow, booking.id))


async def _create_booking(
    request: Request[Any, Any, Any],
    data: BookingCreate,
    uow: UnitOfWork,
    principal: Caller,
    platform: Platform,
    idempotency_key: str | None,
) -> Response[bytes]:
    """createBooking's work (see its docstring): the rush's batch or one by one."""
    enterprise_id = acting_enterprise(principal, Action.BOOK)
    await booking_write(platform, enterprise_id)
    new = data.new_booking()
    rules = service.BookingRules(utc_now(), platform.horizon, platform.settings.no_show_policy)
    request_fingerprint = fingerprint(request, data)
    start = slot_of(new, rules, idempotency_key)
    if platform.bookings is not None and start is not None:
        # Decided with the other attempts on its slot (gate/bookings/rush.py). This
        # request's own transaction (the caller's key, when not remembered) ends first: on
        # SQLite it holds the write lock the batch needs.
        await uow.commit()
        attempt = Attempt(
            enterprise_id,
            new,
            rules,
            principal.actor,
            start,
            idempotency_key,
            request_fingerprint,
        )
        answer = await platform.bookings.submit(attempt)
        return stored_response(answer.status, answer.body, replayed=answer.replayed)

    async def book() -> tuple[int, BookingView]:
        booking = await service.create_booking(
            uow, enterprise_id, new, rules, principal.actor, gates=platform.gates
        )
        return 201, await _view(uow, booking)

    return await answer_idempotently(
        uow,
        enterprise_id,
        idempotency_key,
        request_fingerprint,
        book,
        retention=platform.settings.idempotency_key_retention,
    )


class BookingController(Controller):
    path = "/bookings"
    tags = ["bookings"]

    @post(
        operation_id="createBooking",
        **documented(
            "Book a crossing slot",
            credentials=[ENTERPRISE],
            answer=(201, BookingView, "The new booking (a replay: the first answer)"),
            problems=WRITE_PROBLEMS,
        ),
    )
    async def create_booking(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[BookingCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Book one of the enterprise's vehicles (or one granted to it) with a driver and its
        cargo into a gate's hour (``slot_start`` on the hour, within the booking horizon).
        409 ``slot-full``, ``slot-closed``, ``plate-already-booked`` (one active booking per
        truck) or ``peak-share-exceeded`` (a peak hour beyond the enterprise's share: its
        no-show rate, ``getNoShowStanding``); 429 past the enterprise's booking write limit.
        Send an ``Idempotency-Key`` to retry safely: a retry gets the first answer (refusals
        included) with ``Idempotent-Replayed: true``; the key with another request is 422
        ``idempotency-key-reused``."""
        # Counted by outcome (gate_bookings): what was answered, once decided.
        try:
            answer = await _create_booking(request, data, uow, principal, platform, idempotency_key)
        except DomainError as error:
            count_booking(refusal_outcome(error))
            raise
        count_booking(answer_outcome(answer))
        return answer

    @get(
        operation_id="listBookings",
        **documented("List the enterprise's bookings", credentials=[ENTERPRISE]),
    )
    async def list_bookings(
        self,
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        status: FromQuery[BookingStatus | None] = None,
        gate: Annotated[str | None, QueryParameter(max_length=64)] = None,
        direction: FromQuery[Direction | None] = None,
        plate: Annotated[str | None, QueryParameter(max_length=20)] = None,
        slot_from: FromQuery[datetime | None] = None,
        slot_to: FromQuery[datetime | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=service.MAX_PAGE)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> BookingPage:
        """The enterprise's own bookings in slot order, filtered by status, gate, direction,
        plate and slot range, a page at a time: send the answer's ``next_cursor`` as
        ``cursor`` for the next page (none: the last page)."""
        enterprise_id = acting_enterprise(principal, Action.READ_OWN_BOOKINGS)
        where = service.BookingFilter(
            status, gate, direction, plate, slot_from, slot_to, limit, cursor
        )
        rows, next_cursor = await service.list_bookings(uow, enterprise_id, where)
        codes = await gate_codes(uow)
        on_road = await roads(uow, [b.id for b in rows], utc_now())
        fees = await fees_of(uow, [b.id for b in rows])
        return BookingPage(
            [
                BookingView.of(b, codes[b.gate_id], RoadView.of_any(on_road[b.id]), fees.get(b.id))
                for b in rows
            ],
            next_cursor,
        )

    @get(
        "/{booking_id:str}",
        operation_id="getBooking",
        **documented("Read a booking", credentials=[ENTERPRISE], problems=["not-found"]),
    )
    async def get_booking(
        self,
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> BookingView:
        """One of the enterprise's bookings: status, slot, vehicle, queue place, version, and
        ``road``: the waiting yard its truck is in, its latest dispatch order and the arrival
        estimate from a position its driver shared (each null when there is none)."""
        enterprise_id = acting_enterprise(principal, Action.READ_OWN_BOOKINGS)
        booking = await service.get_booking(uow, enterprise_id, booking_id)
        on_road = await roads(uow, [booking.id], utc_now())
        gate = await service.gate_of(uow, booking)
        fee = await fee_of(uow, booking.id)
        return BookingView.of(booking, gate.code, RoadView.of_any(on_road[booking.id]), fee)

    @get(
        "/{booking_id:str}/history",
        operation_id="getBookingHistory",
        **documented(
            "Read a booking's audited history", credentials=[ENTERPRISE], problems=["not-found"]
        ),
    )
    async def get_history(
        self,
        booking_id: FromPath[str],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> list[HistoryEntry]:
        """Every transition of the enterprise's own booking, from the audit log, with the
        hash that ties each entry into its gate's chain."""
        enterprise_id = acting_enterprise(principal, Action.READ_OWN_BOOKINGS)

        # On the read replica when there is one: the caller was authenticated on the primary.
        # The entries are made inside: the rows are expired once its unit of work ends.
        async def entries(uow: UnitOfWork) -> list[HistoryEntry]:
            booking = await service.get_booking(uow, enterprise_id, booking_id)
            return [
                HistoryEntry(
                    seq=row.seq,
                    event=row.event,
                    at=local(row.occurred_at),
                    from_status=row.from_status,
                    to_status=row.to_status,
                    actor=row.actor_kind,
                    role=row.role,
                    reason=row.reason,
                    entry_hash=row.entry_hash,
                )
                for row in await audit_history(uow.session, booking.id)
            ]

        return await platform.reads.run(entries)

    @post(
        "/{booking_id:str}/reschedule",
        operation_id="rescheduleBooking",
        status_code=200,
        **documented(
            "Move a booking to another slot",
            credentials=[ENTERPRISE],
            answer=(200, BookingView, "The moved booking (a replay: the first answer)"),
            problems=CHANGE_PROBLEMS,
        ),
    )
    async def reschedule(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        data: JSONBody[BookingReschedule],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Move the booking to another hour of its gate and direction, giving its place back;
        ``version`` must be the version last read (409 ``version-conflict`` otherwise).
        Idempotent with an ``Idempotency-Key``, as ``createBooking``."""
        enterprise_id = acting_enterprise(principal, Action.RESCHEDULE)
        await booking_write(platform, enterprise_id)
        rules = service.BookingRules(utc_now(), platform.horizon, platform.settings.no_show_policy)

        async def move() -> tuple[int, BookingView]:
            booking = await service.reschedule_booking(
                uow,
                enterprise_id,
                booking_id,
                data.slot_start,
                data.version,
                rules,
                principal.actor,
            )
            return 200, await _view(uow, booking)

        return await answer_idempotently(
            uow,
            enterprise_id,
            idempotency_key,
            fingerprint(request, data),
            move,
            retention=platform.settings.idempotency_key_retention,
        )

    @post(
        "/{booking_id:str}/cancel",
        operation_id="cancelBooking",
        status_code=200,
        **documented(
            "Cancel a booking",
            credentials=[ENTERPRISE],
            answer=(200, BookingView, "The cancelled booking (a replay: the first answer)"),
            problems=CHANGE_PROBLEMS,
        ),
    )
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        data: JSONBody[BookingCancel],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Cancel the booking with a reason; its place is free for others at once. ``version``
        as for a reschedule; idempotent with an ``Idempotency-Key``, as ``createBooking``."""
        enterprise_id = acting_enterprise(principal, Action.CANCEL)
        await booking_write(platform, enterprise_id)

        async def cancel() -> tuple[int, BookingView]:
            booking = await service.cancel_booking(
                uow,
                enterprise_id,
                booking_id,
                data.reason,
                data.version,
                utc_now(),
                principal.actor,
            )
            return 200, await _view(uow, booking)

        return await answer_idempotently(
            uow,
            enterprise_id,
            idempotency_key,
            fingerprint(request, data),
            cancel,
            retention=platform.settings.idempotency_key_retention,
        )
