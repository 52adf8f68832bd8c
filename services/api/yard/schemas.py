from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from gate.domain.clearance import CustomsChannel, Decision
from gate.domain.plates import format_plate
from gate.domain.slots import Direction
from gate.store.tables import Booking, ClearanceDecisionRow
from services.common.schemas import (
    Input,
    LongText,
    Output,
    PlateText,
    Reason,
    local,
    local_or_none,
)


class YardVehicle(Output):
    """A vehicle as officers see it (officers may see the full plate)."""

    booking_id: str
    booking_code: str
    plate: str
    direction: str
    status: str
    queue_class: str | None
    behind: bool
    walk_in: bool
    perishable: bool
    slot_start: datetime
    arrived_at: datetime | None
    called_at: datetime | None
    lane: str | None
    customs_channel: str | None
    status_reason: str | None
    version: int
    trailer_plate: str | None = None
    # Another trailer than declared was read at check-in: admitted, and flagged here.
    trailer_mismatch: bool = False
    arrived_trailer_plate: str | None = None
    # The unpaid-fee rule (issue 19): its fee is due and unpaid, so it keeps its place in the
    # queue but is not called to a lane until paid.
    fee_unpaid: bool = False

    @classmethod
    def of(cls, row: Booking, lane_codes: dict[str, str]) -> YardVehicle:
        return cls(
            booking_id=row.id,
            booking_code=row.code,
            plate=format_plate(row.plate),
            direction=row.direction,
            status=row.status,
            queue_class=row.queue_class,
            behind=row.queue_behind,
            walk_in=row.walk_in,
            perishable=row.perishable,
            slot_start=local(row.slot_start),
            arrived_at=local_or_none(row.arrived_at),
            called_at=local_or_none(row.called_at),
            lane=lane_codes.get(row.lane_id) if row.lane_id else None,
            customs_channel=row.customs_channel,
            status_reason=row.status_reason,
            version=row.version,
            trailer_plate=format_plate(row.trailer_plate) if row.trailer_plate else None,
            trailer_mismatch=row.trailer_mismatch,
            arrived_trailer_plate=(
                format_plate(row.arrived_trailer_plate) if row.arrived_trailer_plate else None
            ),
            fee_unpaid=row.fee_unpaid,
        )


class QueuedVehicle(Output):
    position: int
    vehicle: YardVehicle


class YardView(Output):
    gate: str
    direction: str
    cycle: str
    waiting: list[QueuedVehicle]
    at_lanes: list[YardVehicle]


class CallResult(Output):
    """The vehicle called, or null when nobody waits."""

    called: YardVehicle | None


class DecisionCreate(Input):
    decision: Decision
    reason: Reason | None = None
    channel: CustomsChannel | None = None


class DecisionView(Output):
    agency: str
    decision: str
    channel: str | None
    reason: str | None
    officer_id: str
    decided_at: datetime

    @classmethod
    def of(cls, row: ClearanceDecisionRow) -> DecisionView:
        return cls(
            row.agency,
            row.decision,
            row.channel,
            row.reason,
            row.officer_id,
            local(row.decided_at),
        )


class VehicleDetail(Output):
    vehicle: YardVehicle
    required_agencies: list[str]
    decisions: list[DecisionView]


class NoticeCreate(Input):
    text: LongText
    expires_at: datetime | None = None


class NoticeView(Output):
    id: str
    text: str
    posted_at: datetime
    expires_at: datetime | None


class PauseUpdate(Input):
    paused: bool
    reason: Reason | None = None


class ManualCheckinCreate(Input):
    """Check a truck in by hand: a booking (a pending read's candidate, with the read's id),
    or a plate as the officer reads it; ``direction`` says which yard, for a walk-in."""

    direction: Direction | None = None
    booking_id: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    plate: PlateText | None = None
    trailer_plate: PlateText | None = None
    pending_read_id: Annotated[str, msgspec.Meta(max_length=64)] | None = None
