"""The trucks in a waiting yard: the devices' check-ins at its entrance and exit, the staff's
check-ins and check-outs by hand (retry-able with an Idempotency-Key), and the list of the
trucks in it."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy import select

from gate.accounts.permissions import Action, require
from gate.accounts.principal import EnterpriseKey, EnterpriseUser, Principal
from gate.accounts.principal import YardDevice as YardDevicePrincipal
from gate.domain.checkin import check_observed_at
from gate.domain.errors import Forbidden
from gate.domain.time import utc_now
from gate.store.tables import Gate, YardDevice, YardVisit
from gate.store.unit_of_work import UnitOfWork
from gate.yards import service
from gate.yards.checkins import YardCheckinAnswer, YardRead, yard_check_in
from gate.yards.visits import WalkInTo, check_truck_read, enter, leave, visit_in_yard
from gate.yards.visits import visits_in_yard as trucks_in_yard
from services.api.yards.schemas import VisitCreate, VisitView, YardCheckinEvent
from services.common.contract import YARD_DEVICE, YARD_READER, YARD_STAFF, documented
from services.common.dependencies import Caller
from services.common.idempotency import REPLAY_HEADER, IdempotencyKey, answer_once
from services.platform import Platform

_YARD_REFUSALS = [
    "not-found",
    "yard-full",
    "yard-closed",
    "already-in-yard",
    "already-at-gate",
    "conflict",
]


async def _gate_id(uow: UnitOfWork, code: str | None) -> str | None:
    if code is None:
        return None
    gate_id = await uow.session.scalar(select(Gate.id).where(Gate.code == code))
    return gate_id or ""  # an unknown gate is one the yard does not serve: refused there


def _key_owner(principal: Principal) -> str:
    """Whose Idempotency-Keys a by-hand visit's are: the yard enterprise's (its users and
    keys share them, as a carrier's do for bookings). Only yard staff get this far (RUN_YARD)."""
    assert isinstance(principal, EnterpriseUser | EnterpriseKey)
    return principal.enterprise_id


async def _visit_view(uow: UnitOfWork, visit: YardVisit) -> VisitView:
    gate_code = await uow.session.scalar(select(Gate.code).where(Gate.id == visit.gate_id))
    assert gate_code is not None
    return VisitView.of(visit, gate_code)


class YardVisitsController(Controller):
    path = "/yards/{code:str}"
    tags = ["waiting yards"]

    @post(
        "/checkins",
        operation_id="checkInAtYard",
        status_code=200,
        **documented(
            "Report a truck at a yard's entrance or exit",
            credentials=[YARD_DEVICE],
            answer=(200, YardCheckinAnswer, "The visit (a replay: the first answer)"),
            problems=[*_YARD_REFUSALS, "invalid-plate", "event-id-reused", "invalid-transition"],
        ),
    )
    async def check_in(
        self,
        code: FromPath[str],
        data: JSONBody[YardCheckinEvent],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> Response[bytes]:
        """A device at the entrance checks the truck in: for its booking's gate, or as a
        walk-in for the device's gate; refused when the yard is full (409 ``yard-full``),
        closed (``yard-closed``), the truck is in a yard already (``already-in-yard``) or checked
        in at its gate already (``already-at-gate``). A
        device at the exit checks it out. Replaying an event_id returns the first answer and
        changes nothing; the event_id with another event is refused (422
        ``event-id-reused``)."""
        yard, context = await service.yard_in_context(uow, code, lock=True)
        require(principal, Action.YARD_CHECK_IN, context)
        if not isinstance(principal, YardDevicePrincipal):
            raise Forbidden("a yard check-in needs a yard device's key")
        device = await uow.session.get(YardDevice, principal.device_id)
        assert device is not None
        observed = check_observed_at(data.observed_at, utc_now())
        read = YardRead(data.event_id, observed, data.plate, data.booking_code, data.trailer_plate)
        retention = platform.settings.device_event_retention
        body, replayed = await yard_check_in(uow, yard, device, read, retention=retention)
        headers = {REPLAY_HEADER: "true"} if replayed else None
        return Response(body, media_type="application/json", headers=headers)

    @get(
        "/visits",
        operation_id="listYardVisits",
        **documented(
            "List the trucks in a yard", credentials=[YARD_READER], problems=["not-found"]
        ),
    )
    async def list_visits(
        self, code: FromPath[str], uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> list[VisitView]:
        """The trucks in the yard now (waiting or dispatched), in arrival order."""
        yard, context = await service.yard_in_context(uow, code)
        require(principal, Action.READ_YARD_VISITS, context)
        return [await _visit_view(uow, v) for v in await trucks_in_yard(uow, yard)]

    @post(
        "/visits",
        operation_id="checkInAtYardByHand",
        **documented(
            "Check a truck into a yard by hand",
            credentials=[YARD_STAFF],
            answer=(201, VisitView, "The visit (a replay: the first answer)"),
            problems=[*_YARD_REFUSALS, "invalid-plate", "idempotency-key-reused"],
        ),
    )
    async def check_in_by_hand(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        data: JSONBody[VisitCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """The yard's staff check a truck in, as a device would; a walk-in goes to the
        ``gate`` and ``direction`` given (or the yard's only gate). Audited with their name.
        Send an Idempotency-Key: a retry gets the first answer (refusals included) with
        ``Idempotent-Replayed: true``; the key with another request is 422
        ``idempotency-key-reused``."""
        yard, context = await service.yard_in_context(uow, code, lock=True)
        require(principal, Action.RUN_YARD, context)

        async def check_in() -> tuple[int, VisitView]:
            truck = check_truck_read(data.plate, data.booking_code, data.trailer_plate)
            to = WalkInTo(await _gate_id(uow, data.gate), data.direction)
            visit = await enter(uow, yard, truck, at=utc_now(), actor=principal.actor, to=to)
            return 201, await _visit_view(uow, visit)

        return await answer_once(
            request,
            data,
            check_in,
            uow=uow,
            owner=_key_owner(principal),
            key=idempotency_key,
            settings=platform.settings,
        )

    @post(
        "/visits/{visit_id:str}/exit",
        operation_id="checkOutOfYardByHand",
        status_code=200,
        **documented(
            "Check a truck out of a yard by hand",
            credentials=[YARD_STAFF],
            answer=(200, VisitView, "The visit (a replay: the first answer)"),
            problems=["not-found", "invalid-transition", "idempotency-key-reused"],
        ),
    )
    async def check_out_by_hand(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        visit_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """The truck went out: waiting, its visit ends (``left``); dispatched, it is on its
        way to the gate (``en_route``). Audited with the staff member's name. Idempotent with
        an Idempotency-Key, as ``checkInAtYardByHand``: a retry gets the first answer, not
        409 ``invalid-transition``."""
        yard, context = await service.yard_in_context(uow, code)
        require(principal, Action.RUN_YARD, context)

        async def check_out() -> tuple[int, VisitView]:
            visit = await visit_in_yard(uow, yard, visit_id)
            visit = await leave(uow, yard, visit, at=utc_now(), actor=principal.actor)
            return 200, await _visit_view(uow, visit)

        return await answer_once(
            request,
            None,
            check_out,
            uow=uow,
            owner=_key_owner(principal),
            key=idempotency_key,
            settings=platform.settings,
        )
