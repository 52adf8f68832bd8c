"""Amending a booking's declaration until check-in, and reading its versions (issue 18;
the rules: gate/domain/declarations.py; docs/architecture.md, "Declarations and their
versions"). Services flush; the request boundary commits.

Version 1 is the declaration made with the booking. It is stored as a row only when the
booking is first amended (beside version 2), from the booking's columns as they were then,
with the booking's creation time and its creator from the audit log: a booking never amended
has no row and its one version is its own columns. So booking stays as cheap as before (the
rush books hundreds a second) and the existing bookings needed no copy in the migration."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from gate.bookings.service import Cargo, checked_cargo, gate_of, lock_booking
from gate.bookings.transitions import event_fields
from gate.domain import bookings as rules
from gate.domain.bookings import BookingStatus
from gate.domain.declarations import (
    Declaration,
    DeclarationAmended,
    FieldChange,
    changes,
    check_can_amend,
)
from gate.domain.errors import NotFound, ValidationFailed
from gate.domain.events import Actor
from gate.fleet.service import get_driver
from gate.store.tables import AuditLogEntry, Booking, BookingDeclaration, Driver
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Amendment:
    """The declaration as the enterprise wants it now: the whole of it (a field left out of
    an amendment would be ambiguous between "unchanged" and "removed")."""

    cargo: Cargo
    driver_id: str


@dataclass(frozen=True, slots=True)
class DeclarationVersion:
    """One version of a booking's declaration: its number (1 the first), the declaration
    as it became, who declared it (the audit log's actor kind, id and role) and when (UTC),
    and ``changed``, the fields that differ from the version before (none for version 1)."""

    version: int
    declaration: Declaration
    actor_kind: str
    actor_id: str | None
    role: str | None
    declared_at: datetime
    changed: tuple[FieldChange, ...]


def declaration_of(booking: Booking) -> Declaration | None:
    """The booking's current declaration, from its columns; None for a walk-in, which
    declared nothing in advance."""
    if booking.cargo_description is None or booking.weight_kg is None:
        return None
    return Declaration(
        cargo_description=booking.cargo_description,
        weight_kg=booking.weight_kg,
        perishable=booking.perishable,
        hs_code=booking.hs_code,
        declaration_number=booking.declaration_number,
        driver_id=booking.driver_id,
        spoil_by=booking.spoil_by,
    )


async def amend_declaration(
    uow: UnitOfWork,
    enterprise_id: str,
    booking_id: str,
    amendment: Amendment,
    expected_version: int,
    actor: Actor,
    now: datetime,
) -> Booking:
    """Amend the enterprise's own booking's declaration: the booking's columns become the
    new declaration, a new version is stored, the booking's version goes up by one and a
    ``DeclarationAmended`` is recorded (audited). Refused, changing nothing: NotFound for
    another enterprise's booking or driver; InvalidTransition (why ``amend-after-check-in``
    or ``not-amendable``) unless booked, whatever the version; VersionConflict when
    ``expected_version`` is not the booking's; ValidationFailed for a malformed HS code,
    declaration number or weight (as at booking: gate/domain/cargo.py) or an amendment that
    changes nothing (why ``declaration-unchanged``)."""
    booking = await lock_booking(uow, booking_id)
    if booking is None or booking.enterprise_id != enterprise_id:
        raise NotFound("no such booking")
    # The state first: after check-in no version would do, and the form read before it
    # should say so rather than "changed meanwhile".
    check_can_amend(BookingStatus(booking.status))
    rules.check_version(booking.version, expected_version)
    after, changed = amended_declaration(booking, amendment, now)
    await get_driver(uow, enterprise_id, amendment.driver_id)  # NotFound unless our own
    before = declaration_of(booking)
    latest = await latest_version(uow, booking.id)
    if latest == 0 and before is not None:
        uow.session.add(await _first_version(uow, booking, before))
        latest = 1
    uow.session.add(_version_row(booking.id, latest + 1, after, actor, now))
    _apply(booking, after)
    booking.version += 1
    await uow.session.flush()
    uow.record(
        DeclarationAmended(
            **event_fields(booking, await gate_of(uow, booking)),
            from_status=booking.status,
            to_status=booking.status,
            actor=actor,
            facts={
                "declaration_version": latest + 1,
                "changed": ",".join(change.field for change in changed),
            },
        )
    )
    return booking


def amended_declaration(
    booking: Booking, amendment: Amendment, now: datetime
) -> tuple[Declaration, list[FieldChange]]:
    """The declaration ``amendment`` makes of ``booking``'s, normalised as at booking, and
    the fields it changes; no database (the portal asks it before its form is acted on, to
    say a refusal in the page's words). InvalidTransition unless booked; ValidationFailed
    for a malformed HS code, declaration number or weight, or for no change (why
    ``declaration-unchanged``), and for a spoil-by refused as at booking (on cargo not
    perishable, past at ``now``, before the booked hour, too far ahead). The driver's
    ownership is the caller's to check."""
    check_can_amend(BookingStatus(booking.status))
    cargo = checked_cargo(amendment.cargo, now=now, slot_start=booking.slot_start)
    after = Declaration(
        cargo.description,
        cargo.weight_kg,
        cargo.perishable,
        cargo.hs_code,
        cargo.declaration_number,
        amendment.driver_id,
        cargo.spoil_by,
    )
    before = declaration_of(booking)
    changed = changes(before, after) if before is not None else []
    if before is not None and not changed:
        raise ValidationFailed(
            "the amendment changes nothing in the declaration", why="declaration-unchanged"
        )
    return after, changed


async def declaration_versions(uow: UnitOfWork, booking: Booking) -> list[DeclarationVersion]:
    """Every version of the booking's declaration, oldest first, each with what changed
    from the one before; a never amended booking's one version from its columns; none for a
    walk-in."""
    return (await versions_of(uow, [booking.id])).get(booking.id) or await _only_version(
        uow, booking
    )


async def versions_of(
    uow: UnitOfWork, booking_ids: Collection[str]
) -> dict[str, list[DeclarationVersion]]:
    """The stored versions of each of ``booking_ids`` that was amended (the others are left
    out: their one version is their columns), oldest first with their changes. One
    statement, whatever the number of bookings (the console shows its whole yard part)."""
    if not booking_ids:
        return {}
    rows = await uow.session.scalars(
        select(BookingDeclaration)
        .where(BookingDeclaration.booking_id.in_(sorted(set(booking_ids))))
        .order_by(BookingDeclaration.booking_id, BookingDeclaration.version)
    )
    versions: dict[str, list[DeclarationVersion]] = {}
    for row in rows:
        shown = versions.setdefault(row.booking_id, [])
        declaration = _declaration_of_row(row)
        changed = changes(shown[-1].declaration, declaration) if shown else []
        shown.append(
            DeclarationVersion(
                row.version,
                declaration,
                row.actor_kind,
                row.actor_id,
                row.role,
                row.declared_at,
                tuple(changed),
            )
        )
    return versions


async def driver_names(uow: UnitOfWork, versions: list[DeclarationVersion]) -> dict[str, str]:
    """The full names of the drivers ``versions`` name, by driver id: for the enterprise's
    own pages and the officers only (a driver's name is personal data)."""
    ids = {v.declaration.driver_id for v in versions if v.declaration.driver_id is not None}
    if not ids:
        return {}
    rows = await uow.session.execute(
        select(Driver.id, Driver.full_name).where(Driver.id.in_(sorted(ids)))
    )
    return {driver_id: name for driver_id, name in rows}


async def _only_version(uow: UnitOfWork, booking: Booking) -> list[DeclarationVersion]:
    declaration = declaration_of(booking)
    if declaration is None:
        return []
    first = await _first_version(uow, booking, declaration)
    return [
        DeclarationVersion(
            1, declaration, first.actor_kind, first.actor_id, first.role, first.declared_at, ()
        )
    ]


async def latest_version(uow: UnitOfWork, booking_id: str) -> int:
    """The highest stored version of the booking's declaration; 0 when none is stored (never
    amended: its one version is its columns)."""
    latest = await uow.session.scalar(
        select(func.max(BookingDeclaration.version)).where(
            BookingDeclaration.booking_id == booking_id
        )
    )
    return latest or 0


async def _first_version(
    uow: UnitOfWork, booking: Booking, declaration: Declaration
) -> BookingDeclaration:
    """Version 1 as a row: the declaration made with the booking, at its creation, by the
    actor the audit log names for its ``booking.created`` (the enterprise itself when that
    entry is not there, as for a booking made before the audit log kept actors)."""
    creator = (
        await uow.session.execute(
            select(AuditLogEntry.actor_kind, AuditLogEntry.actor_id, AuditLogEntry.role)
            .where(
                AuditLogEntry.subject_id == booking.id,
                AuditLogEntry.event == "booking.created",
            )
            .limit(1)
        )
    ).first()
    actor = (
        Actor(creator.actor_kind, creator.actor_id, creator.role)
        if creator is not None
        else Actor("enterprise", booking.enterprise_id, "enterprise")
    )
    return _version_row(booking.id, 1, declaration, actor, booking.created_at)


def _version_row(
    booking_id: str, version: int, declaration: Declaration, actor: Actor, at: datetime
) -> BookingDeclaration:
    return BookingDeclaration(
        booking_id=booking_id,
        version=version,
        cargo_description=declaration.cargo_description,
        weight_kg=declaration.weight_kg,
        perishable=declaration.perishable,
        hs_code=declaration.hs_code,
        declaration_number=declaration.declaration_number,
        driver_id=declaration.driver_id,
        spoil_by=declaration.spoil_by,
        actor_kind=actor.kind,
        actor_id=actor.id,
        role=actor.role,
        declared_at=at,
    )


def _declaration_of_row(row: BookingDeclaration) -> Declaration:
    return Declaration(
        row.cargo_description,
        row.weight_kg,
        row.perishable,
        row.hs_code,
        row.declaration_number,
        row.driver_id,
        row.spoil_by,
    )


def _apply(booking: Booking, declaration: Declaration) -> None:
    """The booking's columns hold the current declaration (the check-in and the console
    read them)."""
    booking.cargo_description = declaration.cargo_description
    booking.weight_kg = declaration.weight_kg
    booking.perishable = declaration.perishable
    booking.hs_code = declaration.hs_code
    booking.declaration_number = declaration.declaration_number
    booking.driver_id = declaration.driver_id
    if booking.spoil_by != declaration.spoil_by:
        # A new deadline is a new risk: the sweep may tell it once more.
        booking.spoil_risk_told_at = None
    booking.spoil_by = declaration.spoil_by
