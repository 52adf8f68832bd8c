"""The officers' view of a truck's declaration versions (issue 18): what the enterprise
declared with the booking and each amendment until check-in, field by field. Officers only:
declaration numbers and drivers' names are personal data."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from gate.accounts.permissions import Action, at_gate, require
from gate.bookings import declarations
from gate.domain.errors import NotFound
from gate.gates.calendar import gate_by_code
from gate.store.tables import Booking
from gate.store.unit_of_work import UnitOfWork
from services.api.bookings.declaration_schemas import DeclarationVersionView
from services.api.bookings.declarations import version_views
from services.common.contract import OFFICER, documented
from services.common.dependencies import Caller


class YardDeclarationController(Controller):
    path = "/gates/{code:str}/vehicles/{booking_id:str}"
    tags = ["yard"]

    @get(
        "/declarations",
        operation_id="listVehicleDeclarations",
        **documented(
            "Read the versions of a vehicle's declaration",
            credentials=[OFFICER],
            problems=["not-found"],
        ),
    )
    async def list_versions(
        self,
        code: FromPath[str],
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> list[DeclarationVersionView]:
        """Every version of the declaration of a booking of this gate, oldest first, with
        who declared each, when, and the fields changed from the version before (any officer
        at the gate)."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.READ_YARD, at_gate(gate.id))
        booking = await uow.session.get(Booking, booking_id)
        if booking is None or booking.gate_id != gate.id:
            raise NotFound("no such vehicle at this gate")
        return await version_views(uow, await declarations.declaration_versions(uow, booking))
