"""The infrastructure fee's rules (gate/domain/fees.py): load classes, the most specific rate,
the version in force, new versions never in the past, invoice numbers found in a transfer's
text, and the refund rule of a cancellation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.domain.errors import ValidationFailed
from gate.domain.fees import (
    ANY,
    FeeStatus,
    LoadClass,
    Rate,
    RefundRule,
    check_new_version,
    check_rates,
    deadline_after_move,
    default_series,
    find_invoice_numbers,
    invoice_number,
    load_class_of,
    rate_for,
    refund_deadline,
    refund_on_cancel,
    schedule_in_force,
)

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
RATES = [
    Rate("export", ANY, ANY, 1_000_000),
    Rate("import", ANY, ANY, 1_200_000),
    Rate("export", "container", ANY, 2_000_000),
    Rate("export", ANY, "18t-up", 1_500_000),
    Rate("export", "container", "18t-up", 2_500_000),
]


def test_load_classes_follow_the_declared_weight() -> None:
    assert load_class_of(None) is LoadClass.UNKNOWN
    assert load_class_of(9_999.9) is LoadClass.UNDER_10T
    assert load_class_of(10_000) is LoadClass.FROM_10T
    assert load_class_of(17_999) is LoadClass.FROM_10T
    assert load_class_of(18_000) is LoadClass.FROM_18T


def test_the_most_specific_rate_wins_and_a_walk_in_takes_the_catch_all() -> None:
    rates = check_rates(RATES, ["export", "import"])
    assert rate_for(rates, "export", "Container ", LoadClass.FROM_18T).amount_vnd == 2_500_000
    assert rate_for(rates, "export", "container", LoadClass.UNDER_10T).amount_vnd == 2_000_000
    assert rate_for(rates, "export", "truck", LoadClass.FROM_18T).amount_vnd == 1_500_000
    assert rate_for(rates, "export", "truck", LoadClass.UNDER_10T).amount_vnd == 1_000_000
    assert rate_for(rates, "import", "container", LoadClass.FROM_18T).amount_vnd == 1_200_000
    assert rate_for(rates, "export", ANY, LoadClass.UNKNOWN).amount_vnd == 1_000_000


@pytest.mark.parametrize(
    ("rates", "why"),
    [
        ([], "fee-rates-empty"),
        ([Rate("export", ANY, ANY, 1)], "fee-catch-all-missing"),
        ([*RATES, Rate("export", "CONTAINER", ANY, 5)], "fee-rate-duplicate"),
        ([*RATES, Rate("export", "truck", "heavy", 5)], "fee-load-unknown"),
        ([*RATES, Rate("export", "truck", "unknown", 5)], "fee-load-unknown"),
        ([*RATES, Rate("transit", ANY, ANY, 5)], "fee-direction-unknown"),
        ([*RATES, Rate("export", "truck", ANY, -1)], "fee-amount-out-of-range"),
        ([*RATES, Rate("export", "truck", ANY, 100_000_001)], "fee-amount-out-of-range"),
    ],
)
def test_a_schedule_that_could_leave_a_crossing_without_a_fee_is_refused(
    rates: list[Rate], why: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_rates(rates, ["export", "import"])
    assert refused.value.why == why


@dataclass(frozen=True)
class Version:
    number: int
    effective_from: datetime


def test_the_version_in_force_is_the_latest_started() -> None:
    versions = [Version(1, T0), Version(2, T0 + timedelta(days=30))]
    assert schedule_in_force(versions, T0 - timedelta(seconds=1)) is None
    assert schedule_in_force(versions, T0) == versions[0]
    assert (
        schedule_in_force(versions, T0 + timedelta(days=30) - timedelta(seconds=1)) == versions[0]
    )
    assert schedule_in_force(versions, T0 + timedelta(days=30)) == versions[1]


def test_a_new_version_never_starts_in_the_past_nor_before_the_latest() -> None:
    latest = Version(1, T0 + timedelta(days=10))
    with pytest.raises(ValidationFailed) as past:
        check_new_version(T0 - timedelta(minutes=1), T0, None)
    assert past.value.why == "fee-effective-past"
    with pytest.raises(ValidationFailed) as before:
        check_new_version(T0 + timedelta(days=10), T0, latest)
    assert before.value.why == "fee-effective-before-latest"
    assert check_new_version(T0 + timedelta(days=11), T0, latest) == T0 + timedelta(days=11)


def test_invoice_numbers_and_series() -> None:
    assert default_series("huu-nghi") == "HN"
    assert default_series("tan-thanh") == "TT"
    assert default_series("x") == "XX"
    assert invoice_number("HN", 2026, 123) == "HN260000123"


@given(st.sampled_from(["HN", "TT", "CMX"]), st.integers(1, 9_999_999), st.text(max_size=20))
def test_an_invoice_number_is_found_in_a_bank_transfers_text(
    series: str, sequence: int, noise: str
) -> None:
    number = invoice_number(series, 2026, sequence)
    # Banks drop punctuation and may change case; the payer adds words around the number.
    spaced = noise.replace("\x00", "") + " thanh toan " + number.lower() + " phi "
    assert number in find_invoice_numbers(spaced)


SLOT = T0 + timedelta(hours=10)


@pytest.mark.parametrize(
    ("status", "paid", "before", "by_gate", "expected"),
    [
        (
            FeeStatus.PAID,
            1_000,
            timedelta(hours=2),
            False,
            (FeeStatus.REFUND_DUE, 1_000, RefundRule.IN_TIME),
        ),
        (
            FeeStatus.PAID,
            1_000,
            timedelta(hours=2) - timedelta(seconds=1),
            False,
            (FeeStatus.PAID, 0, RefundRule.LATE),
        ),
        (
            FeeStatus.PAID,
            1_000,
            timedelta(0),
            True,
            (FeeStatus.REFUND_DUE, 1_000, RefundRule.BY_GATE),
        ),
        (FeeStatus.DUE, 0, timedelta(hours=5), False, (FeeStatus.VOID, 0, RefundRule.IN_TIME)),
        (FeeStatus.DUE, 0, timedelta(minutes=5), False, (FeeStatus.DUE, 0, RefundRule.LATE)),
        (
            FeeStatus.STATEMENT,
            0,
            timedelta(hours=5),
            False,
            (FeeStatus.VOID, 0, RefundRule.IN_TIME),
        ),
    ],
)
def test_the_refund_rule_of_a_cancellation(
    status: FeeStatus,
    paid: int,
    before: timedelta,
    by_gate: bool,
    expected: tuple[FeeStatus, int, RefundRule],
) -> None:
    settled = refund_on_cancel(
        status, paid, cancelled_at=SLOT - before, deadline=refund_deadline(SLOT), by_gate=by_gate
    )
    assert settled is not None
    assert (settled.status, settled.refund_vnd, settled.rule) == expected


def test_a_settled_fee_is_not_settled_again() -> None:
    for status in (FeeStatus.REFUND_DUE, FeeStatus.REFUNDED, FeeStatus.VOID):
        assert (
            refund_on_cancel(
                status, 5, cancelled_at=T0, deadline=refund_deadline(SLOT), by_gate=True
            )
            is None
        )


def test_letters_run_into_a_number_leave_each_series_a_candidate() -> None:
    found = find_invoice_numbers("CK PHIHN260000123 cam on; HN2600001234 is too long")
    assert "HN260000123" in found
    assert all(len(n) <= 15 for n in found)
    assert not any(n.endswith("600001234") for n in found)


def test_a_late_move_keeps_the_deadline_passed_and_a_timely_one_moves_it() -> None:
    hour_away = T0 + timedelta(hours=1)
    deadline = refund_deadline(hour_away)  # passed at T0: an hour before the hour
    next_week = T0 + timedelta(days=7)
    assert deadline_after_move(deadline, next_week, T0, by_gate=False) == deadline
    # Cancelled a week ahead, after a late move: late all the same.
    late = refund_on_cancel(
        FeeStatus.PAID,
        9,
        cancelled_at=T0 + timedelta(minutes=1),
        deadline=deadline,
        by_gate=False,
    )
    assert late is not None and late.rule is RefundRule.LATE
    # Moved in time, or by the gate: the new hour's deadline.
    early = refund_deadline(T0 + timedelta(days=2))
    assert deadline_after_move(early, next_week, T0, by_gate=False) == refund_deadline(next_week)
    assert deadline_after_move(deadline, next_week, T0, by_gate=True) == refund_deadline(next_week)


def test_a_rate_for_a_vehicle_type_no_vehicle_can_have_is_refused() -> None:
    for odd in ("\u200b", "truck\x00", "con\ttainer"):
        with pytest.raises(ValidationFailed) as refused:
            check_rates([*RATES, Rate("export", odd, ANY, 5)], ["export", "import"])
        assert refused.value.why == "fee-vehicle-type"


def test_an_invoice_number_spaced_from_its_series_is_found() -> None:
    assert "TT260000002" in find_invoice_numbers("thanh toan TT 260000002")
    assert "TT260000002" in find_invoice_numbers("TT-260000002")
