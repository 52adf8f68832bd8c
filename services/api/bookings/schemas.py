from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from gate.domain.plates import format_plate
from gate.domain.slots import Direction
from gate.domain.time import SLOT_LENGTH
from gate.store.tables import Booking
from services.api.schemas import (
    Identifier,
    Input,
    LongText,
    Output,
    Reason,
    Version,
    local,
    local_or_none,
)

Weight = Annotated[float, msgspec.Meta(gt=0, le=100_000)]
HsCode = Annotated[str, msgspec.Meta(pattern=r"^\d{4}(\.?\d{2}){0,3}$")]
DeclarationNumber = Annotated[str, msgspec.Meta(pattern=r"^\d{12}$")]


class CargoInput(Input):
    description: LongText
    weight_kg: Weight
    perishable: bool = False
    hs_code: HsCode | None = None
    declaration_number: DeclarationNumber | None = None


class BookingCreate(Input):
    gate: Identifier
    direction: Direction
    slot_start: datetime
    vehicle_id: Identifier
    driver_id: Identifier
    cargo: CargoInput


class BookingReschedule(Input):
    slot_start: datetime
    version: Version


class BookingCancel(Input):
    reason: Reason | None = None
    version: Version | None = None


class CargoView(Output):
    description: str
    weight_kg: float
    perishable: bool
    hs_code: str | None
    declaration_number: str | None


class BookingView(Output):
    id: str
    code: str
    gate: str
    direction: str
    slot_start: datetime
    slot_end: datetime
    status: str
    version: int
    vehicle_id: str
    driver_id: str
    plate: str
    cargo: CargoView
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str | None

    @classmethod
    def of(cls, row: Booking, gate_code: str) -> BookingView:
        return cls(
            id=row.id,
            code=row.code,
            gate=gate_code,
            direction=row.direction,
            slot_start=local(row.slot_start),
            slot_end=local(row.slot_start + SLOT_LENGTH),
            status=row.status,
            version=row.version,
            vehicle_id=row.vehicle_id,
            driver_id=row.driver_id,
            plate=format_plate(row.plate),
            cargo=CargoView(
                row.cargo_description,
                row.weight_kg,
                row.perishable,
                row.hs_code,
                row.declaration_number,
            ),
            created_at=local(row.created_at),
            updated_at=local(row.updated_at),
            cancelled_at=local_or_none(row.cancelled_at),
            cancel_reason=row.cancel_reason,
        )


class BookingPage(Output):
    items: list[BookingView]
    next_cursor: str | None
