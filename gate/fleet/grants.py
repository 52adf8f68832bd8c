"""Grants: a vehicle's holder (the carrier) lets a shipper book one of its trucks until an
instant. The rules are in gate/domain/holders.py; here they meet the tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select

from gate.domain.errors import AlreadyExists, NotFound, ValidationFailed
from gate.domain.events import Actor, VehicleGrantGiven, VehicleGrantRevoked
from gate.domain.holders import check_grant_until, grant_is_live
from gate.fleet.service import get_vehicle
from gate.store.tables import Enterprise, Vehicle, VehicleGrant
from gate.store.unit_of_work import UnitOfWork

REVOKED_BY_HOLDER = "revoked by the holder"


@dataclass(frozen=True, slots=True)
class NewGrant:
    vehicle_id: str
    grantee_tax_code: str
    valid_until: datetime


@dataclass(frozen=True, slots=True)
class GrantRow:
    """A grant with what its lists show: the vehicle's plate and type, and the grantee (the
    grantee's own list leaves the grantee out, and never shows the holder)."""

    grant: VehicleGrant
    plate: str
    vehicle_type: str
    grantee_name: str
    grantee_tax_code: str

    def is_live(self, at: datetime) -> bool:
        return grant_is_live(self.grant.valid_until, self.grant.revoked_at, at)


async def give_grant(
    uow: UnitOfWork, holder_id: str, new: NewGrant, now: datetime, actor: Actor
) -> GrantRow:
    """Let the enterprise with ``new.grantee_tax_code`` book the holder's vehicle until
    ``new.valid_until``. NotFound for a vehicle the holder does not hold (as for any unknown
    vehicle) or an unknown tax code; ValidationFailed for a grant to oneself or an end outside
    (now, now + GRANT_HORIZON]; AlreadyExists while the grantee has a live grant on it."""
    until = check_grant_until(new.valid_until, now)
    vehicle = await get_vehicle(uow, holder_id, new.vehicle_id)
    grantee = await uow.session.scalar(
        select(Enterprise).where(Enterprise.tax_code == new.grantee_tax_code.strip())
    )
    if grantee is None:
        raise NotFound("no enterprise with that tax code is registered", why="unknown-tax-code")
    if grantee.id == holder_id:
        raise ValidationFailed(
            "an enterprise books its own vehicles without a grant", why="own-vehicle"
        )
    live = await uow.session.scalar(
        select(VehicleGrant.id).where(
            VehicleGrant.vehicle_id == vehicle.id,
            VehicleGrant.grantee_id == grantee.id,
            VehicleGrant.holder_id == holder_id,
            VehicleGrant.revoked_at.is_(None),
            VehicleGrant.valid_until > now,
        )
    )
    if live is not None:
        # One live grant per vehicle and grantee keeps revoking simple: revoke it, grant anew.
        raise AlreadyExists(
            "that enterprise may book this vehicle already; revoke that grant first",
            why="granted-already",
        )
    grant = VehicleGrant(
        vehicle_id=vehicle.id, holder_id=holder_id, grantee_id=grantee.id, valid_until=until
    )
    uow.session.add(grant)
    await uow.session.flush()
    uow.record(
        VehicleGrantGiven(
            vehicle_id=vehicle.id,
            enterprise_id=holder_id,
            actor=actor,
            facts={
                "grant_id": grant.id,
                "grantee_id": grantee.id,
                "valid_until": until.isoformat(),
            },
        )
    )
    return GrantRow(grant, vehicle.plate, vehicle.vehicle_type, grantee.name, grantee.tax_code)


async def revoke_grant(
    uow: UnitOfWork, holder_id: str, grant_id: str, now: datetime, actor: Actor
) -> GrantRow:
    """End a grant the enterprise gave. Bookings already made under it stand; new ones are
    refused from the commit on. Revoking a revoked grant changes nothing. NotFound for a grant
    the enterprise did not give."""
    grant = await _lock_grant(uow, grant_id)
    if grant is None or grant.holder_id != holder_id:
        raise NotFound("no such grant")
    if grant.revoked_at is None:
        revoke(uow, grant, REVOKED_BY_HOLDER, now, actor)
        await uow.session.flush()
    return await _row_of(uow, grant)


