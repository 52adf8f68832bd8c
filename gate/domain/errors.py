"""Domain errors. Each carries a stable ``code``; the web layer maps codes to problem types.

A refusal may carry ``why`` too: a stable code of this very reason, finer than the class's
(``slot-past`` for an InvalidSlot), so that a page can say it in its own language
(``services/web/page_words.py``), and ``why_value``, the one number its words name (a length
limit); ``detail`` stays the developers' English for API clients. Neither is part of the
problem body: the API's types stay as documented."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain refused what was asked."""

    code = "domain-error"
    title = "The request breaks a rule of the platform"

    def __init__(
        self,
        detail: str = "",
        *,
        why: str | None = None,
        why_value: int | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.why = why
        self.why_value = why_value
        self.extensions = extensions


class ValidationFailed(DomainError):
    code = "validation"
    title = "The request is not valid"


class InvalidPlate(ValidationFailed):
    code = "invalid-plate"
    title = "Not a valid vehicle plate"


class InvalidSlot(ValidationFailed):
    code = "invalid-slot"
    title = "Not a bookable slot"


class NotFound(DomainError):
    code = "not-found"
    title = "Not found"


class Conflict(DomainError):
    code = "conflict"
    title = "The request conflicts with the current state"


class SlotFull(Conflict):
    code = "slot-full"
    title = "The slot has no free place"


class SlotClosed(Conflict):
    code = "slot-closed"
    title = "The gate is closed in that slot"


class PlateAlreadyBooked(Conflict):
    code = "plate-already-booked"
    title = "The vehicle already has an active booking"


class VehicleHeldByAnother(Conflict):
    """The plate is registered to another enterprise. Which one is never said: a plate is no
    key to another enterprise's fleet. The way out is the administration's transfer."""

    code = "vehicle-held-by-another"
    title = "Another enterprise holds this vehicle"


class RegistrationMismatch(Conflict):
    code = "registration-mismatch"
    title = "The registration certificate number is not the vehicle's"


class VersionConflict(Conflict):
    code = "version-conflict"
    title = "The resource was changed by someone else"


class InvalidTransition(Conflict):
    code = "invalid-transition"
    title = "That change is not allowed in the current state"


class AlreadyExists(Conflict):
    code = "already-exists"
    title = "It exists already"


class LaneOccupied(Conflict):
    """A truck called to the lane, or under inspection there, has not left it: one truck per
    lane, unless the officer forces the call (audited as forced)."""

    code = "lane-occupied"
    title = "The lane already has a truck"


class BookingsAboveCapacity(Conflict):
    """An hour's new capacity is below the bookings it already holds, and the change was not
    confirmed. The bookings would stay booked (nothing moves them yet): the officer confirms
    knowing that. ``booked``: the hour's active bookings; ``capacity``: the new capacity."""

    code = "bookings-above-capacity"
    title = "The hour has more bookings than the new capacity"

    def __init__(self, detail: str, booked: int, capacity: int) -> None:
        super().__init__(detail, booked=booked, capacity=capacity)
        self.booked = booked
        self.capacity = capacity


class IdempotencyKeyReused(DomainError):
    code = "idempotency-key-reused"
    title = "The Idempotency-Key was used before with another request"


class EventIdReused(DomainError):
    """A device sent an ``event_id`` it had used before for another event (another plate,
    booking code, observed time or other field): a camera whose counter restarted, say. The
    first event's answer belongs to the first truck, so this one is refused, not replayed."""

    code = "event-id-reused"
    title = "The device used this event_id before for another event"


class Unauthorised(DomainError):
    code = "unauthorised"
    title = "Authentication is required"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Not allowed for this account"


class TooManyRequests(DomainError):
    """A rate limit refused the request (sign-in attempts, booking writes). ``retry_after``
    is the whole number of seconds (at least 1) after which the limit has room again."""

    code = "too-many-requests"
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)
