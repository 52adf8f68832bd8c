"""A gate's fee schedule (biểu phí, issue 19): the administration adds versions, anyone reads
them (the rates are public, as the council's decision is). The rules: gate/domain/fees.py;
docs/architecture.md, "Fees and payment: schedules administered"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from gate.accounts.permissions import Action, require
from gate.domain.errors import NotFound
from gate.domain.time import utc_now
from gate.fees.schedules import in_force, make_version, versions_of
from gate.gates.calendar import gate_by_code
from gate.store.unit_of_work import UnitOfWork
from services.api.fees.schemas import FeeScheduleCreate, FeeScheduleView
from services.common.contract import ADMIN, documented
from services.common.dependencies import Caller
from services.common.idempotency import IdempotencyKey, answer_once
from services.platform import Platform


class FeeScheduleController(Controller):
    path = "/gates/{code:str}/fee-schedules"
    tags = ["fees"]

    @post(
        operation_id="addFeeSchedule",
        **documented(
            "Add a version of a gate's fee schedule",
            credentials=[ADMIN],
            answer=(201, FeeScheduleView, "The new version (a replay: the first answer)"),
            problems=["not-found", "idempotency-key-reused"],
        ),
    )
    async def add(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        data: JSONBody[FeeScheduleCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """A new version of the gate's infrastructure fee schedule, in force from
        ``effective_from`` until a later version's (administrator). Versions are never
        rewritten and a fee already fixed keeps its amount: a new version starts now or
        later (422 ``fee-effective-past``) and after the latest version's start (422
        ``fee-effective-before-latest``). 422 too for rates without a catch-all (``*``,
        ``*``) per direction (``fee-catch-all-missing``), two rates for one line
        (``fee-rate-duplicate``), an amount outside 0 to 100,000,000 VND
        (``fee-amount-out-of-range``), an unknown direction or load class, no rates, an
        empty decision. Idempotent with an ``Idempotency-Key`` (the same request again: the
        first answer; another request with the key: 422)."""
        require(principal, Action.SET_SCHEDULES)
        gate = await gate_by_code(uow, code)

        async def produce() -> tuple[int, FeeScheduleView]:
            made = await make_version(
                uow,
                gate,
                effective_from=data.effective_from,
                decision=data.decision,
                rates=[rate.rate() for rate in data.rates],
                now=utc_now(),
                actor=principal.actor,
            )
            return 201, FeeScheduleView.of(gate.code, made)

        return await answer_once(
            request,
            data,
            produce,
            uow=uow,
            owner="admin",
            key=idempotency_key,
            settings=platform.settings,
        )

    @get(
        operation_id="listFeeSchedules",
        **documented("A gate's fee schedule, every version", problems=["not-found"]),
    )
    async def list_versions(
        self, code: FromPath[str], uow: NamedDependency[UnitOfWork]
    ) -> list[FeeScheduleView]:
        """Every version of the gate's fee schedule with its rates, the decision that set
        it and the instant it takes effect, oldest first (public: the rates are the
        council's published decision). Empty: the gate charges no fee."""
        gate = await gate_by_code(uow, code)
        return [FeeScheduleView.of(gate.code, v) for v in await versions_of(uow, gate)]

    @get(
        "/current",
        operation_id="getFeeScheduleInForce",
        **documented("The fee schedule in force", problems=["not-found"]),
    )
    async def current(
        self,
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        at: FromQuery[datetime | None] = None,
    ) -> FeeScheduleView:
        """The version of the gate's fee schedule in force at ``at`` (now by default): the
        one with the latest start at or before it (public). A booking's fee is fixed by the
        version in force at its booked hour's start. 404 when none is: the gate charged no
        fee then."""
        gate = await gate_by_code(uow, code)
        version = await in_force(uow, gate.id, at or utc_now())
        if version is None:
            raise NotFound(f"no fee schedule of {gate.code!r} in force then")
        return FeeScheduleView.of(gate.code, version)
