"""Registering gate devices and recognising their keys."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select

from gate.accounts import credentials
from gate.domain.errors import NotFound
from gate.domain.events import AccessChange, AccessChanged
from gate.domain.slots import Direction
from gate.domain.time import utc_now
from gate.gates.calendar import gate_by_code
from gate.store.tables import Device
from gate.store.unit_of_work import UnitOfWork

DEVICE_KEY_PREFIX = "gd"


class DeviceKind(StrEnum):
    LPR_CAMERA = "lpr_camera"  # reads plates at a yard entrance
    KIOSK = "kiosk"  # scans a booking's QR code, or takes it typed by the driver


@dataclass(frozen=True, slots=True)
class NewDevice:
    name: str
    kind: DeviceKind
    direction: Direction | None


async def register_device(uow: UnitOfWork, gate_code: str, new: NewDevice) -> tuple[Device, str]:
    """A device of one gate and its key (returned once, stored hashed)."""
    gate = await gate_by_code(uow, gate_code)
    issued = credentials.issue(DEVICE_KEY_PREFIX)
    device = Device(
        gate_id=gate.id,
        name=new.name,
        kind=new.kind.value,
        direction=new.direction.value if new.direction else None,
        lookup=issued.lookup,
        secret_hash=issued.hash,
    )
    uow.session.add(device)
    await uow.session.flush()
    return device, issued.token


async def list_devices(uow: UnitOfWork, gate_code: str) -> list[Device]:
    gate = await gate_by_code(uow, gate_code)
    query = select(Device).where(Device.gate_id == gate.id).order_by(Device.created_at)
    return list(await uow.session.scalars(query))


async def revoke_device(uow: UnitOfWork, gate_code: str, device_id: str) -> None:
    gate = await gate_by_code(uow, gate_code)
    device = await uow.session.get(Device, device_id)
    if device is None or device.gate_id != gate.id:
        raise NotFound("no such device")
    if device.revoked_at is None:
        device.revoked_at = utc_now()
        await uow.session.flush()
        # Every process forgets the key it remembers (gate/devices/keys.py) on this event.
        uow.record(AccessChanged(kind=AccessChange.DEVICE_REVOKED, subject_id=device.id))


async def device_for_token(uow: UnitOfWork, token: str) -> Device | None:
    """The live device a key belongs to, or None."""
    parts = credentials.split_token(token, DEVICE_KEY_PREFIX)
    if parts is None:
        return None
    device = await uow.session.scalar(select(Device).where(Device.lookup == parts[0]))
    if device is None or device.revoked_at is not None:
        return None
    return device if credentials.secret_matches(parts[1], device.secret_hash) else None
