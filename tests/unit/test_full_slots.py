"""Full slots remembered per process (gate/bookings/full_slots.py): forgotten when an event
that can free a place in their gate is heard, and after their time in any case; a slot read
full before such an event is not remembered after it."""

from __future__ import annotations

from datetime import UTC, datetime

from gate.bookings.full_slots import FullSlots

HOUR = datetime(2026, 12, 1, 8, tzinfo=UTC)
SLOT = ("gate-1", "export", HOUR)
OTHER_GATE = ("gate-2", "export", HOUR)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_full_slot_is_remembered_for_its_time_only():
    clock = Clock()
    full = FullSlots(ttl_s=1.0, clock=clock)
    full.remember(SLOT, 7, full.generation("gate-1"))
    assert full.capacity_if_full(SLOT) == 7
    clock.now = 0.99
    assert full.capacity_if_full(SLOT) == 7
    clock.now = 1.0
    assert full.capacity_if_full(SLOT) is None


def test_a_freeing_event_forgets_its_gates_slots_and_no_other():
    full = FullSlots(ttl_s=60)
    full.remember(SLOT, 7, 0)
    full.remember(OTHER_GATE, 0, 0)
    full.heard({"event": "booking.created", "gate_id": "gate-1"})  # takes, never frees
    assert full.capacity_if_full(SLOT) == 7
    for name in ("booking.cancelled", "booking.rescheduled", "booking.lapsed"):
        full.remember(SLOT, 7, full.generation("gate-1"))
        full.heard({"event": name, "gate_id": "gate-1"})
        assert full.capacity_if_full(SLOT) is None, name
    assert full.capacity_if_full(OTHER_GATE) == 0
    full.heard({"event": "gate.calendar_changed", "gate_id": "gate-2"})
    assert full.capacity_if_full(OTHER_GATE) is None


def test_a_slot_read_full_before_a_freeing_event_is_not_remembered_after_it():
    full = FullSlots(ttl_s=60)
    read_at = full.generation("gate-1")
    full.heard({"event": "booking.cancelled", "gate_id": "gate-1"})  # before the commit
    full.remember(SLOT, 7, read_at)
    assert full.capacity_if_full(SLOT) is None
