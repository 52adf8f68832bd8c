"""A waiting yard's devices: cameras and kiosks at its entrance or exit, each with its own
key. The keys are made, stored and checked as a gate device's are (``gate.accounts.credentials``:
a token shown once, only its SHA-256 kept) under a prefix of their own (``yd``), so a yard's
key is never taken for a gate's; a recognised key is remembered as an API key is
(``gate/accounts/memory.py``, by ``gate.authentication``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from gate.accounts import credentials
from gate.devices.service import DeviceKind
from gate.domain.errors import NotFound, ValidationFailed
from gate.domain.events import AccessChange, AccessChanged
from gate.domain.slots import Direction
from gate.domain.time import utc_now
from gate.domain.yards import YardWatch
from gate.store.tables import Gate, Yard, YardDevice
from gate.store.unit_of_work import UnitOfWork
from gate.yards.service import gate_ids_of

YARD_DEVICE_KEY_PREFIX = "yd"


@dataclass(frozen=True, slots=True)
class NewYardDevice:
    """A device to register: what it is, what it ``watches`` (entry or exit), and where a
    walk-in it reads is heading: ``gate_code`` with its ``direction``, or ``direction`` alone
    at a yard serving one gate, or neither (walk-ins are then refused at that device)."""

    name: str
    kind: DeviceKind
    watches: YardWatch
    gate_code: str | None = None
    direction: Direction | None = None


async def register_yard_device(
    uow: UnitOfWork, yard: Yard, new: NewYardDevice
) -> tuple[YardDevice, str]:
    """A device of ``yard`` and its key (returned once, stored hashed). ValidationFailed
    (422) for a gate without a direction, or a gate the yard does not
    serve."""
    if new.gate_code is not None and new.direction is None:
        raise ValidationFailed("a gate needs its direction (export or import)", field="direction")
    gate_id = None
    if new.gate_code is not None:
        gate_id = await uow.session.scalar(select(Gate.id).where(Gate.code == new.gate_code))
        if gate_id is None or gate_id not in await gate_ids_of(uow, yard.id):
            raise ValidationFailed(f"the yard serves no gate {new.gate_code!r}", field="gate")
    issued = credentials.issue(YARD_DEVICE_KEY_PREFIX)
    device = YardDevice(
        yard_id=yard.id,
        name=new.name,
        kind=new.kind.value,
        watches=new.watches.value,
        gate_id=gate_id,
        direction=new.direction.value if new.direction else None,
        lookup=issued.lookup,
        secret_hash=issued.hash,
    )
    uow.session.add(device)
    await uow.session.flush()
    return device, issued.token


async def list_yard_devices(uow: UnitOfWork, yard: Yard) -> list[YardDevice]:
    """The yard's devices, revoked ones included, oldest first."""
    query = select(YardDevice).where(YardDevice.yard_id == yard.id)
    return list(await uow.session.scalars(query.order_by(YardDevice.created_at)))


async def revoke_yard_device(uow: UnitOfWork, yard: Yard, device_id: str) -> None:
    """Revoke a device's key (NotFound for a device of another yard); every process forgets
    it on the ``AccessChanged`` event published after commit."""
    device = await uow.session.get(YardDevice, device_id)
    if device is None or device.yard_id != yard.id:
        raise NotFound("no such device")
    if device.revoked_at is None:
        device.revoked_at = utc_now()
        await uow.session.flush()
        uow.record(AccessChanged(kind=AccessChange.YARD_DEVICE_REVOKED, subject_id=device.id))


async def yard_device_for_token(uow: UnitOfWork, token: str) -> YardDevice | None:
    """The live yard device a key belongs to, or None."""
    parts = credentials.split_token(token, YARD_DEVICE_KEY_PREFIX)
    if parts is None:
        return None
    device = await uow.session.scalar(select(YardDevice).where(YardDevice.lookup == parts[0]))
    if device is None or device.revoked_at is not None:
        return None
    return device if credentials.secret_matches(parts[1], device.secret_hash) else None
