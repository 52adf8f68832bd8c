from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from gate.domain.plates import format_plate
from gate.store.tables import Driver, Vehicle
from services.api.schemas import CountryCode, Input, Output, Phone, PlateText, ShortText, local

VehicleType = Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
IdNumber = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9]{6,20}$")]


class VehicleCreate(Input):
    plate: PlateText
    vehicle_type: VehicleType
    trailer_plate: PlateText | None = None


class VehicleView(Output):
    id: str
    plate: str
    plate_normalised: str
    country: str
    trailer_plate: str | None
    vehicle_type: str
    created_at: datetime

    @classmethod
    def of(cls, row: Vehicle) -> VehicleView:
        trailer = format_plate(row.trailer_plate) if row.trailer_plate else None
        return cls(
            row.id,
            format_plate(row.plate),
            row.plate,
            row.country,
            trailer,
            row.vehicle_type,
            local(row.created_at),
        )


class DriverCreate(Input):
    full_name: ShortText
    id_number: IdNumber
    phone: Phone
    nationality: CountryCode = "VN"


class DriverView(Output):
    id: str
    full_name: str
    id_number: str
    phone: str
    nationality: str
    created_at: datetime

    @classmethod
    def of(cls, row: Driver) -> DriverView:
        return cls(
            row.id, row.full_name, row.id_number, row.phone, row.nationality, local(row.created_at)
        )
