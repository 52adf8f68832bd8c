"""Gate devices: registered by the administrator, one gate each."""

from __future__ import annotations

from datetime import datetime

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts.principal import Principal
from gate.devices import service
from gate.devices.service import DeviceKind
from gate.domain.slots import Direction
from gate.store.tables import Device
from gate.store.unit_of_work import UnitOfWork
from services.common.schemas import Input, Output, ShortText, local, local_or_none
from services.platform import Platform


class DeviceCreate(Input):
    name: ShortText
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

    @post(operation_id="registerDevice")
    async def register_device(
        self,
        code: FromPath[str],
        data: JSONBody[DeviceCreate],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
    ) -> IssuedDevice:
        principal.require_admin()
        new = service.NewDevice(data.name, data.kind, data.direction)
        device, token = await service.register_device(uow, code, new)
        return IssuedDevice(DeviceView.of(device), token)

    @get(operation_id="listDevices")
    async def list_devices(
        self,
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
    ) -> list[DeviceView]:
        principal.require_admin()
        return [DeviceView.of(d) for d in await service.list_devices(uow, code)]

    @delete("/{device_id:str}", operation_id="revokeDevice")
    async def revoke_device(
        self,
        code: FromPath[str],
        device_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
        platform: NamedDependency[Platform],
    ) -> None:
        principal.require_admin()
        await service.revoke_device(uow, code, device_id)
        # Committed before this process forgets the key, so that no check-in in between can
        # remember it again as live.
        await uow.commit()
        platform.device_keys.forget(device_id)
