"""Who may book a truck: grants by its holder to shippers, and the administration's transfer
of a vehicle to another holder. Grant creation and transfers take an ``Idempotency-Key``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody

from gate.accounts.permissions import Action, acting_enterprise, require
from gate.domain.time import utc_now
from gate.fleet import grants
from gate.store.unit_of_work import UnitOfWork
from gate.transfers import service as transfers
from services.api.fleet.schemas import (
    GrantCreate,
    GrantGivenView,
    GrantReceivedView,
    TransferCreate,
    TransferView,
)
from services.common.contract import ADMIN, ENTERPRISE, documented
from services.common.dependencies import Caller
from services.common.idempotency import answer_idempotently, fingerprint
from services.platform import Platform

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(name="Idempotency-Key", required=False, min_length=1, max_length=200),
]


class GrantController(Controller):
    path = "/vehicle-grants"
    tags = ["fleet"]

    @post(
        operation_id="createVehicleGrant",
        **documented(
            "Let a shipper book one of your vehicles",
            credentials=[ENTERPRISE],
            answer=(201, GrantGivenView, "The grant (a replay: the first answer)"),
            problems=["not-found", "already-exists", "idempotency-key-reused"],
        ),
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[GrantCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Let another enterprise (by tax code) book one of your vehicles until a time. 404 for
        a vehicle you do not hold; 409 already-exists while that enterprise has a live grant."""
        holder_id = acting_enterprise(principal, Action.MANAGE_FLEET)
        new = grants.NewGrant(data.vehicle_id, data.grantee_tax_code, data.valid_until)

        async def give() -> tuple[int, GrantGivenView]:
            now = utc_now()
            row = await grants.give_grant(uow, holder_id, new, now, principal.actor)
            return 201, GrantGivenView.of(row, now)

        return await answer_idempotently(
            uow,
            holder_id,
            idempotency_key,
            fingerprint(request, data),
            give,
            retention=platform.settings.idempotency_key_retention,
        )

    @get(
        "/given",
        operation_id="listGivenVehicleGrants",
        **documented("List the grants you gave", credentials=[ENTERPRISE]),
    )
    async def list_given(
        self, uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> list[GrantGivenView]:
        """The grants you gave on your vehicles, newest first."""
        holder_id = acting_enterprise(principal, Action.MANAGE_FLEET)
        now = utc_now()
        return [GrantGivenView.of(r, now) for r in await grants.list_given(uow, holder_id)]

    @get(
        "/received",
        operation_id="listReceivedVehicleGrants",
        **documented("List the grants you received", credentials=[ENTERPRISE]),
    )
    async def list_received(
        self, uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> list[GrantReceivedView]:
        """The grants you received: the vehicles you may book (while ``live``), newest first."""
        grantee_id = acting_enterprise(principal, Action.MANAGE_FLEET)
        now = utc_now()
        return [GrantReceivedView.of(r, now) for r in await grants.list_received(uow, grantee_id)]

    @post(
        "/{grant_id:str}/revoke",
        operation_id="revokeVehicleGrant",
        status_code=200,
        **documented("Revoke a grant you gave", credentials=[ENTERPRISE], problems=["not-found"]),
    )
    async def revoke(
        self,
        grant_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> GrantGivenView:
        """End a grant you gave: new bookings under it are refused; bookings made stand."""
        holder_id = acting_enterprise(principal, Action.MANAGE_FLEET)
        now = utc_now()
        row = await grants.revoke_grant(uow, holder_id, grant_id, now, principal.actor)
        return GrantGivenView.of(row, now)


class TransferController(Controller):
    path = "/vehicle-transfers"
    tags = ["fleet"]

    @post(
        operation_id="transferVehicle",
        **documented(
            "Transfer a vehicle to another holder",
            credentials=[ADMIN],
            answer=(201, TransferView, "The transfer (a replay: the first answer)"),
            problems=[
                "not-found",
                "conflict",
                "registration-mismatch",
                "invalid-plate",
                "idempotency-key-reused",
            ],
        ),
    )
    async def transfer(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[TransferCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Move a vehicle to another holder (administrator), on the evidence of its
        registration certificate number: the former holder's grants are revoked and the
        bookings of it not yet at the gate cancelled. 409 registration-mismatch."""
        require(principal, Action.TRANSFER_VEHICLES)
        transfer = transfers.Transfer(
            data.plate, data.new_holder_id, data.registration_number, data.reason
        )

        async def move() -> tuple[int, TransferView]:
            done = await transfers.transfer_vehicle(uow, transfer, utc_now(), principal.actor)
            return 201, TransferView.of(done)

        return await answer_idempotently(
            uow,
            "admin",
            idempotency_key,
            fingerprint(request, data),
            move,
            retention=platform.settings.idempotency_key_retention,
        )
