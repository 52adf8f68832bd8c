"""Recognising device keys without a database round trip per camera read.

A busy gate's cameras send hundreds of check-ins a minute with the same few keys: a check-in
request recognises its device from memory (gate/accounts/memory.py) and needs no connection.

When a key's memory runs out (every few seconds), the camera's requests in flight all miss at
once; one of them looks the key up and the others wait for its answer. Each asked on its own:
a connection and a query apiece, past the pool's size at a busy gate (a connection opened for
the burst and closed after it, its prepared statements with it), every few seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from gate.accounts import credentials
from gate.accounts.memory import KeyMemory
from gate.devices.service import DEVICE_KEY_PREFIX, device_for_token
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class KnownDevice:
    """What a check-in needs to know about the device that sent it."""

    device_id: str
    gate_id: str
    gate_code: str


class DeviceKeys:
    def __init__(self, memory: KeyMemory[KnownDevice] | None = None) -> None:
        self.memory = memory or KeyMemory()

    async def recognise(self, token: str, reading: Callable[[], UnitOfWork]) -> KnownDevice | None:
        """The live device ``token`` belongs to, or None; ``reading`` opens a read-only unit
        of work for when the key is not remembered (one lookup per key at a time)."""
        if credentials.split_token(token, DEVICE_KEY_PREFIX) is None:
            return None
        remembered = self.memory.recall(token)
        if remembered is not None:
            return remembered
        async with self.memory.one_lookup(token):
            # Looked up by the request this one waited for (unless it found no device, or
            # failed: then this one asks again).
            remembered = self.memory.recall(token)
            if remembered is not None:
                return remembered
            return await self._look_up(token, reading)

    async def _look_up(self, token: str, reading: Callable[[], UnitOfWork]) -> KnownDevice | None:
        async with reading() as uow:
            device = await device_for_token(uow, token)
            if device is None:
                self.memory.drop(token)
                return None
            gate_code = await uow.session.scalar(select(Gate.code).where(Gate.id == device.gate_id))
            assert gate_code is not None
            known = KnownDevice(device.id, device.gate_id, gate_code)
        self.memory.remember(token, known.device_id, known)
        return known

    def forget(self, device_id: str) -> None:
        """A revoked device: its key stops working in this process now."""
        self.memory.forget(device_id)
