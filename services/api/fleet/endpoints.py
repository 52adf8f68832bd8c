"""An enterprise's vehicles and drivers, declared once and booked with many times."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts.permissions import Action, acting_enterprise
from gate.fleet import service
from gate.store.unit_of_work import UnitOfWork
from services.api.fleet.schemas import DriverCreate, DriverView, VehicleCreate, VehicleView
from services.common.contract import ENTERPRISE, documented
from services.common.dependencies import Caller


class VehicleController(Controller):
    path = "/vehicles"
    tags = ["fleet"]

    @post(
        operation_id="registerVehicle",
        **documented(
            "Register a vehicle",
            credentials=[ENTERPRISE],
            problems=["invalid-plate", "already-exists", "vehicle-held-by-another"],
        ),
    )
    async def register(
        self,
        data: JSONBody[VehicleCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> VehicleView:
        """Register a vehicle; the enterprise becomes its holder. 409 already-exists when it
        holds the plate already, vehicle-held-by-another when another enterprise does."""
        enterprise_id = acting_enterprise(principal, Action.MANAGE_FLEET)
        new = service.NewVehicle(
            data.plate, data.vehicle_type, data.trailer_plate, data.registration_number
        )
        return VehicleView.of(await service.register_vehicle(uow, enterprise_id, new))

    @get(operation_id="listVehicles", **documented("List your vehicles", credentials=[ENTERPRISE]))
    async def list_vehicles(
        self, uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> list[VehicleView]:
        """The vehicles the enterprise holds, with their trailers."""
        enterprise_id = acting_enterprise(principal, Action.MANAGE_FLEET)
        return [VehicleView.of(v) for v in await service.list_vehicles(uow, enterprise_id)]

    @get(
        "/{vehicle_id:str}",
        operation_id="getVehicle",
        **documented("Read a vehicle", credentials=[ENTERPRISE], problems=["not-found"]),
    )
    async def get_vehicle(
        self,
        vehicle_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> VehicleView:
        """One of the enterprise's vehicles (404 for another's)."""
        enterprise_id = acting_enterprise(principal, Action.MANAGE_FLEET)
        return VehicleView.of(await service.get_vehicle(uow, enterprise_id, vehicle_id))


class DriverController(Controller):
    path = "/drivers"
    tags = ["fleet"]

    @post(
        operation_id="registerDriver",
        **documented("Register a driver", credentials=[ENTERPRISE], problems=["already-exists"]),
    )
    async def register(
        self,
        data: JSONBody[DriverCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> DriverView:
        """Register a driver by their ID number (one per enterprise); bookings name them."""
        enterprise_id = acting_enterprise(principal, Action.MANAGE_FLEET)
        new = service.NewDriver(data.full_name, data.id_number, data.phone, data.nationality)
        return DriverView.of(await service.register_driver(uow, enterprise_id, new))

    @get(operation_id="listDrivers", **documented("List your drivers", credentials=[ENTERPRISE]))
    async def list_drivers(
        self, uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> list[DriverView]:
        """The drivers the enterprise registered."""
        enterprise_id = acting_enterprise(principal, Action.MANAGE_FLEET)
        return [DriverView.of(d) for d in await service.list_drivers(uow, enterprise_id)]

    @get(
        "/{driver_id:str}",
        operation_id="getDriver",
        **documented("Read a driver", credentials=[ENTERPRISE], problems=["not-found"]),
    )
    async def get_driver(
        self,
        driver_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> DriverView:
        """One of the enterprise's drivers (404 for another's)."""
        enterprise_id = acting_enterprise(principal, Action.MANAGE_FLEET)
        return DriverView.of(await service.get_driver(uow, enterprise_id, driver_id))
