"""The audited events of the infrastructure fee (issue 19): a schedule version made, a
crossing's fee paid, owed back, refunded or voided, and an enterprise's monthly agreements and
statements. A fee's and a schedule's go to their gate's hash chain (subject: the schedule's
or the fee's id), an agreement's and a statement's to the enterprise's; none carries
personal data (no plate, payer or account: the invoice number and amounts only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from gate.domain.accounts import AccountEvent
from gate.domain.events import SYSTEM, Actor, DomainEvent, Fact


@dataclass(frozen=True, kw_only=True)
class FeeEvent(DomainEvent):
    """A change of a fee or of a gate's schedule. ``subject_id``: the fee's id (the
    schedule's for a new version); ``booking_id`` and ``enterprise_id`` when a fee's (None
    for a schedule, and a walk-in has no enterprise). Facts: ``invoice_number``,
    ``amount_vnd``, ``paid_amount_vnd``, ``refund_amount_vnd``, ``rule``, ``version``,
    ``effective_from`` as they apply."""

    name: ClassVar[str] = "fee.changed"
    subject_id: str
    gate: str
    gate_id: str
    booking_id: str | None = None
    enterprise_id: str | None = None
    direction: str | None = None
    from_status: str | None = None
    to_status: str | None = None
    actor: Actor = SYSTEM
    reason: str | None = None
    facts: dict[str, Fact] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class FeeScheduleMade(FeeEvent):
    """A new schedule version (facts: version, effective_from, decision, rates count)."""

    name: ClassVar[str] = "fee_schedule.made"


@dataclass(frozen=True, kw_only=True)
class FeeRefundDue(FeeEvent):
    """A cancellation in time (or by the gate) of a paid fee: the amount paid is owed back
    (facts: rule, refund_amount_vnd)."""

    name: ClassVar[str] = "fee.refund_due"


@dataclass(frozen=True, kw_only=True)
class FeeVoided(FeeEvent):
    """A cancellation in time (or by the gate) of a fee not paid: nothing is owed (facts:
    rule)."""

    name: ClassVar[str] = "fee.voided"


@dataclass(frozen=True, kw_only=True)
class FeePaid(FeeEvent):
    """The amount received reached the fee (a provider's notification, or cash): the truck
    is no longer held for it."""

    name: ClassVar[str] = "fee.paid"


@dataclass(frozen=True, kw_only=True)
class FeeRefunded(FeeEvent):
    """Every refund owed on the fee was sent through its provider: ``refund_due`` to
    ``refunded`` (facts: invoice_number, amount_vnd, refund_amount_vnd). Told to the
    enterprise as the webhook and message topic ``fee.refunded``."""

    name: ClassVar[str] = "fee.refunded"


@dataclass(frozen=True, kw_only=True)
class CashReceived(FeeEvent):
    """An officer took cash for the fee and gave a receipt (facts: receipt_number,
    invoice_number, amount_vnd; the actor is the officer)."""

    name: ClassVar[str] = "fee.cash_received"


@dataclass(frozen=True, kw_only=True)
class FeePaymentReceived(FeeEvent):
    """Money received for a fee that did not make it paid: a part of it, or money for a fee
    already paid or settled (owed back). Facts: ``invoice_number``, ``amount_vnd`` (the
    fee's), ``received_vnd``, ``paid_amount_vnd``. Recorded so that every change of a fee's
    money is in its gate's chain: the statistics fold what the chains name
    (gate/statistics/update.py), and a part paid was otherwise in none."""

    name: ClassVar[str] = "fee.payment_received"


@dataclass(frozen=True, kw_only=True)
class StatementEvent(AccountEvent):
    """A change of an enterprise's monthly statements, audited in the enterprise's chain (an
    account's affair: it spans the enterprise's gates). ``subject_id``: the agreement's or the
    statement's id. Facts: ``reference``, ``valid_from``, ``valid_until``, ``number``,
    ``month``, ``total_vnd``, ``fee_count``, ``paid_amount_vnd`` as they apply."""

    name: ClassVar[str] = "statement.changed"


@dataclass(frozen=True, kw_only=True)
class AgreementMade(StatementEvent):
    """The administrator made a monthly agreement."""

    name: ClassVar[str] = "statement_agreement.made"


@dataclass(frozen=True, kw_only=True)
class AgreementEnded(StatementEvent):
    """The administrator ended an agreement early."""

    name: ClassVar[str] = "statement_agreement.ended"


@dataclass(frozen=True, kw_only=True)
class StatementIssued(StatementEvent):
    """A month's statement issued (its number, total and fee count)."""

    name: ClassVar[str] = "statement.issued"


@dataclass(frozen=True, kw_only=True)
class StatementPaid(StatementEvent):
    """The sum received reached the statement's total: its fees are paid."""

    name: ClassVar[str] = "statement.paid"
