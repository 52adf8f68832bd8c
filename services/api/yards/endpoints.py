"""Waiting yards (bến bãi): the administrator's yards, their capacity and hours, their
devices' keys, the devices' check-ins and the staff's check-ins by hand, and the trucks in a
yard. Who may do each is the rule book's (gate/accounts/permissions.py, ``at_yard``)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy import select

from gate.accounts.permissions import Action, Context, at_yard, require
from gate.accounts.principal import EnterpriseKey, EnterpriseUser, Principal
from gate.accounts.principal import YardDevice as YardDevicePrincipal
from gate.domain.checkin import check_observed_at
from gate.domain.errors import Forbidden
from gate.domain.time import utc_now
from gate.store.tables import Gate, Yard, YardDevice, YardVisit
from gate.store.unit_of_work import UnitOfWork
from gate.yards import devices, service
from gate.yards.checkins import YardCheckinAnswer, YardRead, yard_check_in
from gate.yards.visits import WalkInTo, check_truck_read, enter, leave, visit_in_yard
from gate.yards.visits import visits_in_yard as trucks_in_yard
from services.api.bookings.endpoints import IdempotencyKey
from services.api.yards.schemas import (
    IssuedYardDevice,
    VisitCreate,
    VisitView,
    YardChange,
    YardCheckinEvent,
    YardCreate,
    YardDeviceCreate,
    YardDeviceView,
    YardHoursChange,
    YardView,
)
from services.common.contract import (
    ADMIN,
    ANY,
    YARD_DEVICE,
    YARD_MANAGER,
    YARD_READER,
    YARD_STAFF,
    documented,
)
from services.common.dependencies import Caller
from services.common.idempotency import REPLAY_HEADER, answer_idempotently, fingerprint
from services.platform import Platform

_YARD_REFUSALS = [
    "not-found",
    "yard-full",
    "yard-closed",
    "already-in-yard",
    "already-at-gate",
    "conflict",
]


async def _yard(uow: UnitOfWork, code: str, *, lock: bool = False) -> tuple[Yard, Context]:
    """The yard ``code`` (404 for anyone when there is none) and the context the rule book
    judges its actions in."""
    yard = await service.yard_by_code(uow, code, lock=lock)
    gates = await service.gate_ids_of(uow, yard.id)
    return yard, at_yard(yard.id, yard.enterprise_id, gates)


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


class YardsController(Controller):
    path = "/yards"
    tags = ["waiting yards"]

    @post(
        operation_id="createYard",
        **documented(
            "Create a waiting yard",
            credentials=[ADMIN],
            problems=["already-exists"],
        ),
    )
    async def create_yard(
        self, data: JSONBody[YardCreate], uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> YardView:
        """A yard of a yard enterprise, serving one or more gates, with its capacity (trucks)
        and opening hours (whole hours of the gates' clock, 0 to 24)."""
        require(principal, Action.MANAGE_YARDS)
        hours = service.YardHours(data.capacity, data.opens_at, data.closes_at)
        new = service.NewYard(
            data.code,
            data.name,
            data.enterprise_id,
            hours,
            data.gates,
            data.latitude,
            data.longitude,
        )
        yard = await service.create_yard(uow, new)
        return YardView.of(await service.yard_of(uow, yard))

    @get(operation_id="listYards", **documented("List the waiting yards", credentials=[ANY]))
    async def list_yards(
        self, uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> list[YardView]:
        """Every yard, with its capacity, hours, gates and how many trucks are in it now."""
        require(principal, Action.LIST_YARDS)
        return [YardView.of(found) for found in await service.list_yards(uow)]

    @get(
        "/{code:str}",
        operation_id="getYard",
        **documented("Read a waiting yard", credentials=[ANY], problems=["not-found"]),
    )
    async def get_yard(
        self, code: FromPath[str], uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> YardView:
        """One yard, as the list gives it."""
        require(principal, Action.LIST_YARDS)
        return YardView.of(await service.yard_of(uow, await service.yard_by_code(uow, code)))

    @patch(
        "/{code:str}",
        operation_id="changeYard",
        **documented("Change a waiting yard", credentials=[ADMIN], problems=["not-found"]),
    )
    async def change_yard(
        self,
        code: FromPath[str],
        data: JSONBody[YardChange],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> YardView:
        """Its name, position or the gates it serves (each field given replaces the stored)."""
        require(principal, Action.MANAGE_YARDS)
        yard = await service.change_yard(
            uow,
            code,
            name=data.name,
            gate_codes=data.gates,
            latitude=data.latitude,
            longitude=data.longitude,
        )
        return YardView.of(await service.yard_of(uow, yard))

    @put(
        "/{code:str}/hours",
        operation_id="setYardHours",
        **documented(
            "Set a waiting yard's capacity and hours",
            credentials=[YARD_MANAGER],
            problems=["not-found"],
        ),
    )
    async def set_hours(
        self,
        code: FromPath[str],
        data: JSONBody[YardHoursChange],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> YardView:
        """Capacity (trucks) and opening hours. A capacity below the trucks in the yard sends
        none away: the yard admits nobody until it has room."""
        yard, context = await _yard(uow, code)
        require(principal, Action.SET_YARD_HOURS, context)
        hours = service.YardHours(data.capacity, data.opens_at, data.closes_at)
        return YardView.of(await service.yard_of(uow, await service.set_hours(uow, yard, hours)))

    @post(
        "/{code:str}/out-of-service",
        operation_id="takeYardOutOfService",
        status_code=200,
        **documented(
            "Take a waiting yard out of service", credentials=[ADMIN], problems=["not-found"]
        ),
    )
    async def take_out_of_service(
        self, code: FromPath[str], uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> YardView:
        """The yard admits no truck from now on; the trucks in it may still leave."""
        require(principal, Action.MANAGE_YARDS)
        yard = await service.take_out_of_service(uow, code)
        return YardView.of(await service.yard_of(uow, yard))


class YardDevicesController(Controller):
    path = "/yards/{code:str}/devices"
    tags = ["waiting yards"]

    @post(
        operation_id="registerYardDevice",
        **documented("Register a yard device", credentials=[YARD_MANAGER], problems=["not-found"]),
    )
    async def register(
        self,
        code: FromPath[str],
        data: JSONBody[YardDeviceCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> IssuedYardDevice:
        """A camera or kiosk at the yard's entrance or exit; its key (in this answer only)
        signs its check-ins."""
        yard, context = await _yard(uow, code)
        require(principal, Action.ISSUE_YARD_DEVICE_KEYS, context)
        new = devices.NewYardDevice(data.name, data.kind, data.watches, data.gate, data.direction)
        device, token = await devices.register_yard_device(uow, yard, new)
        return IssuedYardDevice(YardDeviceView.of(device), token)

    @get(
        operation_id="listYardDevices",
        **documented("List a yard's devices", credentials=[YARD_MANAGER], problems=["not-found"]),
    )
    async def list_devices(
        self, code: FromPath[str], uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> list[YardDeviceView]:
        """The yard's devices, revoked ones included; never their keys."""
        yard, context = await _yard(uow, code)
        require(principal, Action.ISSUE_YARD_DEVICE_KEYS, context)
        return [YardDeviceView.of(d) for d in await devices.list_yard_devices(uow, yard)]

    @delete(
        "/{device_id:str}",
        operation_id="revokeYardDevice",
        **documented("Revoke a yard device", credentials=[YARD_MANAGER], problems=["not-found"]),
    )
    async def revoke(
        self,
        code: FromPath[str],
        device_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> None:
        """Revoke a device's key: its check-ins are refused from now on."""
        yard, context = await _yard(uow, code)
        require(principal, Action.ISSUE_YARD_DEVICE_KEYS, context)
        await devices.revoke_yard_device(uow, yard, device_id)
        # Committed before this process forgets the key, so no check-in in between can
        # remember it again as live.
        await uow.commit()
        platform.api_keys.forget(device_id)


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
        yard, context = await _yard(uow, code, lock=True)
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
        yard, context = await _yard(uow, code)
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
        yard, context = await _yard(uow, code, lock=True)
        require(principal, Action.RUN_YARD, context)

        async def check_in() -> tuple[int, VisitView]:
            truck = check_truck_read(data.plate, data.booking_code, data.trailer_plate)
            to = WalkInTo(await _gate_id(uow, data.gate), data.direction)
            visit = await enter(uow, yard, truck, at=utc_now(), actor=principal.actor, to=to)
            return 201, await _visit_view(uow, visit)

        return await answer_idempotently(
            uow,
            _key_owner(principal),
            idempotency_key,
            fingerprint(request, data),
            check_in,
            retention=platform.settings.idempotency_key_retention,
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
        yard, context = await _yard(uow, code)
        require(principal, Action.RUN_YARD, context)

        async def check_out() -> tuple[int, VisitView]:
            visit = await visit_in_yard(uow, yard, visit_id)
            visit = await leave(uow, yard, visit, at=utc_now(), actor=principal.actor)
            return 200, await _visit_view(uow, visit)

        return await answer_idempotently(
            uow,
            _key_owner(principal),
            idempotency_key,
            fingerprint(request, None),
            check_out,
            retention=platform.settings.idempotency_key_retention,
        )
