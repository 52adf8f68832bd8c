"""Full slots remembered per process (issue 20, "a rush decided together"): once a slot has no
free place, the attempts on it are refused without reading or locking its row until a place
may have been freed.

A slot is forgotten when an event that can free a place in its gate is heard (``heard``,
called for every event the process learns of, its own included: gate/live/service.py) and in
any case ``ttl_s`` after it was found full: a process that missed the event (Redis away:
events lost then are not replayed) refuses for at most that long while a place is free, as a
gate row is remembered (gate/gates/memory.py). Places are freed by a cancellation, a
reschedule (its former slot), a lapsed booking (no-show, a missed dispatch order, an expired
queue entry: gate/bookings/sweeps.py, gate/dispatch/sweeps.py, gate/checkins/moves.py,
gate/yard/service.py) and a calendar change (capacity raised, a closure lifted:
gate/gates/calendar.py); each records one of ``FREEING`` with the gate's id.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from gate.domain.events import (
    BookingCancelled,
    BookingLapsed,
    BookingRescheduled,
    GateCalendarChanged,
)

# The events after which a gate may have a free place where it had none.
FREEING = frozenset(
    {BookingCancelled.name, BookingRescheduled.name, BookingLapsed.name, GateCalendarChanged.name}
)
TTL_S = 1.0

# A slot as the rush names it: the gate's id, the direction ("export", "import") and the hour.
SlotKey = tuple[str, str, datetime]


class FullSlots:
    """The capacity of each slot found full (0: closed), for ``ttl_s`` seconds of ``clock``."""

    def __init__(self, ttl_s: float = TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._full: dict[SlotKey, tuple[float, int]] = {}
        self._heard: dict[str, int] = {}  # a gate's id -> freeing events heard so far

    def capacity_if_full(self, slot: SlotKey) -> int | None:
        """The slot's capacity when it is remembered full (0 when closed), else None."""
        held = self._full.get(slot)
        if held is None:
            return None
        if self.clock() >= held[0]:
            del self._full[slot]
            return None
        return held[1]

    def generation(self, gate_id: str) -> int:
        """How many freeing events of the gate this process has heard: read before a slot's
        row, handed to ``remember`` after the commit."""
        return self._heard.get(gate_id, 0)

    def remember(self, slot: SlotKey, capacity: int, generation: int) -> None:
        """The slot was seen with every one of its ``capacity`` places taken, by a read made
        at ``generation`` of its gate; unless a freeing event was heard since (a place may
        have been freed after that read), it is remembered full."""
        if self.generation(slot[0]) == generation:
            self._full[slot] = (self.clock() + self.ttl_s, capacity)

    def heard(self, payload: dict[str, Any]) -> None:
        """An event from any process: a place of its gate may be free now."""
        if payload.get("event") not in FREEING:
            return
        gate_id = payload.get("gate_id")
        if not isinstance(gate_id, str):
            return
        self._heard[gate_id] = self.generation(gate_id) + 1
        for slot in [slot for slot in self._full if slot[0] == gate_id]:
            del self._full[slot]
