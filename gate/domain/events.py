"""Domain events: every state change is one. Written to the audit log in the transaction that
makes the change, published to the bus only after it commits."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from gate.domain.time import utc_now

Fact = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change: kind (enterprise, device, officer, admin, system), id and role."""

    kind: str
    id: str | None = None
    role: str | None = None


SYSTEM = Actor("system")


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    name: ClassVar[str] = "event"
    occurred_at: datetime = field(default_factory=utc_now)
    # The request that caused the event (gate/request_ids.py), stamped when it is recorded:
    # carried beside the payload on the bus and into the audit log, never in the payload,
    # which public channels pass on (docs/architecture.md, "Request ids").
    request_id: str | None = field(default=None, compare=False)

    def payload(self) -> dict[str, Any]:
        """A JSON-ready dict; only what the event's subscribers may see goes in here (not
        ``request_id``: see above)."""
        # Shallow, not asdict(): that deep-copies every value, and every check-in publishes.
        data: dict[str, Any] = {}
        for each in fields(self):
            if each.name == "request_id":
                continue
            value = getattr(self, each.name)
            if is_dataclass(value) and not isinstance(value, type):
                value = asdict(value)
            elif isinstance(value, dict):
                value = dict(value)
            data[each.name] = value
        data["occurred_at"] = self.occurred_at.isoformat()
        return {"event": self.name, **data}


@dataclass(frozen=True, kw_only=True)
class BookingEvent(DomainEvent):
    """A change of one booking (and so of a vehicle's place in a slot or in the yard).
    Audited in its gate's hash chain. Carries no personal data: no plate, name, phone or
    declaration number."""

    name: ClassVar[str] = "booking.changed"
    booking_id: str
    enterprise_id: str | None
    gate: str
    gate_id: str
    direction: str
    slot_start: str
    from_status: str | None = None
    to_status: str | None = None
    actor: Actor = SYSTEM
    reason: str | None = None
    facts: dict[str, Fact] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class BookingCreated(BookingEvent):
    name: ClassVar[str] = "booking.created"


@dataclass(frozen=True, kw_only=True)
class BookingRescheduled(BookingEvent):
    name: ClassVar[str] = "booking.rescheduled"
    previous_slot_start: str


@dataclass(frozen=True, kw_only=True)
class BookingCancelled(BookingEvent):
    name: ClassVar[str] = "booking.cancelled"


@dataclass(frozen=True, kw_only=True)
class VehicleArrived(BookingEvent):
    """Checked in at the control yard (also for a walk-in, created at that moment)."""

    name: ClassVar[str] = "vehicle.arrived"


@dataclass(frozen=True, kw_only=True)
class VehicleCalled(BookingEvent):
    name: ClassVar[str] = "vehicle.called"


@dataclass(frozen=True, kw_only=True)
class VehicleRequeued(BookingEvent):
    """A called vehicle that did not reach its lane in time, put back in the queue."""

    name: ClassVar[str] = "vehicle.requeued"


@dataclass(frozen=True, kw_only=True)
class InspectionStarted(BookingEvent):
    name: ClassVar[str] = "vehicle.inspection_started"


@dataclass(frozen=True, kw_only=True)
class ClearanceDecided(BookingEvent):
    name: ClassVar[str] = "vehicle.clearance_decided"


@dataclass(frozen=True, kw_only=True)
class VehicleExited(BookingEvent):
    name: ClassVar[str] = "vehicle.exited"


@dataclass(frozen=True, kw_only=True)
class BookingLapsed(BookingEvent):
    """A booking that ended without crossing: no-show, or a queue entry that expired."""

    name: ClassVar[str] = "booking.lapsed"


