"""The unpaid-fee rule in the queue's core: a held truck is passed over by the call and keeps its
place, so the calls with held trucks are the calls without them, each held truck slotted back
in at its class's next turn once released (issue 19)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from gate.domain.queue import (
    DEFAULT_CYCLE,
    QueueEntry,
    ServiceCycle,
    next_turn,
    service_order,
)
from tests.unit.test_queue_policy import A, P, R, cycles, entry, ids, positions, simulate, yards


def held(e: QueueEntry) -> QueueEntry:
    return replace(e, held=True)


def test_a_held_truck_at_the_head_is_passed_over_and_the_next_of_its_class_is_called() -> None:
    yard = [held(entry("r-first", R, arrived=0)), entry("r-second", R, arrived=5)]

    turn = next_turn(yard, DEFAULT_CYCLE, 2)

    assert turn is not None and turn[0].id == "r-second"


def test_a_class_whose_every_truck_is_held_passes_its_turn_along_the_cycle() -> None:
    yard = [held(entry("p", P)), entry("a", A), entry("r", R)]

    turn = next_turn(yard, DEFAULT_CYCLE, 0)

    assert turn is not None
    assert (turn[0].id, turn[1]) == ("a", 2)


def test_a_yard_of_held_trucks_only_has_no_one_to_call() -> None:
    assert next_turn([held(entry("r", R)), held(entry("a", A))], DEFAULT_CYCLE, 0) is None


def test_a_held_truck_keeps_its_place_in_the_order_shown() -> None:
    yard = [held(entry("r-first", R, arrived=0)), entry("r-second", R, arrived=5)]

    assert ids(service_order(yard, DEFAULT_CYCLE, 2)) == ["r-first", "r-second"]


def test_once_released_the_held_truck_is_called_at_its_class_next_turn() -> None:
    first, second, third = (entry(f"r{i}", R, arrived=i) for i in range(3))
    yard = [held(first), second, third]
    called, position = next_turn(yard, DEFAULT_CYCLE, 2) or (None, 0)
    assert called is not None and called.id == "r1"

    released = [first, third]  # paid: no longer held
    again = next_turn(released, DEFAULT_CYCLE, position)

    assert again is not None and again[0].id == "r0"


@given(yards, cycles, positions, st.data())
def test_the_calls_with_held_trucks_are_the_calls_without_them(
    yard: list[QueueEntry], cycle: ServiceCycle, position: int, data: st.DataObject
) -> None:
    holds = data.draw(st.lists(st.booleans(), min_size=len(yard), max_size=len(yard)))
    marked = [held(e) if h else e for e, h in zip(yard, holds, strict=True)]
    free = [e for e in marked if not e.held]

    calls, at = [], position
    waiting = list(marked)
    while (turn := next_turn(waiting, cycle, at)) is not None:
        calls.append(turn[0].id)
        at = turn[1]
        waiting.remove(turn[0])

    assert calls == ids(simulate(free, cycle, position))
    assert all(e.held for e in waiting)  # only held trucks are left, none lost


@given(yards, cycles, positions, st.data())
def test_released_trucks_are_called_in_the_order_they_would_have_had_from_then_on(
    yard: list[QueueEntry], cycle: ServiceCycle, position: int, data: st.DataObject
) -> None:
    holds = data.draw(st.lists(st.booleans(), min_size=len(yard), max_size=len(yard)))
    marked = [held(e) if h else e for e, h in zip(yard, holds, strict=True)]
    free_count = sum(not e.held for e in marked)
    calls_before_release = data.draw(st.integers(min_value=0, max_value=free_count))

    waiting, at = list(marked), position
    for _ in range(calls_before_release):
        turn = next_turn(waiting, cycle, at)
        assert turn is not None and not turn[0].held
        waiting.remove(turn[0])
        at = turn[1]
    released = [replace(e, held=False) for e in waiting]

    # From the release on, the calls are the order of the yard as it then stands.
    assert ids(simulate(released, cycle, at)) == ids(service_order(released, cycle, at))