def revoke(uow: UnitOfWork, grant: VehicleGrant, reason: str, now: datetime, actor: Actor) -> None:
    """Mark a locked, unrevoked grant revoked and record it (also used by transfers)."""
    grant.revoked_at = now
    grant.revoke_reason = reason
    uow.record(
        VehicleGrantRevoked(
            vehicle_id=grant.vehicle_id,
            enterprise_id=grant.holder_id,
            actor=actor,
            reason=reason,
            facts={"grant_id": grant.id, "grantee_id": grant.grantee_id},
        )
    )


async def list_given(uow: UnitOfWork, holder_id: str) -> list[GrantRow]:
    """The grants the enterprise gave, newest first (revoked and expired ones too)."""
    return await _rows(uow, VehicleGrant.holder_id == holder_id)


async def list_received(uow: UnitOfWork, grantee_id: str) -> list[GrantRow]:
    """The grants the enterprise received, newest first (revoked and expired ones too)."""
    return await _rows(uow, VehicleGrant.grantee_id == grantee_id)


async def bookable_vehicle(
    uow: UnitOfWork, enterprise_id: str, vehicle_id: str, now: datetime
) -> Vehicle:
    """The vehicle, when the enterprise may book it at ``now``: it holds it, or it has a live
    grant from its current holder. Otherwise NotFound, as for a vehicle that does not exist:
    another enterprise's truck is not revealed.

    On PostgreSQL the vehicle and the grant are read FOR KEY SHARE (what the booking's foreign
    key check takes anyway): a transfer or a revocation (FOR UPDATE) being committed makes the
    booking wait and then read the new holder or the revocation, so no booking slips past
    either. SQLite's writers are serialised already."""
    vehicle = await uow.session.scalar(
        select(Vehicle)
        .where(Vehicle.id == vehicle_id)
        .with_for_update(read=True, key_share=True)
        .execution_options(populate_existing=True)
    )
    if vehicle is None:
        raise NotFound("no such vehicle")
    if vehicle.enterprise_id == enterprise_id:
        return vehicle
    grants = await uow.session.scalars(
        select(VehicleGrant)
        .where(
            VehicleGrant.vehicle_id == vehicle.id,
            VehicleGrant.grantee_id == enterprise_id,
            # Only the current holder's grants count: a transfer ends the former holder's.
            VehicleGrant.holder_id == vehicle.enterprise_id,
        )
        .with_for_update(read=True, key_share=True)
        .execution_options(populate_existing=True)
    )
    if any(grant_is_live(g.valid_until, g.revoked_at, now) for g in grants):
        return vehicle
    raise NotFound("no such vehicle")


async def bookable_vehicles(uow: UnitOfWork, enterprise_id: str, now: datetime) -> list[Vehicle]:
    """The vehicles the enterprise may book at ``now``, by plate: its own, and those a live
    grant from their current holder lets it book."""
    granted = select(VehicleGrant.vehicle_id).where(
        VehicleGrant.grantee_id == enterprise_id,
        VehicleGrant.holder_id == Vehicle.enterprise_id,
        VehicleGrant.revoked_at.is_(None),
        VehicleGrant.valid_until > now,
    )
    query = select(Vehicle).where(
        or_(Vehicle.enterprise_id == enterprise_id, Vehicle.id.in_(granted))
    )
    return list(await uow.session.scalars(query.order_by(Vehicle.plate)))


async def _lock_grant(uow: UnitOfWork, grant_id: str) -> VehicleGrant | None:
    return await uow.session.scalar(
        select(VehicleGrant)
        .where(VehicleGrant.id == grant_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def _rows(uow: UnitOfWork, where: ColumnElement[bool]) -> list[GrantRow]:
    query = (
        select(
            VehicleGrant, Vehicle.plate, Vehicle.vehicle_type, Enterprise.name, Enterprise.tax_code
        )
        .join(Vehicle, Vehicle.id == VehicleGrant.vehicle_id)
        .join(Enterprise, Enterprise.id == VehicleGrant.grantee_id)
        .where(where)
        .order_by(VehicleGrant.created_at.desc(), VehicleGrant.id)
    )
    return [GrantRow(*row) for row in (await uow.session.execute(query)).all()]


async def _row_of(uow: UnitOfWork, grant: VehicleGrant) -> GrantRow:
    rows = await _rows(uow, VehicleGrant.id == grant.id)
    return rows[0]
