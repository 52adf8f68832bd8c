"""A waiting yard's devices: the cameras and kiosks at its entrance and exit, and their keys
(registered, listed, revoked by the yard's manager)."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts.permissions import Action, require
from gate.store.unit_of_work import UnitOfWork
from gate.yards import devices, service
from services.api.yards.schemas import IssuedYardDevice, YardDeviceCreate, YardDeviceView
from services.common.contract import YARD_MANAGER, documented
from services.common.dependencies import Caller
from services.platform import Platform


class YardDevicesController(Controller):
    path = "/yards/{code:str}/devices"
    tags = ["waiting yards"]

    @post(
        operation_id="registerYardDevice",
        **documented("Register a yard device", credentials=[YARD_MANAGER], problems=["not-found"]),
    )
    async def register(
        self,
        code: FromPath[str],
        data: JSONBody[YardDeviceCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> IssuedYardDevice:
        """A camera or kiosk at the yard's entrance or exit; its key (in this answer only)
        signs its check-ins."""
        yard, context = await service.yard_in_context(uow, code)
        require(principal, Action.ISSUE_YARD_DEVICE_KEYS, context)
        new = devices.NewYardDevice(data.name, data.kind, data.watches, data.gate, data.direction)
        device, token = await devices.register_yard_device(uow, yard, new)
        return IssuedYardDevice(YardDeviceView.of(device), token)

    @get(
        operation_id="listYardDevices",
        **documented("List a yard's devices", credentials=[YARD_MANAGER], problems=["not-found"]),
    )
    async def list_devices(
        self, code: FromPath[str], uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> list[YardDeviceView]:
        """The yard's devices, revoked ones included; never their keys."""
        yard, context = await service.yard_in_context(uow, code)
        require(principal, Action.ISSUE_YARD_DEVICE_KEYS, context)
        return [YardDeviceView.of(d) for d in await devices.list_yard_devices(uow, yard)]

    @delete(
        "/{device_id:str}",
        operation_id="revokeYardDevice",
        **documented("Revoke a yard device", credentials=[YARD_MANAGER], problems=["not-found"]),
    )
    async def revoke(
        self,
        code: FromPath[str],
        device_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> None:
        """Revoke a device's key: its check-ins are refused from now on."""
        yard, context = await service.yard_in_context(uow, code)
        require(principal, Action.ISSUE_YARD_DEVICE_KEYS, context)
        await devices.revoke_yard_device(uow, yard, device_id)
        # Committed before this process forgets the key, so no check-in in between can
        # remember it again as live.
        await uow.commit()
        platform.api_keys.forget(device_id)
