"""A booking's declaration amended until check-in, and its versions (issue 18): the
enterprise amends and reads its own; the officers read the versions of a truck at their gate
(services/api/yard/declarations.py). The rules: gate/bookings/declarations.py."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts.permissions import Action, acting_enterprise
from gate.bookings import declarations
from gate.bookings import service as bookings
from gate.domain.time import utc_now
from gate.store.unit_of_work import UnitOfWork
from services.api.bookings.declaration_schemas import DeclarationAmend, DeclarationVersionView
from services.api.bookings.endpoints import CHANGE_PROBLEMS
from services.api.bookings.schemas import BookingView
from services.api.throttle import booking_write
from services.common.contract import ENTERPRISE, documented
from services.common.dependencies import Caller
from services.common.idempotency import IdempotencyKey, answer_idempotently, fingerprint
from services.platform import Platform


async def version_views(
    uow: UnitOfWork, versions: list[declarations.DeclarationVersion]
) -> list[DeclarationVersionView]:
    """The versions as the API answers them, each driver with its name."""
    names = await declarations.driver_names(uow, versions)
    return [DeclarationVersionView.of(version, names) for version in versions]


class DeclarationController(Controller):
    path = "/bookings/{booking_id:str}"
    tags = ["bookings"]

    @post(
        "/declaration",
        operation_id="amendDeclaration",
        status_code=200,
        **documented(
            "Amend a booking's declaration",
            credentials=[ENTERPRISE],
            answer=(200, BookingView, "The amended booking (a replay: the first answer)"),
            problems=CHANGE_PROBLEMS,
        ),
    )
    async def amend(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        data: JSONBody[DeclarationAmend],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Replace the booking's declaration (cargo, weight, perishable, HS code, declaration
        number, driver: the whole of it) while the booking is booked; each amendment is a new
        version (``listDeclarations``) and is audited. ``version`` must be the booking's
        version last read (409 ``version-conflict``); after check-in 409
        ``invalid-transition``; values checked as at booking (422), and an amendment that
        changes nothing is 422. Idempotent with an ``Idempotency-Key``, as
        ``createBooking``."""
        enterprise_id = acting_enterprise(principal, Action.BOOK)
        await booking_write(platform, enterprise_id)

        async def amend() -> tuple[int, BookingView]:
            booking = await declarations.amend_declaration(
                uow,
                enterprise_id,
                booking_id,
                data.amendment(),
                data.version,
                principal.actor,
                utc_now(),
            )
            gate = await bookings.gate_of(uow, booking)
            return 200, BookingView.of(booking, gate.code)

        return await answer_idempotently(
            uow,
            enterprise_id,
            idempotency_key,
            fingerprint(request, data),
            amend,
            retention=platform.settings.idempotency_key_retention,
        )

    @get(
        "/declarations",
        operation_id="listDeclarations",
        **documented(
            "Read the versions of a booking's declaration",
            credentials=[ENTERPRISE],
            problems=["not-found"],
        ),
    )
    async def list_versions(
        self,
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> list[DeclarationVersionView]:
        """Every version of the enterprise's own booking's declaration, oldest first: the
        declaration as it became, who and when, and the fields changed from the version
        before (a never amended booking has its one version; a walk-in none)."""
        enterprise_id = acting_enterprise(principal, Action.READ_OWN_BOOKINGS)
        booking = await bookings.get_booking(uow, enterprise_id, booking_id)
        return await version_views(uow, await declarations.declaration_versions(uow, booking))
