"""Bookings of crossing slots: create, read, list, reschedule, cancel. Writes take an
``Idempotency-Key`` so that a client may retry them safely."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from gate.accounts.principal import Principal
from gate.audit.log import history as audit_history
from gate.bookings import service
from gate.domain.bookings import BookingStatus
from gate.domain.slots import Direction
from gate.domain.time import utc_now
from gate.gates.service import gate_codes
from gate.store.tables import Booking
from gate.store.unit_of_work import UnitOfWork
from services.api.bookings.schemas import (
    BookingCancel,
    BookingCreate,
    BookingPage,
    BookingReschedule,
    BookingView,
    HistoryEntry,
)
from services.api.throttle import booking_write
from services.common.idempotency import answer_idempotently, fingerprint
from services.common.problems import problem_specs
from services.common.schemas import local
from services.platform import Platform

# A client-chosen key that makes a write safe to retry (see services/common/idempotency.py).
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(name="Idempotency-Key", required=False, min_length=1, max_length=200),
]


def _booking_spec(description: str) -> ResponseSpec:
    return ResponseSpec(BookingView, description=description, generate_examples=False)


async def _view(uow: NamedDependency[UnitOfWork], booking: Booking) -> BookingView:
    gate = await service.gate_of(uow, booking)
    return BookingView.of(booking, gate.code)


class BookingController(Controller):
    path = "/bookings"
    tags = ["bookings"]

    @post(
        operation_id="createBooking",
        responses={
            201: _booking_spec("The new booking"),
            **problem_specs(400, 401, 403, 404, 409, 422, 429),
        },
    )
    async def create_booking(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[BookingCreate],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Book a vehicle into a slot. 409 slot-full, slot-closed or plate-already-booked;
        429 past the enterprise's GATE_BOOKING_WRITE_LIMIT."""
        enterprise_id = principal.require_enterprise()
        await booking_write(platform, enterprise_id)
        new = data.new_booking()
        rules = service.BookingRules(utc_now(), platform.horizon)

        async def book() -> tuple[int, BookingView]:
            booking = await service.create_booking(uow, enterprise_id, new, rules, principal.actor)
            return 201, await _view(uow, booking)

        return await answer_idempotently(
            uow,
            enterprise_id,
            idempotency_key,
            fingerprint(request, data),
            book,
            retention=platform.settings.idempotency_key_retention,
        )

    @get(operation_id="listBookings")
    async def list_bookings(
        self,
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
        status: FromQuery[BookingStatus | None] = None,
        gate: Annotated[str | None, QueryParameter(max_length=64)] = None,
        direction: FromQuery[Direction | None] = None,
        plate: Annotated[str | None, QueryParameter(max_length=20)] = None,
        slot_from: FromQuery[datetime | None] = None,
        slot_to: FromQuery[datetime | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=service.MAX_PAGE)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> BookingPage:
        """The enterprise's own bookings in slot order, a page at a time (``next_cursor``)."""
        enterprise_id = principal.require_enterprise()
        where = service.BookingFilter(
            status, gate, direction, plate, slot_from, slot_to, limit, cursor
        )
        rows, next_cursor = await service.list_bookings(uow, enterprise_id, where)
        codes = await gate_codes(uow)
        return BookingPage([BookingView.of(b, codes[b.gate_id]) for b in rows], next_cursor)

    @get("/{booking_id:str}", operation_id="getBooking")
    async def get_booking(
        self,
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
    ) -> BookingView:
        enterprise_id = principal.require_enterprise()
        return await _view(uow, await service.get_booking(uow, enterprise_id, booking_id))

    @get("/{booking_id:str}/history", operation_id="getBookingHistory")
    async def get_history(
        self,
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
    ) -> list[HistoryEntry]:
        """Every transition of the enterprise's own booking, from the audit log, with the
        hash that ties each entry into its gate's chain."""
        enterprise_id = principal.require_enterprise()
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

    @post(
        "/{booking_id:str}/reschedule",
        operation_id="rescheduleBooking",
        status_code=200,
        responses={
            200: _booking_spec("The moved booking"),
            **problem_specs(400, 401, 403, 404, 409, 422, 429),
        },
    )
    async def reschedule(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        data: JSONBody[BookingReschedule],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Move to another slot; ``version`` must be the version last read (409 otherwise)."""
        enterprise_id = principal.require_enterprise()
        await booking_write(platform, enterprise_id)
        rules = service.BookingRules(utc_now(), platform.horizon)

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
        responses={
            200: _booking_spec("The cancelled booking"),
            **problem_specs(400, 401, 403, 404, 409, 422, 429),
        },
    )
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        data: JSONBody[BookingCancel],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Cancel; the place is free for others at once."""
        enterprise_id = principal.require_enterprise()
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
