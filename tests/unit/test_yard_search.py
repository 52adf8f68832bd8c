"""The console's search key and "waiting for my agency", as rules (gate/domain/yard_search.py)."""

from __future__ import annotations

import pytest

from gate.domain.clearance import Agency, Decision, required_agencies
from gate.domain.errors import ValidationFailed
from gate.domain.plate_reads import fold
from gate.domain.plates import normalise_plate
from gate.domain.yard_search import MAX_SEARCH_TEXT, search_key, waits_for


def matches(typed: str, stored: str) -> bool:
    """As gate/yard/search.py compares in SQL: the key within the stored text, folded."""
    return search_key(typed) in fold(normalise_plate(stored))


@pytest.mark.parametrize(
    "typed",
    ["12C-123.45", "12c 123", "I2C-I23", " 12c.12 3 ", "１２Ｃ１２３", "c12345", "2c\u200b1", "45"],
)
def test_a_plate_is_found_however_an_officer_types_part_of_it(typed: str):
    assert matches(typed, "12C12345")
    assert not matches(typed, "29H67890")


def test_a_booking_code_is_found_by_part_of_it_in_any_case():
    assert matches("b3k7", "AB3K7MPQRS")
    assert matches("8 3k", "AB3K7MPQRS")  # B read as 8 is still the B
    assert not matches("b3k8", "AB3K7MPQRS")


def test_nothing_but_separators_is_no_search_and_matches_everything():
    assert search_key(" - . ") == ""
    assert matches(" ", "12C12345")


def test_a_search_too_long_or_with_a_control_character_is_refused():
    assert search_key("1" * MAX_SEARCH_TEXT)
    for typed in ("1" * (MAX_SEARCH_TEXT + 1), "12C\x0012", "12\x7f"):
        with pytest.raises(ValidationFailed):
            search_key(typed)
    assert search_key("12C\t12") == "12C12"  # a tab is white space, not a control


def test_a_truck_waits_for_an_agency_its_cargo_needs_until_it_decides_other_than_hold():
    fruit = required_agencies(perishable=True, hs_code="0810.90")
    parts = required_agencies(perishable=False, hs_code="8471.30")
    assert waits_for(Agency.QUARANTINE, fruit, [])
    assert not waits_for(Agency.QUARANTINE, parts, [])
    assert waits_for(Agency.CUSTOMS, parts, [])
    assert waits_for(Agency.CUSTOMS, parts, [Decision.HELD])
    assert not waits_for(Agency.CUSTOMS, parts, [Decision.HELD, Decision.CLEARED])
    assert not waits_for(Agency.CUSTOMS, parts, [Decision.REJECTED])
    assert waits_for(Agency.CUSTOMS, parts, [Decision.CLEARED, Decision.HELD])
    assert not waits_for(Agency.GATE_OPERATOR, parts, [])