@dataclass(frozen=True, kw_only=True)
class DispatchEvent(DomainEvent):
    """A change on the road from a waiting yard to a gate: a dispatch order issued, missed,
    met or withdrawn (``subject_id`` the order's id), a truck reaching the gate from a yard
    without an order (the visit's id), or a gate direction's dispatch rule changed (the
    gate's id). Audited in the gate's hash chain, as its bookings are. Carries no plate and
    no names: ``enterprise_id`` (the booking's enterprise, when the truck has one) only tells
    that enterprise's stream to look again."""

    name: ClassVar[str] = "dispatch.changed"
    subject_id: str
    gate: str
    gate_id: str
    direction: str
    enterprise_id: str | None = None
    order_code: str | None = None
    visit_id: str | None = None
    booking_id: str | None = None
    from_status: str | None = None
    to_status: str | None = None
    actor: Actor = SYSTEM
    reason: str | None = None
    facts: dict[str, Fact] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class DispatchIssued(DispatchEvent):
    """An order sends a waiting truck to the gate (facts: yard_id, queue_class, deadline_at)."""

    name: ClassVar[str] = "dispatch.issued"


@dataclass(frozen=True, kw_only=True)
class DispatchMissed(DispatchEvent):
    """The deadline passed first (facts: missed_orders, lapsed)."""

    name: ClassVar[str] = "dispatch.missed"


@dataclass(frozen=True, kw_only=True)
class DispatchArrived(DispatchEvent):
    """The truck of an open order, or one waiting in a yard without one (``order_code``
    None), checked in at the gate: its visit ends."""

    name: ClassVar[str] = "dispatch.arrived"


@dataclass(frozen=True, kw_only=True)
class DispatchCancelled(DispatchEvent):
    """An officer withdrew the order, or the truck's booking ended: the truck waits again,
    not counted as a miss."""

    name: ClassVar[str] = "dispatch.cancelled"


@dataclass(frozen=True, kw_only=True)
class DispatchRuleChanged(DispatchEvent):
    """A gate direction's target, deadline or pause changed (facts: the rule after it)."""

    name: ClassVar[str] = "dispatch.rule_changed"


@dataclass(frozen=True, kw_only=True)
class DriverLinkMade(BookingEvent):
    """The booking's enterprise made a link to the driver's page (facts: link_id,
    expires_at). The secret is never in the event: it is answered once, to its maker."""

    name: ClassVar[str] = "driver_link.made"


@dataclass(frozen=True, kw_only=True)
class DriverLinkRevoked(BookingEvent):
    """A link to the driver's page was revoked (facts: link_id): it reaches nothing now."""

    name: ClassVar[str] = "driver_link.revoked"


@dataclass(frozen=True, kw_only=True)
class ReadNeedsConfirmation(DomainEvent):
    """A camera read that fits several expected trucks waits for an officer (published, not
    chained: no booking changed; the officer's check-in by hand is the audited change)."""

    name: ClassVar[str] = "checkin.needs_confirmation"
    gate: str
    direction: str | None
    pending_read_id: str


@dataclass(frozen=True, kw_only=True)
class VehicleEvent(DomainEvent):
    """A change of who holds a vehicle or may book it. Audited in the vehicle's own hash
    chain (its id is the chain key): a vehicle belongs to no gate, and its history of holders
    should be provable on its own. Carries no plate and no names; ``enterprise_id`` is the
    holder after the change."""

    name: ClassVar[str] = "vehicle.changed"
    vehicle_id: str
    enterprise_id: str
    actor: Actor = SYSTEM
    reason: str | None = None
    facts: dict[str, Fact] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class VehicleGrantGiven(VehicleEvent):
    """The holder let another enterprise book the vehicle (facts: grant_id, grantee_id,
    valid_until)."""

    name: ClassVar[str] = "vehicle.grant_given"


@dataclass(frozen=True, kw_only=True)
class VehicleGrantRevoked(VehicleEvent):
    """A grant ended early: revoked by the holder, or by a transfer of the vehicle."""

    name: ClassVar[str] = "vehicle.grant_revoked"


@dataclass(frozen=True, kw_only=True)
class VehicleTransferred(VehicleEvent):
    """The administration moved the vehicle to another holder (facts: from_holder_id,
    grants_revoked, bookings_cancelled)."""

    name: ClassVar[str] = "vehicle.transferred"


