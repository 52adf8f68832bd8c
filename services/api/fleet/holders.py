"""Who may book a truck: grants by its holder to shippers, and the administration's transfer
of a vehicle to another holder. Grant creation and transfers take an ``Idempotency-Key``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody

from gate.accounts.principal import Principal
from gate.domain.time import utc_now
from gate.fleet import grants, transfers
from gate.store.unit_of_work import UnitOfWork
from services.api.fleet.schemas import (
    GrantCreate,
    GrantGivenView,
    GrantReceivedView,
    TransferCreate,
    TransferView,
)
from services.common.idempotency import answer_idempotently, fingerprint
from services.common.problems import problem_specs
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
        responses={
            201: ResponseSpec(GrantGivenView, description="The grant", generate_examples=False),
            **problem_specs(401, 403, 404, 409, 422),
        },
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[GrantCreate],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Let another enterprise (by tax code) book one of your vehicles until a time. 404 for
        a vehicle you do not hold; 409 already-exists while that enterprise has a live grant."""
        holder_id = principal.require_enterprise()
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

    @get("/given", operation_id="listGivenVehicleGrants")
    async def list_given(
        self, uow: NamedDependency[UnitOfWork], principal: NamedDependency[Principal]
    ) -> list[GrantGivenView]:
        """The grants you gave on your vehicles, newest first."""
        holder_id = principal.require_enterprise()
        now = utc_now()
        return [GrantGivenView.of(r, now) for r in await grants.list_given(uow, holder_id)]

    @get("/received", operation_id="listReceivedVehicleGrants")
    async def list_received(
        self, uow: NamedDependency[UnitOfWork], principal: NamedDependency[Principal]
    ) -> list[GrantReceivedView]:
        """The grants you received: the vehicles you may book (while ``live``), newest first."""
        grantee_id = principal.require_enterprise()
        now = utc_now()
        return [GrantReceivedView.of(r, now) for r in await grants.list_received(uow, grantee_id)]

    @post("/{grant_id:str}/revoke", operation_id="revokeVehicleGrant", status_code=200)
    async def revoke(
        self,
        grant_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
    ) -> GrantGivenView:
        """End a grant you gave: new bookings under it are refused; bookings made stand."""
        holder_id = principal.require_enterprise()
        now = utc_now()
        row = await grants.revoke_grant(uow, holder_id, grant_id, now, principal.actor)
        return GrantGivenView.of(row, now)


class TransferController(Controller):
    path = "/vehicle-transfers"
    tags = ["fleet"]

    @post(
        operation_id="transferVehicle",
        responses={
            201: ResponseSpec(TransferView, description="The transfer", generate_examples=False),
            **problem_specs(401, 403, 404, 409, 422),
        },
    )
    async def transfer(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[TransferCreate],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Move a vehicle to another holder (administrator), on the evidence of its
        registration certificate number: the former holder's grants are revoked and the
        bookings of it not yet at the gate cancelled. 409 registration-mismatch."""
        principal.require_admin()
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
