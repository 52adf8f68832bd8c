from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from gate.bookings.calendar_changes import Moves
from gate.domain.slots import Direction
from gate.domain.time import SLOT_LENGTH, as_local
from gate.gates.changes import CapacityChange
from gate.gates.service import SlotAvailability
from gate.store.tables import Closure, Gate, GateDirection, Lane
from services.common.schemas import Capacity, Hour, Input, Output, Reason, ShortText, local

GateCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]
LaneCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9-]{1,40}$")]
Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]


class GateSummary(Output):
    """A gate; ``latitude``/``longitude`` (WGS 84 degrees) place its control yard on the map,
    null until the administrator sets them (the driver's page estimates arrival from them);
    ``name_zh``, its name on the pages in Chinese, null when it has none (they show
    ``name_en``)."""

    code: str
    name: str
    name_en: str
    counterpart: str
    province: str
    kind: str
    latitude: float | None
    longitude: float | None
    name_zh: str | None

    @classmethod
    def of(cls, gate: Gate) -> GateSummary:
        return cls(
            gate.code,
            gate.name,
            gate.name_en,
            gate.counterpart,
            gate.province,
            gate.kind,
            gate.latitude,
            gate.longitude,
            gate.name_zh,
        )


class ScheduleView(Output):
    """A direction's day; in the answer of a change, the bookings its rebooking moved to
    other hours and cancelled for want of one (docs/architecture.md, "Fair rebooking")."""

    direction: str
    hourly_capacity: int
    opens_at: int
    closes_at: int
    bookings_moved: int | None = None
    bookings_cancelled: int | None = None

    @classmethod
    def of(cls, row: GateDirection, moves: Moves | None = None) -> ScheduleView:
        view = cls(row.direction, row.hourly_capacity, row.opens_at, row.closes_at)
        if moves is not None:
            view.bookings_moved, view.bookings_cancelled = moves.moved, moves.cancelled
        return view


class LaneView(Output):
    id: str
    code: str
    direction: str
    is_open: bool

    @classmethod
    def of(cls, lane: Lane) -> LaneView:
        return cls(lane.id, lane.code, lane.direction, lane.is_open)


class GateDetail(Output):
    """A gate with its hours, lanes and place on the map (WGS 84 degrees, null if unset)."""

    code: str
    name: str
    name_en: str
    name_zh: str | None
    counterpart: str
    province: str
    kind: str
    latitude: float | None
    longitude: float | None
    timezone: str
    grace_early_minutes: int
    grace_late_minutes: int
    schedules: list[ScheduleView]
    lanes: list[LaneView]


class SlotView(Output):
    """One hour: ``remaining`` places a booking can take now; when a booking would be
    refused, ``remaining`` is 0 and ``refusal`` says what it would be told. ``limited_by``:
    ``"partner"`` when the partner gate's announced capacity, smaller than ours, is the
    hour's capacity (null: ours is). ``peak``: a peak
    hour (GATE_PEAK_HOURS), where an enterprise with a high no-show rate may hold only its
    share of the places (``getNoShowStanding``)."""

    direction: Direction
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    remaining: int
    closed_reason: str | None
    refusal: str | None
    limited_by: str | None = None

    peak: bool = False

    @classmethod
    def of(cls, slot: SlotAvailability, peak_hours: frozenset[int] = frozenset()) -> SlotView:
        return cls(
            slot.direction,
            local(slot.starts_at),
            local(slot.starts_at + SLOT_LENGTH),
            slot.capacity,
            slot.booked,
            slot.remaining,
            slot.closed_reason,
            slot.refusal,
            slot.limited_by,
            as_local(slot.starts_at).hour in peak_hours,
        )


class Availability(Output):
    gate: str
    slots: list[SlotView]


class GateCreate(Input):
    code: GateCode
    name: ShortText
    name_en: ShortText
    counterpart: ShortText
    province: ShortText
    kind: Annotated[str, msgspec.Meta(pattern=r"^(international|main|secondary|port)$")]
    export_capacity: Capacity
    import_capacity: Capacity
    opens_at: Hour = 0
    closes_at: Hour = 24
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    # The name on the pages in Chinese (services/web/names.py); without one they show name_en.
    name_zh: ShortText | None = None


class GateLocation(Input):
    """Where a gate's control yard is, in WGS 84 degrees; both null take it off the map. The
    body of PUT and its answer."""

    latitude: Latitude | None
    longitude: Longitude | None


class ScheduleUpdate(Input):
    hourly_capacity: Capacity
    opens_at: Hour = 0
    closes_at: Hour = 24


class CapacityOverride(Input):
    """One hour's capacity; ``capacity: null`` returns the hour to the ordinary day."""

    direction: Direction
    starts_at: datetime
    capacity: Capacity | None


class CapacityChangeView(Output):
    """An hour's capacity changed: places ``capacity_before`` and ``capacity`` after (a
    closure's 0 included), ``booked``: the hour's active bookings at the change, and
    ``above_capacity``: how many of them were beyond the new capacity. Fair rebooking then
    moved the last booked of those to other hours (``bookings_moved``) or cancelled them
    for want of an acceptable hour with room (``bookings_cancelled``); ``bookings_kept``:
    some stay above it (trucks already checked in keep their place)."""

    direction: str
    starts_at: datetime
    capacity_before: int
    capacity: int
    booked: int
    above_capacity: int
    bookings_kept: bool = True
    bookings_moved: int = 0
    bookings_cancelled: int = 0

    @classmethod
    def of(cls, change: CapacityChange, moves: Moves) -> CapacityChangeView:
        return cls(
            change.direction.value,
            local(change.starts_at),
            change.before,
            change.after,
            change.booked,
            change.above,
            moves.moved + moves.cancelled < change.above,
            moves.moved,
            moves.cancelled,
        )


class LaneCreate(Input):
    code: LaneCode
    direction: Direction


class ClosureCreate(Input):
    starts_at: datetime
    ends_at: datetime
    reason: Reason
    direction: Direction | None = None


class ClosureView(Output):
    """A closure; in the answer of its creation, the bookings its rebooking moved and
    cancelled (as ``ScheduleView``)."""

    id: str
    direction: str | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    bookings_moved: int | None = None
    bookings_cancelled: int | None = None

    @classmethod
    def of(cls, row: Closure, moves: Moves | None = None) -> ClosureView:
        view = cls(row.id, row.direction, local(row.starts_at), local(row.ends_at), row.reason)
        if moves is not None:
            view.bookings_moved, view.bookings_cancelled = moves.moved, moves.cancelled
        return view


Minutes = Annotated[int, msgspec.Meta(ge=0, le=24 * 60)]


class YardRulesView(Input):
    """The yard rules of a gate (body of PUT, and its answer)."""

    service_cycle: Annotated[str, msgspec.Meta(min_length=3, max_length=200)]
    grace_early_minutes: Minutes
    grace_late_minutes: Minutes
    call_timeout_minutes: Annotated[int, msgspec.Meta(ge=1, le=240)]
