"""Officer accounts, created by the administrator for the gates they serve."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from gate.accounts.permissions import Action, require
from gate.domain.clearance import Agency
from gate.officers import service
from gate.store.tables import Officer
from gate.store.unit_of_work import UnitOfWork
from services.common.contract import ADMIN, documented
from services.common.dependencies import Caller
from services.common.schemas import (
    Email,
    Input,
    Output,
    Password,
    ShortText,
    local,
    local_or_none,
)

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
    gates: list[str]  # codes of the gates the officer serves
    created_at: datetime
    disabled_at: datetime | None = None  # set once the account is disabled

    @classmethod
    def of(cls, officer: Officer, gates: list[str]) -> OfficerView:
        return cls(
            officer.id,
            officer.email,
            officer.full_name,
            officer.agency,
            gates,
            local(officer.created_at),
            local_or_none(officer.disabled_at),
        )


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
        return OfficerView.of(officer, gates)

    @get(
        operation_id="listOfficers",
        **documented(
            "List the officers, to find an officer's id",
            credentials=[ADMIN],
            problems=["not-found"],
        ),
    )
    async def list_officers(
        self,
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        gate: Annotated[
            str | None,
            QueryParameter(max_length=64, description="only the officers serving this gate"),
        ] = None,
    ) -> list[OfficerView]:
        """Every officer account, disabled ones included, by e-mail (administrator): the
        ``id`` that changing an officer's gates or disabling the account takes. With ``gate``
        (a gate's code), only the officers serving that gate; an unknown gate is 404."""
        require(principal, Action.READ_OFFICERS)
        return [OfficerView.of(o, gates) for o, gates in await service.list_officers(uow, gate)]

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
