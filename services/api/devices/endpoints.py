"""Gate devices: registered by the administrator, one gate each."""

from __future__ import annotations

from datetime import datetime

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts.permissions import Action, require
from gate.devices import service
from gate.devices.service import DeviceKind
from gate.domain.slots import Direction
from gate.store.tables import Device
from gate.store.unit_of_work import UnitOfWork
from services.common.contract import ADMIN, documented
from services.common.dependencies import Caller
from services.common.schemas import DeviceName, Input, Output, local, local_or_none
from services.platform import Platform


class DeviceCreate(Input):
    name: DeviceName
    kind: DeviceKind
    direction: Direction | None = None


class DeviceView(Output):
    id: str
    name: str
    kind: str
    direction: str | None
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: Device) -> DeviceView:
        return cls(
            row.id,
            row.name,
            row.kind,
            row.direction,
            local(row.created_at),
            local_or_none(row.revoked_at),
        )


class IssuedDevice(Output):
    """The device's key is in this answer and never again."""

    device: DeviceView
    token: str


class DeviceController(Controller):
    path = "/gates/{code:str}/devices"
    tags = ["devices"]

    @post(
        operation_id="registerDevice",
        **documented("Register a gate device", credentials=[ADMIN], problems=["not-found"]),
    )
    async def register_device(
        self,
        code: FromPath[str],
        data: JSONBody[DeviceCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> IssuedDevice:
        """Register a camera or kiosk at a gate; its key (in this answer only) signs its
        check-ins."""
        require(principal, Action.ISSUE_DEVICE_KEYS)
        new = service.NewDevice(data.name, data.kind, data.direction)
        device, token = await service.register_device(uow, code, new)
        return IssuedDevice(DeviceView.of(device), token)

    @get(
        operation_id="listDevices",
        **documented("List a gate's devices", credentials=[ADMIN], problems=["not-found"]),
    )
    async def list_devices(
        self,
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> list[DeviceView]:
        """The gate's devices, revoked ones included; never their keys."""
        require(principal, Action.ISSUE_DEVICE_KEYS)
        return [DeviceView.of(d) for d in await service.list_devices(uow, code)]

    @delete(
        "/{device_id:str}",
        operation_id="revokeDevice",
        **documented("Revoke a device", credentials=[ADMIN], problems=["not-found"]),
    )
    async def revoke_device(
        self,
        code: FromPath[str],
        device_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> None:
        """Revoke a device's key: its check-ins are refused from now on."""
        require(principal, Action.ISSUE_DEVICE_KEYS)
        await service.revoke_device(uow, code, device_id)
        # Committed before this process forgets the key, so that no check-in in between can
        # remember it again as live.
        await uow.commit()
        platform.device_keys.forget(device_id)
