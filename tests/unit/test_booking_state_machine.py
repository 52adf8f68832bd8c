"""The booking state machine: which moves are legal, and that no vehicle exits uncleared."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.domain.bookings import (
    TERMINAL_STATUSES,
    TRANSITIONS,
    BookingStatus,
    check_transition,
)
from gate.domain.errors import Conflict, InvalidTransition

S = BookingStatus

HAPPY_PATH = [S.BOOKED, S.ARRIVED, S.CALLED, S.IN_INSPECTION, S.CLEARED, S.EXITED]

# The legal moves, written out by hand from the rules rather than read from TRANSITIONS, so a
# change to the table shows up here as a failing test.
EXPECTED_MOVES = {
    (S.BOOKED, S.ARRIVED),
    (S.BOOKED, S.CANCELLED),
    (S.BOOKED, S.NO_SHOW),
    (S.ARRIVED, S.CALLED),
    (S.ARRIVED, S.EXPIRED),
    (S.CALLED, S.IN_INSPECTION),
    (S.CALLED, S.ARRIVED),
    (S.CALLED, S.NO_SHOW),
    (S.IN_INSPECTION, S.HELD),
    (S.IN_INSPECTION, S.CLEARED),
    (S.IN_INSPECTION, S.REJECTED),
    (S.HELD, S.IN_INSPECTION),
    (S.HELD, S.CLEARED),
    (S.HELD, S.REJECTED),
    (S.CLEARED, S.EXITED),
}

ALL_PAIRS = list(itertools.product(BookingStatus, BookingStatus))
EXPECTED_TERMINAL = {S.EXITED, S.REJECTED, S.CANCELLED, S.NO_SHOW, S.EXPIRED}


def _pair_id(pair: tuple[BookingStatus, BookingStatus]) -> str:
    return f"{pair[0].value}->{pair[1].value}"


# --- the table -------------------------------------------------------------------------------


def test_there_are_eleven_statuses_and_every_one_has_an_entry_in_the_table() -> None:
    assert len(BookingStatus) == 11
    assert set(TRANSITIONS) == set(BookingStatus)
    assert len(ALL_PAIRS) == 121


def test_the_table_lists_exactly_the_legal_moves() -> None:
    listed = {(source, target) for source, targets in TRANSITIONS.items() for target in targets}
    assert listed == EXPECTED_MOVES


def test_check_transition_allows_exactly_the_legal_moves_among_all_pairs() -> None:
    allowed = set()
    for source, target in ALL_PAIRS:
        try:
            result = check_transition(source, target)
        except InvalidTransition:
            continue
        assert result is target
        allowed.add((source, target))
    assert allowed == EXPECTED_MOVES


@pytest.mark.parametrize("pair", ALL_PAIRS, ids=_pair_id)
def test_each_pair_is_allowed_or_refused_as_the_table_says(
    pair: tuple[BookingStatus, BookingStatus],
) -> None:
    source, target = pair
    if pair in EXPECTED_MOVES:
        assert target in TRANSITIONS[source]
        assert check_transition(source, target) is target
    else:
        assert target not in TRANSITIONS[source]
        with pytest.raises(InvalidTransition):
            check_transition(source, target)


@pytest.mark.parametrize("status", list(BookingStatus), ids=str)
def test_no_status_may_move_to_itself(status: BookingStatus) -> None:
    with pytest.raises(InvalidTransition):
        check_transition(status, status)


# --- the happy path --------------------------------------------------------------------------


def test_the_happy_path_is_legal_step_by_step() -> None:
    current = HAPPY_PATH[0]
    for target in HAPPY_PATH[1:]:
        current = check_transition(current, target)
    assert current is S.EXITED


@pytest.mark.parametrize("skip", range(1, len(HAPPY_PATH) - 1))
def test_skipping_any_step_of_the_happy_path_is_refused(skip: int) -> None:
    before, after = HAPPY_PATH[skip - 1], HAPPY_PATH[skip + 1]
    with pytest.raises(InvalidTransition):
        check_transition(before, after)


# --- terminal states -------------------------------------------------------------------------


def test_the_terminal_states_are_exited_rejected_cancelled_no_show_and_expired() -> None:
    assert TERMINAL_STATUSES == EXPECTED_TERMINAL


@pytest.mark.parametrize("terminal", sorted(EXPECTED_TERMINAL), ids=str)
def test_a_terminal_state_allows_no_move_at_all(terminal: BookingStatus) -> None:
    assert TRANSITIONS[terminal] == frozenset()
    for target in BookingStatus:
        with pytest.raises(InvalidTransition):
            check_transition(terminal, target)


@pytest.mark.parametrize("status", sorted(set(BookingStatus) - EXPECTED_TERMINAL), ids=str)
def test_every_other_state_allows_some_move(status: BookingStatus) -> None:
    assert status not in TERMINAL_STATUSES
    assert TRANSITIONS[status]


# --- held and called -------------------------------------------------------------------------


@pytest.mark.parametrize("target", [S.IN_INSPECTION, S.CLEARED, S.REJECTED], ids=str)
def test_a_held_vehicle_can_return_to_inspection_or_be_cleared_or_rejected(
    target: BookingStatus,
) -> None:
    assert check_transition(S.HELD, target) is target


@pytest.mark.parametrize("target", [S.EXITED, S.ARRIVED, S.CALLED, S.CANCELLED], ids=str)
def test_a_held_vehicle_cannot_leave_or_go_back_to_the_queue(target: BookingStatus) -> None:
    with pytest.raises(InvalidTransition):
        check_transition(S.HELD, target)


def test_a_called_vehicle_that_does_not_come_can_be_requeued_or_marked_no_show() -> None:
    assert check_transition(S.CALLED, S.ARRIVED) is S.ARRIVED
    assert check_transition(S.CALLED, S.NO_SHOW) is S.NO_SHOW


def test_a_called_vehicle_cannot_be_cleared_without_inspection() -> None:
    with pytest.raises(InvalidTransition):
        check_transition(S.CALLED, S.CLEARED)


# --- the error -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pair",
    [pair for pair in ALL_PAIRS if pair not in EXPECTED_MOVES],
    ids=_pair_id,
)
def test_a_refused_move_carries_the_current_status_in_its_extensions(
    pair: tuple[BookingStatus, BookingStatus],
) -> None:
    source, target = pair
    with pytest.raises(InvalidTransition) as caught:
        check_transition(source, target)
    assert caught.value.extensions == {"current_status": source.value}
    assert caught.value.code == "invalid-transition"
    assert isinstance(caught.value, Conflict)
    assert source.value in caught.value.detail
    assert target.value in caught.value.detail


# --- no exit without clearance ---------------------------------------------------------------


@st.composite
def legal_walks(draw: st.DrawFn) -> list[BookingStatus]:
    """A sequence of legal moves from booked, stopping at a terminal state or at random."""
    path = [S.BOOKED]
    for _ in range(draw(st.integers(min_value=0, max_value=30))):
        targets = sorted(TRANSITIONS[path[-1]])
        if not targets:
            break
        path.append(draw(st.sampled_from(targets)))
    return path


@given(legal_walks())
def test_every_step_of_a_random_walk_is_accepted(path: list[BookingStatus]) -> None:
    for source, target in itertools.pairwise(path):
        assert check_transition(source, target) is target


@given(legal_walks())
def test_a_vehicle_reaches_exited_only_straight_from_cleared(path: list[BookingStatus]) -> None:
    for index, status in enumerate(path):
        if status is S.EXITED:
            assert index > 0
            assert path[index - 1] is S.CLEARED
            assert index == len(path) - 1  # nothing after exit


@given(legal_walks())
def test_a_vehicle_reaches_cleared_only_after_inspection(path: list[BookingStatus]) -> None:
    if S.CLEARED in path:
        first_cleared = path.index(S.CLEARED)
        assert S.IN_INSPECTION in path[:first_cleared]
        assert path[first_cleared - 1] in {S.IN_INSPECTION, S.HELD}


def test_exited_and_cleared_are_reachable_only_through_the_gated_states() -> None:
    """Exhaustively: with cleared removed, exited is unreachable from booked; with
    in_inspection removed, cleared is unreachable."""

    def reachable(start: BookingStatus, removed: BookingStatus) -> set[BookingStatus]:
        seen = {start}
        frontier = [start]
        while frontier:
            for target in TRANSITIONS[frontier.pop()]:
                if target is not removed and target not in seen:
                    seen.add(target)
                    frontier.append(target)
        return seen

    assert S.EXITED in reachable(S.BOOKED, removed=S.HELD)
    assert S.EXITED not in reachable(S.BOOKED, removed=S.CLEARED)
    assert S.CLEARED not in reachable(S.BOOKED, removed=S.IN_INSPECTION)
