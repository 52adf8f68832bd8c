"""A booking's declaration (khai báo) and its versions (issue 18, "Declare once, amend with
history"): the cargo, its weight, whether it is perishable, its HS code, the customs
declaration number and the driver, declared with the booking (version 1) and amended by the
enterprise until its truck checks in, each amendment a new version kept with who and when.

The rules here are pure: what a declaration holds (``Declaration``), which fields changed
between two versions (``changes``), who may still amend (``check_can_amend``) and the audited
event of an amendment (``DeclarationAmended``). Storing the versions:
gate/bookings/declarations.py; docs/architecture.md, "Declarations and their versions"."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import ClassVar

from gate.domain.bookings import BookingStatus
from gate.domain.errors import InvalidTransition
from gate.domain.events import BookingEvent

# A booking that ended without its truck ever checking in: nothing left to declare for.
_ENDED_UNARRIVED = frozenset({BookingStatus.CANCELLED, BookingStatus.NO_SHOW})


@dataclass(frozen=True, slots=True)
class Declaration:
    """A declaration as it stands in one version: the cargo's description, its weight in
    kilograms, the perishable flag, the HS code (digits only) and the 12-digit VNACCS
    declaration number (each as gate/domain/cargo.py normalises them, None when not
    declared), the driver's id (one of the enterprise's drivers) and, for perishable cargo,
    the instant it spoils by (UTC; None when not declared: docs/architecture.md,
    "Perishables first by deadline")."""

    cargo_description: str
    weight_kg: float
    perishable: bool
    hs_code: str | None
    declaration_number: str | None
    driver_id: str | None
    spoil_by: datetime | None = None


# The fields in the order pages and answers list them.
FIELDS: tuple[str, ...] = tuple(each.name for each in fields(Declaration))


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of a declaration changed from ``before`` to ``after`` between two versions
    (the field's stored values: a driver by id, a weight in kilograms)."""

    field: str
    before: str | float | bool | datetime | None
    after: str | float | bool | datetime | None


def changes(before: Declaration, after: Declaration) -> list[FieldChange]:
    """The fields that differ between two versions, in ``FIELDS`` order; empty when none."""
    return [
        FieldChange(name, getattr(before, name), getattr(after, name))
        for name in FIELDS
        if getattr(before, name) != getattr(after, name)
    ]


def check_can_amend(status: BookingStatus) -> None:
    """A declaration is amended only while its booking is booked: from check-in on, the
    officers decide on the declaration as the truck brought it (the queue class, the agencies
    it needs), so a later change would change what they already acted on. InvalidTransition
    with why ``amend-after-check-in`` for a truck that checked in (whatever became of it
    since), ``not-amendable`` for a booking cancelled or missed before that."""
    if status is BookingStatus.BOOKED:
        return
    why = "not-amendable" if status in _ENDED_UNARRIVED else "amend-after-check-in"
    raise InvalidTransition(
        f"the booking is {status.value}: its declaration cannot be amended", why=why
    )


@dataclass(frozen=True, kw_only=True)
class DeclarationAmended(BookingEvent):
    """A booking's declaration amended: ``facts`` hold the new version's number
    (``declaration_version``) and the names of the fields changed (``changed``, comma
    separated), never their values: a declaration number or a driver is personal data and
    the event travels on the bus (docs/architecture.md, "Declarations and their versions").
    Audited in the gate's chain as every booking event."""

    name: ClassVar[str] = "booking.declaration_amended"
