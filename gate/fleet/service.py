"""Vehicles (phương tiện) and drivers (lái xe) of an enterprise."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gate.domain.errors import AlreadyExists, NotFound, ValidationFailed, VehicleHeldByAnother
from gate.domain.holders import normalise_registration_number
from gate.domain.plates import Plate, check_truck, parse_plate
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
    registration_number: str | None = None


async def register_vehicle(uow: UnitOfWork, enterprise_id: str, new: NewVehicle) -> Vehicle:
    """Register a vehicle to the enterprise, which becomes its holder. AlreadyExists when it
    holds that plate already; VehicleHeldByAnother when another enterprise does (a plate is
    held by one enterprise at a time, and the refusal does not say which: migration 0006)."""
    plate = parse_plate(new.plate)
    trailer = parse_plate(new.trailer_plate) if new.trailer_plate else None
    check_truck(plate, trailer)
    if new.vehicle_type not in VEHICLE_TYPES:
        allowed = ", ".join(sorted(VEHICLE_TYPES))
        raise ValidationFailed(f"vehicle_type is one of {allowed}", field="vehicle_type")
    registration = (
        normalise_registration_number(new.registration_number) if new.registration_number else None
    )
    await _refuse_held_plate(uow, enterprise_id, plate)
    vehicle = Vehicle(
        enterprise_id=enterprise_id,
        plate=plate.normalised,
        country=plate.country.value,
        trailer_plate=trailer.normalised if trailer else None,
        vehicle_type=new.vehicle_type,
        registration_number=registration,
    )
    uow.session.add(vehicle)
    try:
        async with uow.savepoint():
            await uow.session.flush()
    except IntegrityError as error:
        # A concurrent registration of the plate won the unique index: say whose it is now.
        await _refuse_held_plate(uow, enterprise_id, plate)
        raise AlreadyExists(
            f"vehicle {plate.display} is registered already", why="vehicle-registered"
        ) from error
    return vehicle


async def _refuse_held_plate(uow: UnitOfWork, enterprise_id: str, plate: Plate) -> None:
    holder = await uow.session.scalar(
        select(Vehicle.enterprise_id).where(Vehicle.plate == plate.normalised)
    )
    if holder == enterprise_id:
        raise AlreadyExists(
            f"vehicle {plate.display} is registered already", why="vehicle-registered"
        )
    if holder is not None:
        raise VehicleHeldByAnother(
            f"vehicle {plate.display} is held by another enterprise; if it is yours, ask the "
            "administration to transfer it on the evidence of its registration certificate"
        )


async def get_vehicle(uow: UnitOfWork, enterprise_id: str, vehicle_id: str) -> Vehicle:
    """A vehicle the enterprise holds; any other is as unknown as a missing one (NotFound)."""
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
        raise AlreadyExists(
            "a driver with that ID number is registered already", why="driver-registered"
        )
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
        raise AlreadyExists(
            "a driver with that ID number is registered already", why="driver-registered"
        ) from error
    return driver


async def get_driver(uow: UnitOfWork, enterprise_id: str, driver_id: str) -> Driver:
    driver = await uow.session.get(Driver, driver_id)
    if driver is None or driver.enterprise_id != enterprise_id:
        raise NotFound("no such driver")
    return driver


async def list_drivers(uow: UnitOfWork, enterprise_id: str) -> list[Driver]:
    query = select(Driver).where(Driver.enterprise_id == enterprise_id).order_by(Driver.full_name)
    return list(await uow.session.scalars(query))
