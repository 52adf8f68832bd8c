"""Judging a vehicle's arrival against its slot: early, on time, late, or refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.domain.checkin import (
    MAX_EARLY_ADMISSION,
    ArrivalJudgement,
    CheckinOutcome,
    GraceWindow,
    RefusalReason,
    judge_arrival,
    judge_held_arrival,
    no_show_deadline,
    walk_in_slot,
)
from gate.domain.time import LOCAL_TZ, SLOT_LENGTH

SLOT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
DEFAULT = GraceWindow()
TICK = timedelta(microseconds=1)

# Outcomes in the order time passes through them.
RANK = {
    CheckinOutcome.REFUSED: 0,
    CheckinOutcome.EARLY: 1,
    CheckinOutcome.ON_TIME: 2,
    CheckinOutcome.LATE: 3,
}

grace_minutes = st.integers(min_value=0, max_value=180)
graces = st.builds(
    lambda early, late: GraceWindow(timedelta(minutes=early), timedelta(minutes=late)),
    grace_minutes,
    grace_minutes,
)
# Up to a day either side of the slot, to the microsecond.
offsets = st.integers(min_value=-86_400 * 10**6, max_value=86_400 * 10**6).map(
    lambda us: timedelta(microseconds=us)
)


# --- the default window, at its edges --------------------------------------------------------


def test_the_default_window_is_thirty_minutes_early_and_sixty_late() -> None:
    assert DEFAULT.early == timedelta(minutes=30)
    assert DEFAULT.late == timedelta(minutes=60)
    assert timedelta(hours=6) == MAX_EARLY_ADMISSION


@pytest.mark.parametrize(
    ("observed_at", "expected"),
    [
        (SLOT - timedelta(minutes=30), CheckinOutcome.ON_TIME),
        (SLOT - timedelta(minutes=30) - TICK, CheckinOutcome.EARLY),
        (SLOT, CheckinOutcome.ON_TIME),
        (SLOT + timedelta(minutes=60) - TICK, CheckinOutcome.ON_TIME),
        (SLOT + timedelta(minutes=60), CheckinOutcome.LATE),
        (SLOT + timedelta(hours=5), CheckinOutcome.LATE),
        (SLOT - timedelta(minutes=30) - MAX_EARLY_ADMISSION, CheckinOutcome.EARLY),
        (SLOT - timedelta(minutes=30) - MAX_EARLY_ADMISSION - TICK, CheckinOutcome.REFUSED),
    ],
    ids=[
        "30min-early-is-on-time",
        "a-tick-before-is-early",
        "slot-start-is-on-time",
        "a-tick-before-60min-late-is-on-time",
        "60min-late-is-late",
        "5h-late-is-late",
        "6h30-early-is-early",
        "a-tick-before-6h30-early-is-refused",
    ],
)
def test_the_default_window_at_its_boundaries(
    observed_at: datetime, expected: CheckinOutcome
) -> None:
    judgement = judge_arrival(observed_at, SLOT, DEFAULT)
    assert judgement.outcome is expected
    if expected is CheckinOutcome.REFUSED:
        assert judgement.refusal is RefusalReason.TOO_EARLY
    else:
        assert judgement.refusal is None


def test_arrivals_are_judged_by_instant_not_by_the_clock_of_their_zone() -> None:
    # 14:31 in Hanoi is 07:31 UTC: on time for an 08:00 UTC slot.
    observed = datetime(2026, 12, 1, 14, 31, tzinfo=LOCAL_TZ)
    assert judge_arrival(observed, SLOT, DEFAULT).outcome is CheckinOutcome.ON_TIME
    # 14:29 in Hanoi is 07:29 UTC: early.
    observed = datetime(2026, 12, 1, 14, 29, tzinfo=LOCAL_TZ)
    assert judge_arrival(observed, SLOT, DEFAULT).outcome is CheckinOutcome.EARLY


# --- any window ------------------------------------------------------------------------------


@given(graces, offsets)
def test_the_outcome_follows_the_window_edges_for_any_grace(
    grace: GraceWindow, offset: timedelta
) -> None:
    observed = SLOT + offset
    judgement = judge_arrival(observed, SLOT, grace)
    if observed < SLOT - grace.early - MAX_EARLY_ADMISSION:
        expected = CheckinOutcome.REFUSED
    elif observed < SLOT - grace.early:
        expected = CheckinOutcome.EARLY
    elif observed < SLOT + grace.late:
        expected = CheckinOutcome.ON_TIME
    else:
        expected = CheckinOutcome.LATE
    assert judgement.outcome is expected
    assert (judgement.refusal is RefusalReason.TOO_EARLY) is (expected is CheckinOutcome.REFUSED)


@given(graces, st.lists(offsets, min_size=2, max_size=20))
def test_the_outcome_never_goes_back_as_time_passes(
    grace: GraceWindow, moments: list[timedelta]
) -> None:
    ranks = [RANK[judge_arrival(SLOT + offset, SLOT, grace).outcome] for offset in sorted(moments)]
    assert ranks == sorted(ranks)


@given(graces, offsets, offsets)
def test_of_two_arrivals_the_later_is_never_judged_better(
    grace: GraceWindow, first: timedelta, second: timedelta
) -> None:
    earlier, later = sorted([first, second])
    a = judge_arrival(SLOT + earlier, SLOT, grace).outcome
    b = judge_arrival(SLOT + later, SLOT, grace).outcome
    assert RANK[a] <= RANK[b]


@given(graces)
def test_every_window_has_all_four_outcomes_in_order(grace: GraceWindow) -> None:
    def at(moment: datetime) -> CheckinOutcome:
        return judge_arrival(moment, SLOT, grace).outcome

    opens = SLOT - grace.early
    assert at(opens - MAX_EARLY_ADMISSION - TICK) is CheckinOutcome.REFUSED
    assert at(opens - MAX_EARLY_ADMISSION) is CheckinOutcome.EARLY
    assert at(opens - TICK) is CheckinOutcome.EARLY
    assert at(SLOT + grace.late) is CheckinOutcome.LATE
    if grace.early + grace.late > timedelta(0):
        assert at(opens) is CheckinOutcome.ON_TIME
        assert at(SLOT + grace.late - TICK) is CheckinOutcome.ON_TIME


# --- the judgement ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "admitted", "behind"),
    [
        (CheckinOutcome.ON_TIME, True, False),
        (CheckinOutcome.EARLY, True, False),
        (CheckinOutcome.LATE, True, True),
        (CheckinOutcome.REFUSED, False, False),
        (CheckinOutcome.WALK_IN, False, False),
        (CheckinOutcome.ALREADY_IN_YARD, False, False),
        (CheckinOutcome.NEEDS_CONFIRMATION, False, False),
    ],
    ids=str,
)
def test_which_outcomes_are_admitted_and_which_are_queued_behind(
    outcome: CheckinOutcome, admitted: bool, behind: bool
) -> None:
    judgement = ArrivalJudgement(outcome)
    assert judgement.admitted is admitted
    assert judgement.behind is behind


def test_every_outcome_is_covered_by_the_table_above() -> None:
    assert len(CheckinOutcome) == 7


@given(graces, offsets)
def test_a_judged_arrival_is_admitted_unless_refused_and_behind_only_when_late(
    grace: GraceWindow, offset: timedelta
) -> None:
    judgement = judge_arrival(SLOT + offset, SLOT, grace)
    assert judgement.admitted is (judgement.outcome is not CheckinOutcome.REFUSED)
    assert judgement.behind is (judgement.outcome is CheckinOutcome.LATE)
    assert not (judgement.behind and not judgement.admitted)


def test_a_judgement_cannot_be_changed() -> None:
    judgement = ArrivalJudgement(CheckinOutcome.ON_TIME)
    with pytest.raises(AttributeError):
        judgement.outcome = CheckinOutcome.LATE  # type: ignore[misc]


# --- no-show deadline and walk-ins -----------------------------------------------------------


def test_with_the_default_window_a_no_show_is_declared_three_hours_after_the_slot_starts() -> None:
    assert no_show_deadline(SLOT, DEFAULT) == SLOT + timedelta(hours=3)


@given(graces)
def test_the_no_show_deadline_is_after_the_on_time_window_ends(grace: GraceWindow) -> None:
    deadline = no_show_deadline(SLOT, grace)
    on_time_ends = SLOT + grace.late
    assert deadline > on_time_ends
    assert deadline - on_time_ends == 2 * SLOT_LENGTH
    # A vehicle arriving just before the deadline is still admitted (late), not refused.
    last_chance = judge_arrival(deadline - TICK, SLOT, grace)
    assert last_chance.admitted
    assert last_chance.outcome is CheckinOutcome.LATE


@pytest.mark.parametrize(
    ("observed_at", "expected"),
    [
        (datetime(2026, 12, 1, 8, 0, tzinfo=UTC), datetime(2026, 12, 1, 8, 0, tzinfo=UTC)),
        (
            datetime(2026, 12, 1, 8, 59, 59, 999_999, tzinfo=UTC),
            datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        ),
        (datetime(2026, 12, 1, 23, 30, tzinfo=UTC), datetime(2026, 12, 1, 23, 0, tzinfo=UTC)),
        (
            datetime(2026, 12, 1, 15, 45, 12, tzinfo=LOCAL_TZ),
            datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        ),
    ],
    ids=["on-the-hour", "last-microsecond", "late-evening", "hanoi-clock"],
)
def test_a_walk_in_takes_the_hour_it_arrived_in(observed_at: datetime, expected: datetime) -> None:
    assert walk_in_slot(observed_at) == expected


@given(
    st.datetimes(
        min_value=datetime(2020, 1, 1),
        max_value=datetime(2040, 1, 1),
        timezones=st.sampled_from([UTC, LOCAL_TZ]),
    )
)
def test_a_walk_in_slot_is_the_start_of_the_hour_holding_the_arrival(observed: datetime) -> None:
    slot = walk_in_slot(observed)
    assert slot.minute == slot.second == slot.microsecond == 0
    assert slot <= observed < slot + SLOT_LENGTH
    assert slot.astimezone(UTC).minute == 0


@given(
    grace=graces,
    entered=st.timedeltas(min_value=timedelta(days=-2), max_value=timedelta(days=2)),
)
def test_a_truck_held_in_a_yard_is_on_time_if_it_entered_before_the_late_edge_and_never_refused(
    grace: GraceWindow, entered: timedelta
) -> None:
    held = judge_held_arrival(SLOT + entered, SLOT, grace)

    assert held.admitted
    assert held.outcome is (CheckinOutcome.ON_TIME if entered < grace.late else CheckinOutcome.LATE)


def test_a_held_truck_is_judged_at_the_late_edge_by_its_entry_into_the_yard() -> None:
    edge = SLOT + DEFAULT.late
    assert judge_held_arrival(edge - TICK, SLOT, DEFAULT).outcome is CheckinOutcome.ON_TIME
    assert judge_held_arrival(edge, SLOT, DEFAULT).outcome is CheckinOutcome.LATE
    # Hours before its slot: where judge_arrival refuses a truck that came alone.
    long_before = SLOT - DEFAULT.early - MAX_EARLY_ADMISSION - timedelta(hours=1)
    assert judge_arrival(long_before, SLOT, DEFAULT).refusal is RefusalReason.TOO_EARLY
    assert judge_held_arrival(long_before, SLOT, DEFAULT).outcome is CheckinOutcome.ON_TIME
