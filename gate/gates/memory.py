"""Gate rows remembered per process for the hot paths (issue 20): a check-in batch and a
booking read their gate's row (grace windows, service cycle, paused) without a query.

A row is forgotten when its gate changes (``forget``, called for ``GATE_CHANGES`` heard from
any process: the bus carries them) and in any case ``ttl_s`` after it was read: a process that
missed the event (Redis away: events lost then are not replayed, gate/live/service.py) uses a
stale row for at most that long, as a device key is remembered (gate/accounts/memory.py). A
gate's id and code never change and gates are never deleted.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached

from gate.domain.errors import NotFound
from gate.domain.events import GateNoticeChanged, GateRulesChanged
from gate.gates.calendar import gate_by_code
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork

# The events after which a gate's row differs: paused or resumed (with the notices), yard
# rules or place changed. A calendar change touches its hours and slots, not the row.
GATE_CHANGES = frozenset({GateNoticeChanged.name, GateRulesChanged.name})
TTL_S = 5.0
_COLUMNS = tuple(attribute.key for attribute in inspect(Gate).column_attrs)


class GateMemory:
    """Gate rows by id (and ids by code), each for ``ttl_s`` seconds of ``clock``."""

    def __init__(self, ttl_s: float = TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._rows: dict[str, tuple[float, Gate]] = {}
        self._ids: dict[str, str] = {}

    async def by_id(self, uow: UnitOfWork, gate_id: str) -> Gate:
        """The gate ``gate_id`` as a row of ``uow``'s session (changes to it are flushed as
        to any row), from memory when it holds it; NotFound when there is none."""
        held = self._rows.get(gate_id)
        if held is not None and self.clock() < held[0]:
            # Into the session as loaded, without a query (the row is a clean copy).
            return await uow.session.merge(held[1], load=False)
        gate = await uow.session.get(Gate, gate_id)
        if gate is None:
            raise NotFound("no such gate")
        self._remember(gate)
        return gate

    async def by_code(self, uow: UnitOfWork, code: str) -> Gate:
        """The gate with ``code``, as ``by_id``; NotFound for an unknown code (gate_by_code's
        refusals)."""
        gate_id = self._ids.get(code)
        if gate_id is not None:
            return await self.by_id(uow, gate_id)
        gate = await gate_by_code(uow, code)
        self._remember(gate)
        return gate

    def forget(self, gate: str) -> None:
        """Forget the gate with this code or id (it changed)."""
        self._rows.pop(self._ids.get(gate, gate), None)

    def _remember(self, gate: Gate) -> None:
        copy = Gate(**{key: getattr(gate, key) for key in _COLUMNS})
        make_transient_to_detached(copy)
        self._rows[gate.id] = (self.clock() + self.ttl_s, copy)
        self._ids[gate.code] = gate.id
