"""A fee's totals per local day (gate/domain/fee_statistics.py): each figure on the day it
happened, what stands now on the fee's own day, nothing for what did not happen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gate.domain.fee_statistics import FeeFacts, FeeKey, Money, fee_totals, local_day
from gate.domain.statistics import BookingFacts, contributions

# 23:30 local on 30 Nov (UTC+7): the next local day starts half an hour later.
FIXED = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
DAY = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # 30 Nov's local midnight
NEXT = DAY + timedelta(days=1)


def _fee(status: str, **extra: object) -> FeeFacts:
    base: dict[str, object] = {
        "gate_id": "g",
        "direction": "export",
        "status": status,
        "amount_vnd": 1_500_000,
        "paid_amount_vnd": 0,
        "fixed_at": FIXED,
    }
    return FeeFacts(**(base | extra))  # type: ignore[arg-type]


def _on(day: datetime, **columns: int) -> dict[tuple[FeeKey, str], int]:
    return {(FeeKey("g", "export", day), column): n for column, n in columns.items()}


def test_a_local_day_starts_at_the_gates_midnight() -> None:
    assert local_day(FIXED) == DAY
    assert local_day(FIXED + timedelta(minutes=30)) == NEXT


def test_a_fee_due_is_owed_on_its_own_day_less_what_was_paid_after_midnight() -> None:
    paid = Money(500_000, FIXED + timedelta(hours=1), "fake")
    totals = fee_totals(_fee("due", paid_amount_vnd=500_000, payments=(paid,)))
    assert totals == _on(DAY, fixed=1, fixed_vnd=1_500_000, outstanding_vnd=1_000_000) | _on(
        NEXT, paid_provider_vnd=500_000
    )


def test_cash_and_a_refund_count_on_their_days_and_a_void_on_its_settling_day() -> None:
    cash = Money(1_500_000, FIXED, "cash")
    back = Money(1_500_000, FIXED + timedelta(hours=2))
    refunded = fee_totals(
        _fee("refund_due", paid_amount_vnd=1_500_000, payments=(cash,), refunds=(back,))
    )
    assert refunded == _on(DAY, fixed=1, fixed_vnd=1_500_000, paid_cash_vnd=1_500_000) | _on(
        NEXT, refunded_vnd=1_500_000
    )
    void = fee_totals(_fee("void", settled_at=FIXED + timedelta(hours=3)))
    assert void == _on(DAY, fixed=1, fixed_vnd=1_500_000) | _on(
        NEXT, voided=1, voided_vnd=1_500_000
    )


def test_a_statement_fee_counts_as_billed_while_on_it_and_once_paid_through_it() -> None:
    billed = _on(DAY, fixed=1, fixed_vnd=1_500_000, statement_vnd=1_500_000)
    assert fee_totals(_fee("statement")) == billed
    through_it = _fee("paid", paid_amount_vnd=1_500_000)  # no payment of its own
    assert fee_totals(through_it) == billed
    by_qr = _fee("paid", paid_amount_vnd=1_500_000, payments=(Money(1_500_000, FIXED, "x"),))
    assert fee_totals(by_qr) == _on(DAY, fixed=1, fixed_vnd=1_500_000, paid_provider_vnd=1_500_000)


def test_a_free_crossing_counts_one_fee_of_nothing() -> None:
    assert fee_totals(_fee("paid", amount_vnd=0)) == _on(DAY, fixed=1)


def test_a_booking_without_a_fee_contributes_no_fee_totals() -> None:
    facts = BookingFacts("g", "export", FIXED, "booked", False, None, False)
    assert contributions(facts).fees == {}
    with_fee = BookingFacts("g", "export", FIXED, "booked", False, None, False, fee=_fee("due"))
    assert contributions(with_fee).fees == fee_totals(_fee("due"))
