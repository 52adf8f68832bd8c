"""Officer accounts, created by the administrator for the gates they serve."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts.permissions import Action, require
from gate.domain.clearance import Agency
from gate.officers import service
from gate.store.unit_of_work import UnitOfWork
from services.common.contract import ADMIN, documented
from services.common.dependencies import Caller
from services.common.schemas import Email, Input, Output, Password, ShortText, local

GateCodes = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=40)]], msgspec.Meta(max_length=50)
]


class OfficerCreate(Input):
    email: Email
    full_name: ShortText
    agency: Agency
    password: Password
    gates: GateCodes


class OfficerGates(Input):
    gates: GateCodes


class OfficerView(Output):
    id: str
    email: str
    full_name: str
    agency: str
    gates: list[str]
    created_at: datetime


class OfficerController(Controller):
    path = "/officers"
    tags = ["officers"]

    @post(
        operation_id="createOfficer",
        **documented(
            "Create an officer's account",
            credentials=[ADMIN],
            problems=["not-found", "already-exists"],
        ),
    )
    async def create_officer(
        self,
        data: JSONBody[OfficerCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> OfficerView:
        """An officer of an agency (border guard, customs, quarantine, gate operator) with the
        gates they serve and a first password; they sign in with ``signIn``."""
        require(principal, Action.MANAGE_OFFICERS)
        new = service.NewOfficer(
            data.email, data.full_name, data.agency, data.password, tuple(data.gates)
        )
        officer, gates = await service.create_officer(uow, new)
        return OfficerView(
            officer.id,
            officer.email,
            officer.full_name,
            officer.agency,
            gates,
            local(officer.created_at),
        )

    @put(
        "/{officer_id:str}/gates",
        operation_id="setOfficerGates",
        **documented(
            "Set the gates an officer serves", credentials=[ADMIN], problems=["not-found"]
        ),
    )
    async def set_gates(
        self,
        officer_id: FromPath[str],
        data: JSONBody[OfficerGates],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> list[str]:
        """Replace the gates an officer serves; answers their codes. Streams of a gate taken
        away close (4403)."""
        require(principal, Action.MANAGE_OFFICERS)
        return await service.set_officer_gates(uow, officer_id, tuple(data.gates))

    @post(
        "/{officer_id:str}/disable",
        operation_id="disableOfficer",
        status_code=204,
        **documented("Disable an officer", credentials=[ADMIN], problems=["not-found"]),
    )
    async def disable(
        self,
        officer_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> None:
        """Disable an officer's account (administrator): their sessions stop working now and
        their open streams close within seconds (GATE_STREAM_RECHECK_S)."""
        require(principal, Action.MANAGE_OFFICERS)
        await service.disable_officer(uow, officer_id)
