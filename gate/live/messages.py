"""The typed messages of the live channels. Public ones are built only from these types, and
the types hold no field for a full plate, a name, a phone or a declaration number."""

from __future__ import annotations

from datetime import datetime

import msgspec

# The channels' websocket subprotocol: servers select it when a client offers it. A client may
# offer ``bearer.<token>`` beside it to sign in without the token in the URL; that one is
# never selected, so never echoed.
SUBPROTOCOL = "gate.v1"
BEARER_SUBPROTOCOL = "bearer."
# A sequence number is milliseconds since the epoch (13 digits until the year 2286); 19 digits
# still fit a signed 64-bit integer, and bound what ``int`` is asked to convert.
_MAX_SEQ_DIGITS = 19


def parse_since(value: str | None) -> int | None:
    """The ``since`` a viewer sent (``?since=SEQ``) as a sequence number, or None (a fresh
    snapshot) for anything that is not one: not ASCII digits (``str.isdigit`` takes "²",
    which ``int`` refuses), or longer than any sequence number (``int`` refuses strings past
    4,300 digits). Either ended the socket with an internal error before."""
    if not value or len(value) > _MAX_SEQ_DIGITS or not (value.isascii() and value.isdigit()):
        return None
    return int(value)


class Notice(msgspec.Struct):
    id: str
    text: str
    posted_at: datetime


class CalledVehicle(msgspec.Struct):
    """Who is being called: the masked plate and the booking code, and the lane."""

    plate: str  # masked, e.g. 12C-•••45
    booking_code: str
    lane: str | None


class LaneState(msgspec.Struct):
    code: str
    is_open: bool


class FreePlaces(msgspec.Struct):
    starts_at: datetime
    remaining: int
    closed: bool


class DirectionBoard(msgspec.Struct):
    direction: str
    lanes: list[LaneState]
    lanes_open: int
    waiting: dict[str, int]  # per class: perishable, aeo, regular
    waiting_total: int
    called: list[CalledVehicle]
    service_rate_per_hour: float
    rate_measured: bool
    estimated_wait_minutes: int | None  # for a vehicle arriving now, booked for this hour
    free_places: list[FreePlaces]


class Accuracy(msgspec.Struct):
    samples: int
    mean_absolute_error_minutes: float | None
    mean_error_minutes: float | None


class YardOccupancy(msgspec.Struct):
    """A waiting yard (bến bãi) that serves the gate, as the public sees it: counts only."""

    code: str
    name: str
    in_yard: int  # trucks in the yard now: waiting, and dispatched but not yet gone
    capacity: int
    dispatched: int  # of those in the yard, the ones with an open dispatch order
    open: bool  # in service and within its opening hours now (the gates' clock)


class WaitHour(msgspec.Struct):
    """One hour of the board's wait chart: the trucks called in the hour (UTC start), with
    those the queue let go uncalled in it, and how long they had waited since check-in: the
    median in minutes, estimated within its band, and the band it lies in (``median_from``
    to ``median_to`` minutes, ``median_to`` None past the last bound); all None from fewer
    than gate/statistics/public.py's MIN_TRUCKS trucks. ``complete`` is False for the hour
    running now (its figure is so far)."""

    hour: datetime
    trucks: int
    median_minutes: float | None
    median_from: int | None = None
    median_to: int | None = None
    complete: bool = True


class WaitChart(msgspec.Struct):
    """A direction's wait over the last hours, oldest first, from the statistics' rollups."""

    direction: str
    hours: list[WaitHour]


class PublicBoard(msgspec.Struct):
    """The live queue board of a gate (bảng trạng thái công khai). ``yards``: the waiting
    yards that serve the gate, by code; ``on_the_way``: trucks on their way to the gate (open
    dispatch orders, and trucks sharing a fresh position that are in no yard yet)."""

    gate: str
    name: str
    name_en: str
    paused: bool
    paused_reason: str | None
    notices: list[Notice]
    directions: list[DirectionBoard]
    forecast_accuracy: Accuracy
    yards: list[YardOccupancy] = []
    on_the_way: int = 0
    recent_waits: list[WaitChart] = []


