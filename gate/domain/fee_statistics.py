"""What a crossing's fee adds to the statistics: its totals per gate, direction and local day
(issue 19, "the totals in the statistics"; thống kê phí hạ tầng).

Like a booking's counts (``gate/domain/statistics.py``), a fee's totals are a pure function of
its own rows: the fee, the money received for it (``fee_payments``) and the refunds owed for
it (``fee_refunds``). So the incremental job (which folds a booking again whenever its gate's
audit chain names it or its fee) and the rebuild agree by construction.

**Which day.** A day is the gates' local day (Asia/Ho_Chi_Minh), and each figure is counted
on the day the thing happened, as a cash book is kept, so a day's row says what the gate did
that day:

* ``fixed`` (a count) and ``fixed_vnd``: the fees fixed that day (``fixed_at``: the booking
  made or the walk-in admitted; its invoice's day), whatever became of them.
* ``paid_provider_vnd`` and ``paid_cash_vnd``: the money received that day for the gate's
  fees (each payment's ``paid_at``), by how it came: ``cash`` is what officers took at the
  gate with a receipt; every other provider is a payment provider's notification (the
  VietQR transfer). All of it, a surplus too: what is owed back is in ``refunded_vnd``.
* ``refunded_vnd``: the refunds owed that day (a cancellation in time, a surplus, money for a
  fee already settled), on the day each was decided (``created_at``), sent or not yet: the
  money the gate gives back.
* ``voided`` (a count) and ``voided_vnd``: the fees a cancellation in time voided before
  anything was paid (``settled_at``): revenue that will never come.

**What stands now**, counted on the day the fee was fixed (a past day's row says how much of
that day's fees is still owed today; it changes as they are paid):

* ``outstanding_vnd``: what is still owed of the fees that are due (their amount less what
  was received).
* ``statement_vnd``: the fees billed to an enterprise's monthly statement (an agreement):
  those still on it, and those paid through their statement, with no payment of their own
  (a statement is paid as one sum); they are not collected at the gate.

Money that names no fee (a transfer whose text holds no invoice number) is no gate's: it is
not here (the payments' own reconciliation owes it back).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gate.domain.fees import FeeStatus
from gate.domain.time import LOCAL_TZ, as_utc

# The totals kept per gate, direction and local day: the rollup's columns, in this order.
FEE_COUNTS = (
    "fixed",
    "fixed_vnd",
    "paid_provider_vnd",
    "paid_cash_vnd",
    "statement_vnd",
    "refunded_vnd",
    "voided",
    "voided_vnd",
    "outstanding_vnd",
)

# The provider name of money an officer took at the gate (gate/payments/receiving.py).
CASH = "cash"
# Statuses of a fee whose amount was received (the refund decided after, if any).
_PAID = frozenset({FeeStatus.PAID, FeeStatus.REFUND_DUE, FeeStatus.REFUNDED})


@dataclass(frozen=True, slots=True, order=True)
class FeeKey:
    """Where a fee's figure is counted: gate id, direction, the local day (its midnight as
    an aware UTC instant, as the statistics' daily rollups key their days)."""

    gate_id: str
    direction: str
    day: datetime


@dataclass(frozen=True, slots=True)
class Money:
    """A sum in VND and when it moved (aware): a payment received (``provider`` its way) or
    a refund owed (``provider`` None)."""

    amount_vnd: int
    at: datetime
    provider: str | None = None


@dataclass(frozen=True, slots=True)
class FeeFacts:
    """What of a fee the statistics read (times aware, any zone): its own row, its payments
    and the refunds owed for it."""

    gate_id: str
    direction: str
    status: str
    amount_vnd: int
    paid_amount_vnd: int
    fixed_at: datetime
    settled_at: datetime | None = None
    payments: tuple[Money, ...] = ()
    refunds: tuple[Money, ...] = ()


FeeTotals = dict[tuple[FeeKey, str], int]


def local_day(moment: datetime) -> datetime:
    """The local midnight starting the gates' day ``moment`` falls in, as a UTC instant."""
    local = as_utc(moment).astimezone(LOCAL_TZ)
    return as_utc(local.replace(hour=0, minute=0, second=0, microsecond=0))


def fee_totals(fee: FeeFacts) -> FeeTotals:
    """The fee's figures per (day key, column of ``FEE_COUNTS``); zeros left out."""
    found: FeeTotals = {}

    def add(at: datetime, column: str, amount: int) -> None:
        if amount:
            slot = (FeeKey(fee.gate_id, fee.direction, local_day(at)), column)
            found[slot] = found.get(slot, 0) + amount

    status = FeeStatus(fee.status)
    add(fee.fixed_at, "fixed", 1)
    add(fee.fixed_at, "fixed_vnd", fee.amount_vnd)
    for payment in fee.payments:
        column = "paid_cash_vnd" if payment.provider == CASH else "paid_provider_vnd"
        add(payment.at, column, payment.amount_vnd)
    for refund in fee.refunds:
        add(refund.at, "refunded_vnd", refund.amount_vnd)
    if status is FeeStatus.VOID:
        add(fee.settled_at or fee.fixed_at, "voided", 1)
        add(fee.settled_at or fee.fixed_at, "voided_vnd", fee.amount_vnd)
    elif status is FeeStatus.DUE:
        add(fee.fixed_at, "outstanding_vnd", max(fee.amount_vnd - fee.paid_amount_vnd, 0))
    elif status is FeeStatus.STATEMENT:
        add(fee.fixed_at, "statement_vnd", max(fee.amount_vnd - fee.paid_amount_vnd, 0))
    elif status in _PAID and not fee.payments:
        # Paid with no payment of its own: through its statement, paid as one sum (a free
        # crossing's 0 VND adds nothing).
        add(fee.fixed_at, "statement_vnd", fee.amount_vnd)
    return found
