"""Vehicles (phương tiện) and drivers (lái xe) of an enterprise."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gate.domain.errors import AlreadyExists, NotFound, ValidationFailed
from gate.domain.plates import check_truck, parse_plate
from gate.store.tables import Driver, Vehicle
from gate.store.unit_of_work import UnitOfWork

VEHICLE_TYPES = frozenset(
    {"container", "truck", "tractor", "refrigerated", "tanker", "flatbed", "van", "other"}
)


@dataclass(frozen=True, slots=True)
class NewVehicle:
    plate: str
    vehicle_type: str
    trailer_plate: str | None = None


async def register_vehicle(uow: UnitOfWork, enterprise_id: str, new: NewVehicle) -> Vehicle:
    plate = parse_plate(new.plate)
    trailer = parse_plate(new.trailer_plate) if new.trailer_plate else None
    check_truck(plate, trailer)
    if new.vehicle_type not in VEHICLE_TYPES:
        allowed = ", ".join(sorted(VEHICLE_TYPES))
        raise ValidationFailed(f"vehicle_type is one of {allowed}", field="vehicle_type")
    query = select(Vehicle.id).where(
        Vehicle.enterprise_id == enterprise_id, Vehicle.plate == plate.normalised
    )
    if await uow.session.scalar(query):
        raise AlreadyExists(f"vehicle {plate.display} is registered already")
    vehicle = Vehicle(
        enterprise_id=enterprise_id,
        plate=plate.normalised,
        country=plate.country.value,
        trailer_plate=trailer.normalised if trailer else None,
        vehicle_type=new.vehicle_type,
    )
    uow.session.add(vehicle)
    try:
        async with uow.savepoint():
            await uow.session.flush()
    except IntegrityError as error:
        raise AlreadyExists(f"vehicle {plate.display} is registered already") from error
    return vehicle


async def get_vehicle(uow: UnitOfWork, enterprise_id: str, vehicle_id: str) -> Vehicle:
    vehicle = await uow.session.get(Vehicle, vehicle_id)
    if vehicle is None or vehicle.enterprise_id != enterprise_id:
        raise NotFound("no such vehicle")
    return vehicle


async def list_vehicles(uow: UnitOfWork, enterprise_id: str) -> list[Vehicle]:
    query = select(Vehicle).where(Vehicle.enterprise_id == enterprise_id).order_by(Vehicle.plate)
    return list(await uow.session.scalars(query))


@dataclass(frozen=True, slots=True)
class NewDriver:
    full_name: str
    id_number: str
    phone: str
    nationality: str = "VN"


async def register_driver(uow: UnitOfWork, enterprise_id: str, new: NewDriver) -> Driver:
    id_number = new.id_number.strip().upper()
    query = select(Driver.id).where(
        Driver.enterprise_id == enterprise_id, Driver.id_number == id_number
    )
    if await uow.session.scalar(query):
        raise AlreadyExists("a driver with that ID number is registered already")
    driver = Driver(
        enterprise_id=enterprise_id,
        full_name=new.full_name.strip(),
        id_number=id_number,
        phone=new.phone,
        nationality=new.nationality.upper(),
    )
    uow.session.add(driver)
    try:
        async with uow.savepoint():
            await uow.session.flush()
    except IntegrityError as error:
        raise AlreadyExists("a driver with that ID number is registered already") from error
    return driver


async def get_driver(uow: UnitOfWork, enterprise_id: str, driver_id: str) -> Driver:
    driver = await uow.session.get(Driver, driver_id)
    if driver is None or driver.enterprise_id != enterprise_id:
        raise NotFound("no such driver")
    return driver


async def list_drivers(uow: UnitOfWork, enterprise_id: str) -> list[Driver]:
    query = select(Driver).where(Driver.enterprise_id == enterprise_id).order_by(Driver.full_name)
    return list(await uow.session.scalars(query))
