"""The yard queue policy: classes served in a cycle, and the order within a class."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.domain.errors import ValidationFailed
from gate.domain.queue import (
    DEFAULT_CYCLE,
    QueueClass,
    QueueEntry,
    ServiceCycle,
    next_turn,
    place_by_counts,
    queue_positions,
    service_order,
)

BASE = datetime(2026, 12, 1, tzinfo=UTC)  # 07:00 in Lạng Sơn
HANOI = timezone(timedelta(hours=7))
P, A, R = QueueClass.PERISHABLE, QueueClass.AEO, QueueClass.REGULAR


def entry(
    id: str, queue_class: QueueClass, slot: int = 0, arrived: int = 0, behind: bool = False
) -> QueueEntry:
    """A waiting vehicle whose slot and arrival are minutes after ``BASE``."""
    return QueueEntry(
        id=id,
        queue_class=queue_class,
        behind=behind,
        slot_start=BASE + timedelta(minutes=slot),
        arrived_at=BASE + timedelta(minutes=arrived),
    )


def ids(entries: Sequence[QueueEntry]) -> list[str]:
    return [e.id for e in entries]


def simulate(entries: Sequence[QueueEntry], cycle: ServiceCycle, position: int) -> list[QueueEntry]:
    """Call vehicles one by one with next_turn, as the officers would, until the yard is empty."""
    waiting = list(entries)
    order = []
    while (turn := next_turn(waiting, cycle, position)) is not None:
        chosen, position = turn
        order.append(chosen)
        waiting.remove(chosen)
    return order


# --- strategies ------------------------------------------------------------------------------

# Small ranges of minutes so that equal slots and equal arrivals, and so the id tiebreak, are
# common; ids are drawn apart from their place in the list so the tiebreak is not list order.
yards = st.lists(
    st.tuples(
        st.text(alphabet="abcxyz0123", min_size=1, max_size=4),
        st.sampled_from(QueueClass),
        st.booleans(),
        st.integers(min_value=0, max_value=3).map(lambda hours: 60 * hours),
        st.integers(min_value=-30, max_value=90),
    ),
    max_size=40,
    unique_by=lambda row: row[0],
).map(
    lambda rows: [
        entry(id, queue_class, slot=slot, arrived=arrived, behind=behind)
        for id, queue_class, behind, slot, arrived in rows
    ]
)

cycles = st.lists(st.sampled_from(QueueClass), min_size=1, max_size=3, unique=True).flatmap(
    lambda classes: st.tuples(
        *(st.tuples(st.just(c), st.integers(min_value=1, max_value=8)) for c in classes)
    ).map(ServiceCycle)
)

positions = st.integers(min_value=0, max_value=1000)


# --- the order ---------------------------------------------------------------------------------

# Perishable: p-late arrived behind its slot, so the on-time p-ok goes first despite a later slot.
# Aeo: the earlier slot first. Regular: on time by slot, then arrival, then id (r-b and r-c
# share slot and arrival); the re-queued r-requeued and the walk-in r-walkin come last.
YARD = [
    entry("p-ok", P, slot=60, arrived=50),
    entry("p-late", P, slot=0, arrived=70, behind=True),
    entry("a-later", A, slot=60, arrived=40),
    entry("a-early", A, slot=0, arrived=30),
    entry("r-a", R, slot=0, arrived=10),
    entry("r-c", R, slot=0, arrived=5),
    entry("r-b", R, slot=0, arrived=5),
    entry("r-requeued", R, slot=0, arrived=0, behind=True),
    entry("r-slot1", R, slot=60, arrived=20),
    entry("r-slot2", R, slot=120, arrived=15),
    entry("r-walkin", R, slot=60, arrived=1, behind=True),
]


def test_the_default_cycle_from_the_start_calls_the_yard_in_this_exact_order() -> None:
    assert ids(service_order(YARD, DEFAULT_CYCLE, 0)) == [
        "p-ok",
        "a-early",
        "r-b",
        "r-c",
        "r-a",
        "r-slot1",
        "r-slot2",
        "p-late",
        "a-later",
        "r-requeued",
        "r-walkin",
    ]


def test_the_default_cycle_from_the_third_regular_turn_finishes_the_round_first() -> None:
    # Turns are P A R R R R R; position 4 leaves three regular turns in this round.
    assert ids(service_order(YARD, DEFAULT_CYCLE, 4)) == [
        "r-b",
        "r-c",
        "r-a",
        "p-ok",
        "a-early",
        "r-slot1",
        "r-slot2",
        "r-requeued",
        "r-walkin",
        "p-late",
        "a-later",
    ]
    first = next_turn(YARD, DEFAULT_CYCLE, 4)
    assert first is not None
    assert (first[0].id, first[1]) == ("r-b", 5)


def test_one_perishable_one_aeo_five_regular_interleaves_the_classes_in_that_rhythm() -> None:
    yard = (
        [entry(f"p{i}", P, arrived=i) for i in range(3)]
        + [entry(f"a{i}", A, arrived=i) for i in range(3)]
        + [entry(f"r{i:02d}", R, arrived=i) for i in range(12)]
    )
    cycle = ServiceCycle.parse("perishable:1,aeo:1,regular:5")
    served = "".join({P: "P", A: "A", R: "R"}[e.queue_class] for e in service_order(yard, cycle, 0))
    assert served == "PARRRRRPARRRRRPARR"


def test_the_order_within_a_class_does_not_depend_on_the_order_the_yard_was_read() -> None:
    assert service_order(YARD, DEFAULT_CYCLE, 0) == service_order(YARD[::-1], DEFAULT_CYCLE, 0)


# --- skipping turns ----------------------------------------------------------------------------


def test_with_no_perishable_waiting_the_turn_passes_to_aeo_and_the_position_follows() -> None:
    yard = [entry("a", A), entry("r", R)]
    assert next_turn(yard, DEFAULT_CYCLE, 0) == (yard[0], 2)


def test_with_only_regular_waiting_a_perishable_turn_passes_to_the_first_regular_turn() -> None:
    yard = [entry("r", R)]
    assert next_turn(yard, DEFAULT_CYCLE, 0) == (yard[0], 3)
    assert next_turn(yard, DEFAULT_CYCLE, 1) == (yard[0], 3)


def test_a_skipped_turn_at_the_end_of_the_cycle_wraps_to_its_start() -> None:
    yard = [entry("p", P), entry("a", A)]
    assert next_turn(yard, DEFAULT_CYCLE, 6) == (yard[0], 1)


def test_the_position_is_read_modulo_the_number_of_turns() -> None:
    yard = [entry("p", P), entry("a", A), entry("r", R)]
    assert next_turn(yard, DEFAULT_CYCLE, 7) == next_turn(yard, DEFAULT_CYCLE, 0)
    assert next_turn(yard, DEFAULT_CYCLE, 15) == (yard[1], 2)
    assert next_turn(yard, DEFAULT_CYCLE, -1) == (yard[2], 0)


def test_an_empty_yard_has_no_next_vehicle_and_no_order() -> None:
    assert next_turn([], DEFAULT_CYCLE, 3) is None
    assert service_order([], DEFAULT_CYCLE, 3) == []
    assert queue_positions([], DEFAULT_CYCLE, 3) == {}


def test_a_class_left_out_of_the_cycle_waits_until_the_cycle_has_nobody() -> None:
    cycle = ServiceCycle.parse("regular:2")
    yard = [entry("a", A), entry("p", P), entry("r1", R, arrived=1), entry("r2", R, arrived=2)]
    # Classes outside the cycle follow it in enum order: perishable, then aeo.
    assert ids(service_order(yard, cycle, 1)) == ["r1", "r2", "p", "a"]
    # No turn of the cycle was used, so the position stays.
    assert next_turn(yard[:2], cycle, 1) == (yard[1], 1)


def test_a_long_run_of_skipped_turns_is_walked_past_for_a_large_yard() -> None:
    cycle = ServiceCycle.parse("perishable:100,regular:1")
    yard = [entry(f"r{i:05d}", R, arrived=i % 97) for i in range(5000)]
    assert service_order(yard, cycle, 0) == sorted(yard, key=QueueEntry.sort_key)


# --- properties --------------------------------------------------------------------------------


@given(yards, cycles, positions)
def test_the_service_order_is_the_same_as_calling_vehicles_one_by_one(
    yard: list[QueueEntry], cycle: ServiceCycle, position: int
) -> None:
    assert ids(service_order(yard, cycle, position)) == ids(simulate(yard, cycle, position))


@given(yards, cycles, positions)
def test_no_vehicle_is_served_ahead_of_one_its_class_puts_before_it(
    yard: list[QueueEntry], cycle: ServiceCycle, position: int
) -> None:
    order = service_order(yard, cycle, position)
    for queue_class in QueueClass:
        keys = [e.sort_key() for e in order if e.queue_class is queue_class]
        assert keys == sorted(keys)


@given(yards, cycles, positions)
def test_each_call_serves_the_first_class_with_someone_waiting_from_the_current_turn(
    yard: list[QueueEntry], cycle: ServiceCycle, position: int
) -> None:
    turns = cycle.turns
    outside = [c for c in QueueClass if c not in cycle.classes]
    waiting = list(yard)
    while waiting:
        present = {e.queue_class for e in waiting}
        ahead = [(position + step) % len(turns) for step in range(len(turns))]
        used = next((index for index in ahead if turns[index] in present), None)
        if used is not None:
            expected_class, expected_position = turns[used], (used + 1) % len(turns)
        else:
            expected_class = next(c for c in outside if c in present)
            expected_position = position % len(turns)
        turn = next_turn(waiting, cycle, position)
        assert turn is not None
        chosen, position = turn
        assert (chosen.queue_class, position) == (expected_class, expected_position)
        waiting.remove(chosen)
    assert next_turn(waiting, cycle, position) is None


@given(yards, cycles, positions)
def test_everyone_waiting_gets_exactly_one_place_from_one_to_n(
    yard: list[QueueEntry], cycle: ServiceCycle, position: int
) -> None:
    order = service_order(yard, cycle, position)
    assert sorted(ids(order)) == sorted(ids(yard))
    places = queue_positions(yard, cycle, position)
    assert sorted(places.values()) == list(range(1, len(yard) + 1))
    assert all(order[place - 1].id == id for id, place in places.items())


# --- entries -----------------------------------------------------------------------------------


def test_an_entry_with_a_naive_time_is_refused_because_its_zone_would_be_a_guess() -> None:
    with pytest.raises(ValidationFailed):
        QueueEntry("v", R, behind=False, slot_start=datetime(2026, 12, 1), arrived_at=BASE)


def test_an_entry_keeps_its_times_in_utc() -> None:
    local = BASE.astimezone(HANOI)
    queued = QueueEntry("v", R, behind=False, slot_start=local, arrived_at=local)
    assert queued.slot_start.utcoffset() == timedelta(0)
    assert queued.arrived_at.utcoffset() == timedelta(0)
    assert queued.slot_start == BASE


def test_a_vehicle_in_the_yard_twice_is_refused() -> None:
    yard = [entry("v", R), entry("v", A)]
    with pytest.raises(ValidationFailed):
        service_order(yard, DEFAULT_CYCLE, 0)
    with pytest.raises(ValidationFailed):
        next_turn(yard, DEFAULT_CYCLE, 0)


# --- the cycle ---------------------------------------------------------------------------------


def test_the_default_cycle_is_one_perishable_one_aeo_five_regular_in_seven_turns() -> None:
    assert str(DEFAULT_CYCLE) == "perishable:1,aeo:1,regular:5"
    assert DEFAULT_CYCLE.shares == ((P, 1), (A, 1), (R, 5))
    assert DEFAULT_CYCLE.turns == (P, A, R, R, R, R, R)


@given(cycles)
def test_a_cycle_reads_back_from_its_text(cycle: ServiceCycle) -> None:
    assert ServiceCycle.parse(str(cycle)) == cycle


def test_a_cycle_is_read_whatever_the_spaces_and_letter_case() -> None:
    assert ServiceCycle.parse(" Regular : 3 , AEO:2 ") == ServiceCycle(((R, 3), (A, 2)))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "regular",
        "regular:",
        ":5",
        "regular:0",
        "regular:101",
        "regular:-1",
        "regular:+5",
        "regular:five",
        "regular:1,regular:2",
        "cargo:1",
        "perishable:1,,aeo:1",
    ],
)
def test_a_cycle_that_is_not_valid_is_refused(text: str) -> None:
    with pytest.raises(ValidationFailed):
        ServiceCycle.parse(text)


def test_the_counts_of_a_cycle_go_from_one_to_a_hundred() -> None:
    assert ServiceCycle.parse("regular:1,aeo:100").turns.count(A) == 100


def test_a_cycle_built_directly_is_checked_too() -> None:
    with pytest.raises(ValidationFailed):
        ServiceCycle(())
    with pytest.raises(ValidationFailed):
        ServiceCycle(((R, 0),))


@given(
    yard=st.lists(
        st.tuples(
            st.sampled_from(list(QueueClass)),
            st.booleans(),
            st.integers(0, 300),
            st.integers(0, 300),
        ),
        min_size=1,
        max_size=200,
    ),
    position=st.integers(0, 20),
    shares=st.lists(
        st.tuples(st.sampled_from(list(QueueClass)), st.integers(1, 5)),
        min_size=1,
        max_size=3,
        unique_by=lambda share: share[0],
    ),
    data=st.data(),
)
def test_a_place_from_counts_is_the_place_in_the_full_service_order(yard, position, shares, data):
    """Any cycle (classes left out of it included) and yards big enough that whole rounds
    of the cycle are skipped at once."""
    entries = [
        QueueEntry(f"v{i}", c, behind, BASE + timedelta(minutes=s), BASE + timedelta(minutes=a))
        for i, (c, behind, s, a) in enumerate(yard)
    ]
    cycle = ServiceCycle(tuple(shares))
    target = data.draw(st.sampled_from(entries))
    same_class = sorted(
        (e for e in entries if e.queue_class is target.queue_class), key=QueueEntry.sort_key
    )
    counts = {c: sum(1 for e in entries if e.queue_class is c) for c in QueueClass}
    expected = queue_positions(entries, cycle, position)[target.id]
    assert (
        place_by_counts(counts, target.queue_class, same_class.index(target), cycle, position)
        == expected
    )
