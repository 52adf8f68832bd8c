"""The waiting yards' API types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from gate.devices.service import DeviceKind
from gate.domain.plates import format_plate
from gate.domain.slots import Direction
from gate.domain.yards import YardWatch
from gate.store.tables import YardDevice, YardVisit
from gate.yards.service import YardOf
from services.api.gates.schemas import GateCode, Latitude, Longitude
from services.common.schemas import DeviceName, Input, Output, ShortText, local, local_or_none

YardCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]
Hour = Annotated[int, msgspec.Meta(ge=0, le=24)]
Capacity = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
GateCodes = Annotated[list[GateCode], msgspec.Meta(min_length=1, max_length=20)]
PlateText = Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
BookingCode = Annotated[str, msgspec.Meta(min_length=4, max_length=16)]


class YardCreate(Input):
    """A new yard: ``enterprise_id`` a yard enterprise's; ``gates`` the codes of the gates it
    serves; hours in whole hours of the gates' clock (0 to 24); WGS 84 degrees."""

    code: YardCode
    name: ShortText
    enterprise_id: Annotated[str, msgspec.Meta(min_length=1, max_length=36)]
    capacity: Capacity
    gates: GateCodes
    opens_at: Hour = 0
    closes_at: Hour = 24
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class YardChange(Input):
    """The administrator's changes: each field given replaces the stored one."""

    name: ShortText | None = None
    gates: GateCodes | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class YardHoursChange(Input):
    capacity: Capacity
    opens_at: Hour = 0
    closes_at: Hour = 24


class YardView(Output):
    """A yard, with how many trucks are in it now (never which)."""

    code: str
    name: str
    enterprise_id: str
    capacity: int
    in_yard: int
    opens_at: int
    closes_at: int
    gates: list[str]
    latitude: float | None
    longitude: float | None
    in_service: bool

    @classmethod
    def of(cls, found: YardOf) -> YardView:
        yard = found.yard
        return cls(
            yard.code,
            yard.name,
            yard.enterprise_id,
            yard.capacity,
            found.in_yard,
            yard.opens_at,
            yard.closes_at,
            list(found.gate_codes),
            yard.latitude,
            yard.longitude,
            yard.closed_at is None,
        )


class YardDeviceCreate(Input):
    """A yard device: ``watches`` trucks coming in (``entry``) or going out (``exit``);
    ``gate`` and ``direction`` (both or neither; ``direction`` alone for a yard serving one
    gate) say where a walk-in it reads is heading."""

    name: DeviceName
    kind: DeviceKind
    watches: YardWatch
    gate: GateCode | None = None
    direction: Direction | None = None


class YardDeviceView(Output):
    id: str
    name: str
    kind: str
    watches: str
    direction: str | None
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: YardDevice) -> YardDeviceView:
        return cls(
            row.id,
            row.name,
            row.kind,
            row.watches,
            row.direction,
            local(row.created_at),
            local_or_none(row.revoked_at),
        )


class IssuedYardDevice(Output):
    """The device's key is in this answer and never again."""

    device: YardDeviceView
    token: str


class YardCheckinEvent(Input):
    """A yard device's read: the tractor's plate and/or a booking code (a trailer's plate
    alone is refused), the trailer's plate if read, and when it was observed."""

    event_id: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    observed_at: datetime
    plate: PlateText | None = None
    booking_code: BookingCode | None = None
    trailer_plate: PlateText | None = None


class VisitCreate(Input):
    """A truck checked in by hand by the yard's staff: as a device's read, with the gate
    and direction of a walk-in (a truck with a booking goes where its booking says)."""

    plate: PlateText | None = None
    booking_code: BookingCode | None = None
    trailer_plate: PlateText | None = None
    gate: GateCode | None = None
    direction: Direction | None = None


class VisitView(Output):
    """A truck in a waiting yard, for the yard's staff, the administrator and the officers
    of the gates it serves (never public: it carries the plates)."""

    id: str
    plate: str
    trailer_plate: str | None
    booking_id: str | None
    gate: str
    direction: str
    queue_class: str
    behind: bool
    status: str
    slot_start: datetime
    entered_at: datetime
    departed_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None

    @classmethod
    def of(cls, row: YardVisit, gate_code: str) -> VisitView:
        return cls(
            row.id,
            format_plate(row.plate),
            format_plate(row.trailer_plate) if row.trailer_plate else None,
            row.booking_id,
            gate_code,
            row.direction,
            row.queue_class,
            row.behind,
            row.status,
            local(row.slot_start),
            local(row.entered_at),
            local_or_none(row.departed_at),
            local_or_none(row.ended_at),
            row.end_reason,
        )
