"""Clearance: which agencies must clear a vehicle, and what their decisions add up to."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.domain.clearance import (
    DECIDING_AGENCIES,
    Agency,
    AgencyDecision,
    ClearanceState,
    Decision,
    clearance_state,
    required_agencies,
)

A = Agency
D = Decision
BASE = frozenset({A.BORDER_GUARD, A.CUSTOMS})
ALL_THREE = frozenset({A.BORDER_GUARD, A.CUSTOMS, A.QUARANTINE})


def cleared(agency: Agency) -> AgencyDecision:
    return AgencyDecision(agency, D.CLEARED)


def held(agency: Agency, reason: str = "papers missing") -> AgencyDecision:
    return AgencyDecision(agency, D.HELD, reason)


def rejected(agency: Agency, reason: str = "forged permit") -> AgencyDecision:
    return AgencyDecision(agency, D.REJECTED, reason)


# --- required agencies -----------------------------------------------------------------------


@pytest.mark.parametrize("perishable", [False, True])
@pytest.mark.parametrize("hs_code", [None, "8471", "0810", "2401", "850440"])
@pytest.mark.parametrize("declared", [True, False])
def test_border_guard_and_customs_are_always_required_and_the_gate_operator_never(
    perishable: bool, hs_code: str | None, declared: bool
) -> None:
    required = required_agencies(perishable, hs_code, declared=declared)
    assert required >= BASE
    assert A.GATE_OPERATOR not in required
    assert required <= DECIDING_AGENCIES


def test_the_gate_operator_decides_nothing() -> None:
    assert DECIDING_AGENCIES == ALL_THREE
    assert A.GATE_OPERATOR not in DECIDING_AGENCIES


@pytest.mark.parametrize("hs_code", [None, "8471", "2501", "847130"])
def test_perishable_cargo_needs_quarantine_whatever_its_code(hs_code: str | None) -> None:
    assert required_agencies(True, hs_code) == ALL_THREE


@pytest.mark.parametrize(
    "hs_code",
    ["0101", "0302", "0810", "081010", "1001", "2203", "2401", "24021000"],
    ids=["live-horses", "fish", "fruit", "strawberries", "wheat", "beer", "tobacco", "cigars"],
)
def test_agricultural_chapters_need_quarantine_even_when_not_perishable(hs_code: str) -> None:
    assert required_agencies(False, hs_code) == ALL_THREE


@pytest.mark.parametrize("chapter", range(1, 25))
def test_every_chapter_from_01_to_24_needs_quarantine(chapter: int) -> None:
    assert A.QUARANTINE in required_agencies(False, f"{chapter:02d}00")


@pytest.mark.parametrize(
    "hs_code",
    ["8471", "847130", "2501", "2710", "8703", "9999"],
    ids=["computers", "laptops", "salt-chapter-25", "oil", "cars", "chapter-99"],
)
def test_other_declared_non_perishable_cargo_needs_only_border_guard_and_customs(
    hs_code: str,
) -> None:
    assert required_agencies(False, hs_code) == BASE


def test_declared_non_perishable_cargo_without_a_code_needs_no_quarantine() -> None:
    assert required_agencies(False, None) == BASE
    assert required_agencies(False, None, declared=True) == BASE


@pytest.mark.parametrize("hs_code", [None, "8471"])
def test_undeclared_cargo_needs_all_three_agencies(hs_code: str | None) -> None:
    assert required_agencies(False, hs_code, declared=False) == ALL_THREE


# --- clearance state -------------------------------------------------------------------------


def test_nothing_decided_yet_is_pending() -> None:
    assert clearance_state(BASE, []) is ClearanceState.PENDING
    assert clearance_state(ALL_THREE, []) is ClearanceState.PENDING


def test_it_stays_pending_until_every_required_agency_has_cleared() -> None:
    decisions = [cleared(A.BORDER_GUARD), cleared(A.CUSTOMS)]
    assert clearance_state(ALL_THREE, decisions) is ClearanceState.PENDING
    assert clearance_state(ALL_THREE, decisions[:1]) is ClearanceState.PENDING
    assert clearance_state(ALL_THREE, [*decisions, cleared(A.QUARANTINE)]) is ClearanceState.CLEARED


def test_it_is_cleared_when_every_required_agency_has_cleared() -> None:
    assert (
        clearance_state(BASE, [cleared(A.CUSTOMS), cleared(A.BORDER_GUARD)])
        is ClearanceState.CLEARED
    )


def test_a_clearance_by_an_agency_that_is_not_required_does_not_block_or_count() -> None:
    extra = [cleared(A.QUARANTINE), cleared(A.GATE_OPERATOR)]
    assert (
        clearance_state(BASE, [*extra, cleared(A.BORDER_GUARD), cleared(A.CUSTOMS)])
        is ClearanceState.CLEARED
    )
    # ... and does not stand in for a required agency that has not decided.
    assert clearance_state(BASE, [*extra, cleared(A.CUSTOMS)]) is ClearanceState.PENDING


@pytest.mark.parametrize("holder", list(Agency), ids=str)
def test_a_hold_by_any_agency_holds_the_vehicle(holder: Agency) -> None:
    decisions = [cleared(A.BORDER_GUARD), cleared(A.CUSTOMS), cleared(A.QUARANTINE), held(holder)]
    assert clearance_state(ALL_THREE, decisions) is ClearanceState.HELD
    assert clearance_state(BASE, decisions) is ClearanceState.HELD


def test_a_hold_outranks_a_missing_decision() -> None:
    assert clearance_state(ALL_THREE, [held(A.CUSTOMS)]) is ClearanceState.HELD


def test_a_later_clearance_by_the_same_agency_lifts_the_hold() -> None:
    decisions = [cleared(A.BORDER_GUARD), held(A.CUSTOMS)]
    assert clearance_state(BASE, decisions) is ClearanceState.HELD
    assert clearance_state(BASE, [*decisions, cleared(A.CUSTOMS)]) is ClearanceState.CLEARED


def test_a_clearance_by_another_agency_does_not_lift_a_hold() -> None:
    decisions = [held(A.CUSTOMS), cleared(A.BORDER_GUARD), cleared(A.QUARANTINE)]
    assert clearance_state(BASE, decisions) is ClearanceState.HELD


def test_a_later_hold_by_the_same_agency_replaces_its_clearance() -> None:
    decisions = [cleared(A.BORDER_GUARD), cleared(A.CUSTOMS), held(A.CUSTOMS)]
    assert clearance_state(BASE, decisions) is ClearanceState.HELD


@pytest.mark.parametrize("rejecter", sorted(DECIDING_AGENCIES), ids=str)
def test_a_rejection_is_final_even_if_later_decisions_clear(rejecter: Agency) -> None:
    decisions = [
        rejected(rejecter),
        cleared(A.BORDER_GUARD),
        cleared(A.CUSTOMS),
        cleared(A.QUARANTINE),
    ]
    assert clearance_state(ALL_THREE, decisions) is ClearanceState.REJECTED


def test_a_rejection_outranks_a_hold_and_earlier_clearances() -> None:
    decisions = [cleared(A.BORDER_GUARD), held(A.QUARANTINE), rejected(A.CUSTOMS)]
    assert clearance_state(ALL_THREE, decisions) is ClearanceState.REJECTED


def test_decisions_can_be_given_as_any_iterable() -> None:
    decisions = (each for each in [cleared(A.BORDER_GUARD), cleared(A.CUSTOMS)])
    assert clearance_state(BASE, decisions) is ClearanceState.CLEARED


decision_sequences = st.lists(
    st.builds(AgencyDecision, st.sampled_from(list(Agency)), st.sampled_from(list(Decision))),
    max_size=12,
)
required_sets = st.builds(
    required_agencies, st.booleans(), st.sampled_from([None, "8471", "0810"]), st.booleans()
)


@given(required_sets, decision_sequences)
def test_cleared_iff_no_rejection_and_each_required_agency_last_cleared_and_nobody_holds(
    required: frozenset[Agency], decisions: list[AgencyDecision]
) -> None:
    last = {each.agency: each.decision for each in decisions}
    no_rejection = all(each.decision is not D.REJECTED for each in decisions)
    all_required_cleared = all(last.get(agency) is D.CLEARED for agency in required)
    nobody_holds = D.HELD not in last.values()

    state = clearance_state(required, decisions)

    assert (state is ClearanceState.CLEARED) is (
        no_rejection and all_required_cleared and nobody_holds
    )
    assert (state is ClearanceState.REJECTED) is (not no_rejection)
    if no_rejection:
        assert (state is ClearanceState.HELD) is (not nobody_holds)


@given(required_sets, decision_sequences, decision_sequences)
def test_nothing_after_a_rejection_changes_the_state(
    required: frozenset[Agency], before: list[AgencyDecision], after: list[AgencyDecision]
) -> None:
    decisions = [*before, rejected(A.CUSTOMS), *after]
    assert clearance_state(required, decisions) is ClearanceState.REJECTED
