"""Perishables first by deadline (issue 18), the pure rules: the queue's order within a class
(the earliest spoil-by first, then the order the queue always had), the spoil-by's
refusals, and the risk of a forecast call after the spoil-by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.domain.cargo import MAX_SPOIL_BY_AHEAD, check_spoil_by
from gate.domain.errors import ValidationFailed
from gate.domain.queue import (
    DEFAULT_CYCLE,
    QueueClass,
    QueueEntry,
    ServiceCycle,
    next_turn,
    service_order,
)
from gate.domain.spoilage import latest_forecast, spoil_risk

BASE = datetime(2026, 12, 1, tzinfo=UTC)  # 07:00 in Lạng Sơn
HANOI = timezone(timedelta(hours=7))
P, A, R = QueueClass.PERISHABLE, QueueClass.AEO, QueueClass.REGULAR
_NONE = datetime.min.replace(tzinfo=UTC)


def truck(
    id: str,
    spoil: int | None,
    slot: int = 0,
    arrived: int = 0,
    behind: bool = False,
    queue_class: QueueClass = P,
) -> QueueEntry:
    """A waiting truck; its spoil-by, slot and arrival in minutes after BASE."""
    return QueueEntry(
        id=id,
        queue_class=queue_class,
        behind=behind,
        slot_start=BASE + timedelta(minutes=slot),
        arrived_at=BASE + timedelta(minutes=arrived),
        spoil_by=None if spoil is None else BASE + timedelta(minutes=spoil),
    )


def documented(entry: QueueEntry) -> tuple[object, ...]:
    """docs/architecture.md, "Perishables first by deadline", written out apart from the
    code: a spoil-by before none, earliest first; then on time, slot, arrival, id."""
    spoil_by = entry.spoil_by
    return (
        spoil_by is None,
        spoil_by or _NONE,
        entry.behind,
        entry.slot_start,
        entry.arrived_at,
        entry.id,
    )


def test_the_earliest_spoil_by_is_called_first_even_before_an_earlier_slot():
    yard = [
        truck("no-spoil-by", None, slot=0, arrived=0),
        truck("spoils-late", 600, slot=-120, arrived=-60),
        truck("spoils-soon-behind", 240, slot=60, arrived=70, behind=True),
        truck("spoils-soon", 240, slot=60, arrived=80),
    ]
    order = [e.id for e in service_order(yard, DEFAULT_CYCLE, 0)]
    # The same spoil-by: on time before behind; then a later one; none last.
    assert order == ["spoils-soon", "spoils-soon-behind", "spoils-late", "no-spoil-by"]


def test_a_spoil_by_changes_nothing_in_the_other_classes_or_between_classes():
    # The cycle still serves a regular truck after the perishable one, whatever spoils.
    yard = [truck("p", 30), truck("r1", None, queue_class=R), truck("a", None, queue_class=A)]
    assert [e.id for e in service_order(yard, DEFAULT_CYCLE, 0)] == ["p", "a", "r1"]
    assert next_turn(yard, DEFAULT_CYCLE, 2) == (yard[1], 3)


perishables = st.lists(
    st.tuples(
        st.text(alphabet="abc123", min_size=1, max_size=3),
        st.one_of(st.none(), st.integers(0, 4).map(lambda n: 60 * n)),
        st.integers(-2, 1).map(lambda h: 60 * h),
        st.integers(0, 4).map(lambda q: 15 * q),
        st.booleans(),
    ),
    max_size=30,
    unique_by=lambda row: row[0],
).map(lambda rows: [truck(*row) for row in rows])


@given(perishables, st.integers(0, 50))
def test_any_perishable_yard_is_called_in_the_documented_order(yard, position):
    called, waiting = [], list(yard)
    while (turn := next_turn(waiting, DEFAULT_CYCLE, position)) is not None:
        entry, position = turn
        called.append(entry)
        waiting.remove(entry)
    assert called == sorted(yard, key=documented)
    assert service_order(yard, ServiceCycle.parse("perishable:2,regular:1"), 0) == called


@given(perishables)
def test_the_sort_key_is_the_documented_order(yard):
    assert sorted(yard, key=QueueEntry.sort_key) == sorted(yard, key=documented)


def test_a_spoil_by_is_kept_in_utc_whatever_its_offset():
    entry = truck("p", None)
    local = QueueEntry(
        "p", P, False, entry.slot_start, entry.arrived_at, datetime(2026, 12, 1, 9, tzinfo=HANOI)
    )
    assert local.spoil_by == datetime(2026, 12, 1, 2, tzinfo=UTC)


NOW = BASE
SLOT = BASE + timedelta(hours=1)


@pytest.mark.parametrize(
    ("spoil_by", "perishable", "why"),
    [
        (SLOT + timedelta(hours=4), False, "spoil-by-not-perishable"),
        (NOW, True, "spoil-by-past"),
        (NOW - timedelta(days=1), True, "spoil-by-past"),
        (SLOT, True, "spoil-by-before-slot"),
        (NOW + MAX_SPOIL_BY_AHEAD + timedelta(seconds=1), True, "spoil-by-too-far"),
    ],
)
def test_a_spoil_by_that_makes_no_sense_is_refused_naming_the_field(spoil_by, perishable, why):
    with pytest.raises(ValidationFailed) as refused:
        check_spoil_by(spoil_by, perishable=perishable, now=NOW, slot_start=SLOT)
    assert refused.value.why == why and refused.value.extensions["field"] == "spoil_by"


def test_a_spoil_by_within_the_limits_or_none_is_accepted():
    edge = NOW + MAX_SPOIL_BY_AHEAD
    assert check_spoil_by(edge, perishable=True, now=NOW, slot_start=SLOT) == edge
    assert check_spoil_by(None, perishable=False, now=NOW, slot_start=SLOT) is None


def test_a_forecast_after_the_spoil_by_is_a_risk_and_none_is_not():
    spoil_by = BASE + timedelta(hours=3)
    later, earlier = spoil_by + timedelta(minutes=1), spoil_by - timedelta(minutes=1)
    assert spoil_risk(spoil_by, (earlier, later))
    assert not spoil_risk(spoil_by, (earlier, spoil_by, None))
    assert not spoil_risk(None, (later,))
    assert not spoil_risk(spoil_by, (None, None))  # no forecast: no rate to judge by
    assert latest_forecast((earlier, None, later)) == later
    assert latest_forecast((None,)) is None