@dataclass(frozen=True, kw_only=True)
class YardVisitEvent(DomainEvent):
    """A truck's visit to a waiting yard changed (gate/domain/yards.py, VisitStatus). Audited
    in the yard's own hash chain (its id is the chain key); published after commit, so the
    boards can count a yard's trucks. No plate: ``visit_id`` and ``booking_id`` name the
    truck to those allowed to look it up. ``queue_class`` and ``gate`` are where it goes.
    ``enterprise_id`` is the booking's enterprise (None for a walk-in): published only, to
    wake that enterprise's live stream; the chain does not record it (the booking does)."""

    name: ClassVar[str] = "yard.visit_changed"
    visit_id: str
    yard: str
    yard_id: str
    gate: str
    direction: str
    booking_id: str | None
    enterprise_id: str | None = None
    queue_class: str
    from_status: str | None = None
    to_status: str | None = None
    actor: Actor = SYSTEM
    reason: str | None = None
    facts: dict[str, Fact] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class TruckEnteredYard(YardVisitEvent):
    """A truck checked into a waiting yard: its visit begins, waiting."""

    name: ClassVar[str] = "yard.truck_entered"


@dataclass(frozen=True, kw_only=True)
class TruckLeftYard(YardVisitEvent):
    """A truck went out of a waiting yard: without an order (the visit ends, ``left``) or on
    its way to the gate under one (``en_route``)."""

    name: ClassVar[str] = "yard.truck_left"


@dataclass(frozen=True, kw_only=True)
class PositionShared(DomainEvent):
    """A driver shared the truck's position (published, not chained: a position is personal
    data and kept hours, not years). Carries no position: only whose stream shows the new
    arrival estimate (``enterprise_id``) and the booking it is about."""

    name: ClassVar[str] = "driver.position_shared"
    enterprise_id: str | None
    booking_id: str


@dataclass(frozen=True, kw_only=True)
class LaneChanged(DomainEvent):
    """A lane opened or closed (not a booking change; published, not chained)."""

    name: ClassVar[str] = "lane.changed"
    gate: str
    lane: str
    direction: str
    is_open: bool


@dataclass(frozen=True, kw_only=True)
class GateNoticeChanged(DomainEvent):
    """A notice posted or withdrawn, or the gate paused or resumed (published, not chained)."""

    name: ClassVar[str] = "gate.notice_changed"
    gate: str


@dataclass(frozen=True, kw_only=True)
class NoticeEvent(DomainEvent):
    """A notice posted on a gate's public board, or withdrawn from it by an officer before
    its expiry. Audited in the gate's hash chain, subject ``notice_id``: what a gate told
    the public, and who took it down when, belongs to its record. The notice's text is
    public (it is on the board); no other personal data. Recorded beside GateNoticeChanged,
    which the gates' memory follows."""

    name: ClassVar[str] = "notice.changed"
    notice_id: str
    gate: str
    gate_id: str
    from_status: str | None = None
    to_status: str | None = None
    actor: Actor = SYSTEM
    reason: str | None = None
    facts: dict[str, Fact] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class NoticePosted(NoticeEvent):
    """Facts: ``text``, ``expires_at`` (ISO 8601, UTC; None: until withdrawn)."""

    name: ClassVar[str] = "notice.posted"


@dataclass(frozen=True, kw_only=True)
class NoticeWithdrawn(NoticeEvent):
    """Facts: ``expires_at``, the expiry it was withdrawn before."""

    name: ClassVar[str] = "notice.withdrawn"


@dataclass(frozen=True, kw_only=True)
class GateRulesChanged(DomainEvent):
    """A gate's yard rules (service cycle, grace windows, call timeout) or its place changed
    (published, not chained): processes that remember the gate's row forget it
    (gate/gates/memory.py)."""

    name: ClassVar[str] = "gate.rules_changed"
    gate: str


