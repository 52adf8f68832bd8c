from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from gate.bookings.service import Cargo, NewBooking
from gate.domain.plates import format_plate
from gate.domain.rebooking import check_latest_acceptable
from gate.domain.slots import Direction
from gate.domain.time import SLOT_LENGTH
from gate.store.tables import Booking
from gate.store.tables.fees import Fee
from services.api.driver.schemas import RoadView
from services.api.fees.schemas import FeeView
from services.common.schemas import (
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
    # Perishable cargo only: the instant (with its UTC offset) by which it spoils; the yard
    # queue serves the earliest first within the perishable class. Refused (422, field
    # spoil_by) for other cargo, in the past, before the booked hour, or over 30 days ahead.
    spoil_by: datetime | None = None

    def cargo(self) -> Cargo:
        """What the booking services take (a new booking's, an amended declaration's)."""
        return Cargo(
            description=self.description,
            weight_kg=self.weight_kg,
            perishable=self.perishable,
            hs_code=self.hs_code,
            declaration_number=self.declaration_number,
            spoil_by=self.spoil_by,
        )


class BookingCreate(Input):
    gate: Identifier
    direction: Direction
    slot_start: datetime
    vehicle_id: Identifier
    driver_id: Identifier
    cargo: CargoInput
    # The latest hour start a move of the gate may take the booking to (docs/architecture.md,
    # "Fair rebooking"); not before the booking's own hour. None: any within the horizon.
    latest_acceptable_at: datetime | None = None

    def new_booking(self) -> NewBooking:
        """What the booking service takes (the API's call and the portal's form alike);
        ValidationFailed for a latest acceptable time before the booking's hour."""
        check_latest_acceptable(self.latest_acceptable_at, self.slot_start)
        return NewBooking(
            gate=self.gate,
            direction=self.direction,
            slot_start=self.slot_start,
            vehicle_id=self.vehicle_id,
            driver_id=self.driver_id,
            cargo=self.cargo.cargo(),
            latest_acceptable_at=self.latest_acceptable_at,
        )


class BookingReschedule(Input):
    slot_start: datetime
    version: Version


class RebookingAccept(Input):
    version: Version


class RebookingChoose(Input):
    slot_start: datetime
    version: Version


class LatestAcceptable(Input):
    version: Version
    latest_acceptable_at: datetime | None = None  # None (or left out): any hour


class BookingCancel(Input):
    reason: Reason | None = None
    version: Version | None = None


class CargoView(Output):
    description: str
    weight_kg: float
    perishable: bool
    hs_code: str | None
    declaration_number: str | None
    spoil_by: datetime | None = None  # perishable cargo's, on the gates' clock


class BookingView(Output):
    id: str
    code: str
    gate: str
    direction: str
    slot_start: datetime
    slot_end: datetime
    status: str
    version: int
    vehicle_id: str | None
    driver_id: str | None
    plate: str
    cargo: CargoView | None  # None for a walk-in, which declared nothing in advance
    walk_in: bool
    queue_class: str | None
    arrived_at: datetime | None
    called_at: datetime | None
    customs_channel: str | None
    status_reason: str | None
    exited_at: datetime | None
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str | None
    trailer_plate: str | None = None  # declared with the vehicle, or read with a walk-in
    # The trailer read at check-in when it was not the declared one (the officers see it).
    arrived_trailer_plate: str | None = None
    # On the road to the gate: the waiting yard, dispatch order and arrival estimate (read
    # and list answers, when the truck has any of them; null otherwise and in the answers
    # of writes).
    road: RoadView | None = None
    # Fair rebooking (docs/architecture.md): the latest hour a move may take it to; the hour
    # the gate moved it from, and until when the move may be accepted or another hour chosen
    # (null once answered).
    latest_acceptable_at: datetime | None = None
    rebooked_from: datetime | None = None
    rebooked_at: datetime | None = None
    rebooking_open_until: datetime | None = None
    # The crossing's infrastructure fee (issue 19): null when none was fixed (the gate
    # charged none when it was booked).
    fee: FeeView | None = None

    @classmethod
    def of(
        cls,
        row: Booking,
        gate_code: str,
        road: RoadView | None = None,
        fee: Fee | None = None,
    ) -> BookingView:
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
                local_or_none(row.spoil_by),
            )
            if row.cargo_description is not None and row.weight_kg is not None
            else None,
            walk_in=row.walk_in,
            queue_class=row.queue_class,
            arrived_at=local_or_none(row.arrived_at),
            called_at=local_or_none(row.called_at),
            customs_channel=row.customs_channel,
            status_reason=row.status_reason,
            exited_at=local_or_none(row.exited_at),
            created_at=local(row.created_at),
            updated_at=local(row.updated_at),
            cancelled_at=local_or_none(row.cancelled_at),
            cancel_reason=row.cancel_reason,
            trailer_plate=_display(row.trailer_plate),
            arrived_trailer_plate=_display(row.arrived_trailer_plate),
            road=road,
            latest_acceptable_at=local_or_none(row.latest_acceptable_at),
            rebooked_from=local_or_none(row.rebooked_from),
            rebooked_at=local_or_none(row.rebooked_at),
            rebooking_open_until=local_or_none(row.rebooking_open_until),
            fee=FeeView.of_any(fee),
        )


def _display(plate: str | None) -> str | None:
    return format_plate(plate) if plate is not None else None


class BookingPage(Output):
    items: list[BookingView]
    next_cursor: str | None


class HistoryEntry(Output):
    """One audited transition, as the booking's enterprise may see it."""

    seq: int
    event: str
    at: datetime
    from_status: str | None
    to_status: str | None
    actor: str
    role: str | None
    reason: str | None
    entry_hash: str
