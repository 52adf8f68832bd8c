"""Recognising device keys without a database round trip per camera read.

A busy gate's cameras send hundreds of check-ins a minute with the same few keys; looking
each key up again costs a connection and a query per read. A recognised key is remembered
by this process for a few seconds (as the SHA-256 of the key, never the key itself). A key
revoked through this process is forgotten at once; other processes stop accepting it when
their memory of it runs out, within ``ttl`` seconds.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from gate.accounts import credentials
from gate.devices.service import DEVICE_KEY_PREFIX, device_for_token
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork

DEFAULT_TTL_S = 5.0
# Far more keys than any deployment has devices; past it the memory starts again, so a flood
# of different valid keys cannot grow it.
MAX_KEYS = 10_000


@dataclass(frozen=True, slots=True)
class KnownDevice:
    """What a check-in needs to know about the device that sent it."""

    device_id: str
    gate_id: str
    gate_code: str


class DeviceKeys:
    def __init__(
        self, ttl: float = DEFAULT_TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._known: dict[bytes, tuple[KnownDevice, float]] = {}

    async def recognise(self, token: str, reading: Callable[[], UnitOfWork]) -> KnownDevice | None:
        """The live device ``token`` belongs to, or None; ``reading`` opens a read-only unit
        of work for when the key is not remembered."""
        if credentials.split_token(token, DEVICE_KEY_PREFIX) is None:
            return None
        key = hashlib.sha256(token.encode()).digest()
        remembered = self._known.get(key)
        if remembered is not None and remembered[1] > self._clock():
            return remembered[0]
        async with reading() as uow:
            device = await device_for_token(uow, token)
            if device is None:
                self._known.pop(key, None)
                return None
            gate_code = await uow.session.scalar(select(Gate.code).where(Gate.id == device.gate_id))
            assert gate_code is not None
            known = KnownDevice(device.id, device.gate_id, gate_code)
        if len(self._known) >= MAX_KEYS:
            self._known.clear()
        self._known[key] = (known, self._clock() + self.ttl)
        return known

    def forget(self, device_id: str) -> None:
        """A revoked device: its key stops working in this process now."""
        for key, (known, _) in list(self._known.items()):
            if known.device_id == device_id:
                del self._known[key]