@dataclass(frozen=True, kw_only=True)
class GateCalendarChanged(DomainEvent):
    """A schedule, an hour's capacity or a closure changed: the free places on the boards,
    and the bookings still to come in the hours it touched (outboxed as capacity.changed:
    their enterprises are told, each of its own bookings only).

    ``change``: ``schedule`` (a direction's ordinary day), ``hour`` (one hour's capacity),
    ``closure_added`` or ``closure_removed``; the partner gate's announcements (issue 18):
    ``partner_capacity``, ``partner_closure``, ``partner_withdrawn``. ``directions``: the
    directions touched (``export``, ``import``). ``starts_at``, ``ends_at``: the hours
    touched, ``[starts_at, ends_at)``, ISO 8601 in UTC, ``starts_at`` on the hour (a
    schedule: from the change's hour to the booking horizon's end). ``capacity_before``,
    ``capacity_after``: places per hour where one number says it (a schedule's ordinary
    hour, the one hour overridden; a closure added: after 0), else None. ``reason``: a
    closure's, shown on the public board too. No booking, enterprise or personal data: the
    event is the gate's."""

    name: ClassVar[str] = "gate.calendar_changed"
    gate: str
    gate_id: str
    change: str
    directions: tuple[str, ...]
    starts_at: str
    ends_at: str
    capacity_before: int | None = None
    capacity_after: int | None = None
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class WebhookEndpointDisabled(DomainEvent):
    """An enterprise's webhook endpoint was disabled by the platform: its receiver answered
    410 Gone, or a delivery failed through the whole retry schedule (``reason`` says which).
    Outboxed, so that the enterprise's managers are told (the messages' expander, by the
    channels each chose: e-mail by default, the reason in their language); the portal's
    webhooks page shows it too. Carries no URL: the endpoint's id names it to its owner."""

    name: ClassVar[str] = "webhook.endpoint_disabled"
    enterprise_id: str
    endpoint_id: str
    reason: str


class AccessChange(StrEnum):
    """How a credential ended, or what it allows shrank."""

    SESSION_ENDED = "session_ended"
    API_KEY_REVOKED = "api_key_revoked"
    DEVICE_REVOKED = "device_revoked"
    YARD_DEVICE_REVOKED = "yard_device_revoked"
    OFFICER_DISABLED = "officer_disabled"
    USER_DISABLED = "user_disabled"
    OFFICER_GATES_CHANGED = "officer_gates_changed"


@dataclass(frozen=True, kw_only=True)
class AccessChanged(DomainEvent):
    """A credential ended or what it allows shrank (published, not chained): every process
    re-checks its open streams at once and forgets a revoked key it remembers.

    ``subject_id`` is the id of the session, key, device, officer or user ``kind`` names
    (never a secret). It carries no ``gate`` nor
    ``enterprise_id`` on purpose: no board changed."""

    name: ClassVar[str] = "access.changed"
    kind: AccessChange
    subject_id: str


@dataclass(frozen=True, kw_only=True)
class BookingRebooked(BookingEvent):
    """The gate moved a booking out of an hour whose capacity fell below its bookings (issue
    18, gate/bookings/rebooking.py): ``slot_start`` the new hour, ``previous_slot_start`` the
    old; the facts say the ``cause`` (the calendar change) and ``respond_by``, until when the
    enterprise may accept or choose another hour. Outboxed: booking.rebooked."""

    name: ClassVar[str] = "booking.rebooked"
    previous_slot_start: str


@dataclass(frozen=True, kw_only=True)
class BookingRebookingAccepted(BookingEvent):
    """The enterprise accepted the gate's move of its booking: the new hour stands."""

    name: ClassVar[str] = "booking.rebooking_accepted"


@dataclass(frozen=True, kw_only=True)
class NoShowExcused(BookingEvent):
    """An officer of the gate (or the administrator) excused a booking's no-show with a
    ``reason``: it leaves the enterprise's no-show rate (gate/domain/no_shows.py). Audited in
    the gate's chain like every booking event; the status stays no_show."""

    name: ClassVar[str] = "booking.no_show_excused"