class YardEntry(msgspec.Struct):
    """A vehicle as officers and its own enterprise see it (full plate)."""

    booking_id: str
    booking_code: str
    plate: str
    direction: str
    status: str
    version: int  # a client keeps what it has when a message is older than that
    queue_class: str | None
    position: int | None
    slot_start: datetime
    arrived_at: datetime | None
    lane: str | None
    estimated_call_at: datetime | None
    # The call time plus the slowest required agency's recent mean time at the lane.
    estimated_exit_at: datetime | None = None
    trailer_plate: str | None = None
    # The trailer read at check-in when it was not the declared one: officers check it.
    arrived_trailer_plate: str | None = None
    # Perishable cargo's spoil-by (gates' clock), and whether the call forecast at check-in
    # or now passes it (gate/domain/spoilage.py): the console flags the truck.
    spoil_by: datetime | None = None
    spoil_risk: bool = False
    # The unpaid-fee rule (issue 19): held in its place, not called to a lane until paid.
    fee_unpaid: bool = False


class Candidate(msgspec.Struct):
    """A truck a pending read may be (officers only: full plates)."""

    booking_id: str
    booking_code: str
    plate: str
    trailer_plate: str | None
    direction: str
    status: str
    slot_start: datetime


class PendingReadEntry(msgspec.Struct):
    """A camera read that fits several expected trucks, waiting for an officer."""

    id: str
    plate_read: str
    direction: str | None
    observed_at: datetime
    candidates: list[Candidate]


class DispatchedTruck(msgspec.Struct):
    """A truck with an open dispatch order to this gate (officers only: the full plate)."""

    order_code: str
    booking_code: str | None  # None for a walk-in waiting in a yard
    plate: str
    direction: str
    queue_class: str
    yard: str  # the yard's code
    yard_name: str
    left_yard: bool  # on the road (en route) rather than still in the yard
    issued_at: datetime
    deadline_at: datetime
    late: bool  # the deadline has passed and the order is still open


class DispatchState(msgspec.Struct):
    """A direction's dispatch rule as its operators set it (the defaults when never set)."""

    direction: str
    target: int
    deadline_minutes: int
    paused: bool
    paused_reason: str | None


class OfficerBoard(msgspec.Struct):
    gate: str
    paused: bool
    directions: list[DirectionBoard]
    waiting: list[YardEntry]
    at_lanes: list[YardEntry]
    agency_minutes: dict[str, float | None]  # mean time from inspection start to decision
    pending_reads: list[PendingReadEntry] = []  # reads an officer must confirm
    dispatched: list[DispatchedTruck] = []  # open orders to this gate, soonest deadline first
    dispatch: list[DispatchState] = []  # per direction


class RoadYard(msgspec.Struct):
    """The waiting yard a truck is in (or has left under an order): its code and name, the
    visit's status (waiting, dispatched, en_route) and when it entered."""

    code: str
    name: str
    status: str
    entered_at: datetime


class RoadOrder(msgspec.Struct):
    """A truck's latest dispatch order: status (open, arrived, missed, cancelled), the gate
    it goes to and the deadline to reach it."""

    code: str
    status: str
    gate: str
    gate_name: str
    issued_at: datetime
    deadline_at: datetime


class RoadArrival(msgspec.Struct):
    """The estimate from the truck's last fresh position: where it is heading ("yard" or
    "gate") and when it should be there (None: the place is not on the map)."""

    destination: str
    destination_name: str
    estimated_at: datetime | None
    recorded_at: datetime


class Road(msgspec.Struct):
    """The road to the gate, as the booking API's ``road`` shows it; each part None when
    the truck has none."""

    yard: RoadYard | None
    dispatch_order: RoadOrder | None
    arrival: RoadArrival | None


class EnterpriseVehicle(YardEntry):
    """A vehicle of the enterprise's own, with its road to the gate (None: nothing on it)."""

    road: Road | None = None


class EnterpriseVehicles(msgspec.Struct):
    """An enterprise's own vehicles that are booked or in a yard today."""

    enterprise_id: str
    vehicles: list[EnterpriseVehicle]


class ChannelMessage(msgspec.Struct, omit_defaults=True):
    """Every live message. ``seq`` grows per channel; ``prev`` is the seq this message follows,
    so a client that did not see ``prev`` knows it missed something and resyncs. A snapshot
    carries the whole state; a delta the top-level fields that changed."""

    channel: str
    seq: int
    kind: str  # snapshot | delta
    data: dict[str, object]
    prev: int | None = None
