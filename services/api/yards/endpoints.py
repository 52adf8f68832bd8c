"""Waiting yards (bến bãi): the administrator's yards, their capacity and hours. Their
devices' keys are in devices.py, the trucks in a yard and their check-ins in visits.py. Who
may do each is the rule book's (gate/accounts/permissions.py, ``at_yard``)."""

from __future__ import annotations

from litestar import Controller, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts.permissions import Action, require
from gate.store.unit_of_work import UnitOfWork
from gate.yards import service
from services.api.yards.schemas import YardChange, YardCreate, YardHoursChange, YardView
from services.common.contract import ADMIN, ANY, YARD_MANAGER, documented
from services.common.dependencies import Caller


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
        yard, context = await service.yard_in_context(uow, code)
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
