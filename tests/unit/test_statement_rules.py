"""The monthly statements' rules (gate/domain/statements.py): a month's instants on the gates'
clock, statement numbers and finding them in a transfer's text, when an agreement is in
force, and agreements that may not overlap."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.domain.errors import Conflict, ValidationFailed
from gate.domain.fees import find_invoice_numbers
from gate.domain.statements import (
    STATEMENT_NUMBER,
    check_agreement,
    check_month_ended,
    check_reference,
    find_statement_numbers,
    in_force,
    last_day,
    month_bounds,
    month_of,
    next_month,
    previous_month,
    statement_number,
)


def test_a_month_runs_from_local_midnight_to_local_midnight():
    start, end = month_bounds(date(2026, 12, 1))
    # Asia/Ho_Chi_Minh is UTC+7: the month starts at 17:00 UTC the day before.
    assert start == datetime(2026, 11, 30, 17, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 17, tzinfo=UTC)
    # 23:30 UTC on 30 November is already December on the gates' clock.
    assert month_of(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)


def test_months_follow_each_other_across_the_year():
    assert next_month(date(2026, 12, 1)) == date(2027, 1, 1)
    assert previous_month(date(2027, 1, 1)) == date(2026, 12, 1)
    assert next_month(date(2028, 2, 1)) == date(2028, 3, 1)


def test_a_statement_is_issued_only_once_its_month_has_ended():
    now = datetime(2026, 12, 1, 1, tzinfo=UTC)  # 08:00 on 1 December, local
    assert check_month_ended(date(2026, 11, 15), now) == date(2026, 11, 1)
    with pytest.raises(ValidationFailed) as refused:
        check_month_ended(date(2026, 12, 1), now)
    assert refused.value.why == "statement-month-not-ended"


def test_statement_numbers_are_letters_and_digits_and_no_invoice_number():
    number = statement_number(date(2026, 11, 1), 12)
    assert number == "SK26110012"
    assert STATEMENT_NUMBER.match(number)
    # A transfer naming it names no invoice (nine digits after the series): never confused.
    assert find_invoice_numbers(f"CK {number}") == []
    with pytest.raises(Conflict):
        statement_number(date(2026, 11, 1), 10_000)


def test_a_transfers_text_names_its_statement_whatever_the_bank_did_to_it():
    assert find_statement_numbers("Cty ABC tt bang ke sk2611-0012.") == ["SK26110012"]
    assert find_statement_numbers("SK26110012 SK26110012 SK26110013") == [
        "SK26110012",
        "SK26110013",
    ]
    # A digit running on makes it no statement number.
    assert find_statement_numbers("SK261100123") == []


@given(st.dates(date(2000, 1, 1), date(2099, 12, 1)), st.integers(1, 9999))
def test_every_number_made_is_found_again_in_a_transfers_text(day: date, sequence: int):
    number = statement_number(day.replace(day=1), sequence)
    assert find_statement_numbers(f"thanh toan {number.lower()} thang") == [number]


def test_an_agreement_is_in_force_over_its_local_days_until_ended_early():
    first, last = date(2026, 12, 1), date(2026, 12, 31)
    assert not in_force(first, last, None, datetime(2026, 11, 30, 16, 59, tzinfo=UTC))
    assert in_force(first, last, None, datetime(2026, 11, 30, 17, 0, tzinfo=UTC))
    assert in_force(first, last, None, datetime(2026, 12, 31, 16, 59, tzinfo=UTC))
    assert not in_force(first, last, None, datetime(2026, 12, 31, 17, 0, tzinfo=UTC))
    assert in_force(first, None, None, datetime(2030, 1, 1, tzinfo=UTC))
    ended = datetime(2026, 12, 10, 3, tzinfo=UTC)
    assert in_force(first, last, ended, datetime(2026, 12, 10, 2, 59, tzinfo=UTC))
    assert not in_force(first, last, ended, ended)
    assert last_day(last, ended) == date(2026, 12, 10)
    assert last_day(None, None) is None


def test_two_agreements_of_one_enterprise_never_overlap():
    december = [(date(2026, 12, 1), date(2026, 12, 31))]
    check_agreement(date(2027, 1, 1), None, december)
    check_agreement(date(2026, 11, 1), date(2026, 11, 30), december)
    for first, last in [
        (date(2026, 12, 31), None),
        (date(2026, 11, 1), date(2026, 12, 1)),
        (date(2026, 12, 5), date(2026, 12, 6)),
    ]:
        with pytest.raises(Conflict) as refused:
            check_agreement(first, last, december)
        assert refused.value.why == "statement-agreement-overlap"
    with pytest.raises(Conflict):
        check_agreement(date(2030, 1, 1), None, [(date(2027, 1, 1), None)])
    with pytest.raises(ValidationFailed) as refused_days:
        check_agreement(date(2027, 2, 1), date(2027, 1, 31), [])
    assert refused_days.value.why == "statement-agreement-days"


def test_a_contract_number_is_required_and_kept_trimmed():
    assert check_reference("  HĐ  12/2026/TT-LS ") == "HĐ 12/2026/TT-LS"
    for bad in ("", "   ", "x" * 61):
        with pytest.raises(ValidationFailed):
            check_reference(bad)
