"""The border-gate infrastructure fee (issue 19, migration 0027): each gate's schedule versions
and their rates, one fee per crossing with its invoice number, the money received for it and
the refunds owed. The rules: gate/domain/fees.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gate.domain.time import utc_now
from gate.store.tables.base import Base, CreatedMixin, IdMixin
from gate.store.types import MONEY


class FeeSchedule(IdMixin, CreatedMixin, Base):
    """One version of a gate's rates, in force from ``effective_from`` (UTC) until the next
    version's; ``decision``: the council's decision that set them. Never updated."""

    __tablename__ = "fee_schedules"
    __table_args__ = (
        UniqueConstraint("gate_id", "version", name="uq_fee_schedules_gate_version"),
        UniqueConstraint("gate_id", "effective_from", name="uq_fee_schedules_gate_effective"),
    )

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"))
    version: Mapped[int]
    effective_from: Mapped[datetime]
    decision: Mapped[str] = mapped_column(String(200))
    # Who made it: the actor's kind and id (the administrator has none).
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(36))


class FeeRate(IdMixin, Base):
    """A line of a schedule version: the fee in VND of a crossing in ``direction`` by a
    ``vehicle_type`` with a ``load_class`` (``*``: any)."""

    __tablename__ = "fee_rates"
    __table_args__ = (
        UniqueConstraint(
            "schedule_id",
            "direction",
            "vehicle_type",
            "load_class",
            name="uq_fee_rates_line",
        ),
        CheckConstraint("amount_vnd >= 0", name="amount_not_negative"),
    )

    schedule_id: Mapped[str] = mapped_column(ForeignKey("fee_schedules.id"), index=True)
    direction: Mapped[str] = mapped_column(String(10))
    vehicle_type: Mapped[str] = mapped_column(String(30))
    load_class: Mapped[str] = mapped_column(String(12))
    amount_vnd: Mapped[int] = mapped_column(MONEY)


class Fee(IdMixin, Base):
    """The fee of one crossing, fixed when its booking was made: the rate it was charged by
    (schedule version, vehicle type, load class), its invoice number and where it stands
    (``status``, gate.domain.fees.FeeStatus). ``paid_amount_vnd``: the sum received for it
    (at most its amount: a surplus is owed back by a refund row of its own);
    ``refund_amount_vnd``: what a cancellation sends back."""

    __tablename__ = "fees"
    __table_args__ = (
        Index("ix_fees_enterprise_fixed", "enterprise_id", "fixed_at"),
        Index("ix_fees_gate_fixed", "gate_id", "fixed_at"),
        CheckConstraint("amount_vnd >= 0", name="amount_not_negative"),
    )

    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), unique=True)
    invoice_number: Mapped[str] = mapped_column(String(20), unique=True)
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"))
    enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("enterprises.id"))
    schedule_id: Mapped[str] = mapped_column(ForeignKey("fee_schedules.id"))
    direction: Mapped[str] = mapped_column(String(10))
    vehicle_type: Mapped[str] = mapped_column(String(30))
    load_class: Mapped[str] = mapped_column(String(12))
    amount_vnd: Mapped[int] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(12), index=True)
    fixed_at: Mapped[datetime] = mapped_column(default=utc_now)
    paid_amount_vnd: Mapped[int] = mapped_column(MONEY, default=0, server_default="0")
    paid_at: Mapped[datetime | None]
    refund_amount_vnd: Mapped[int] = mapped_column(MONEY, default=0, server_default="0")
    settled_at: Mapped[datetime | None]  # when a cancellation settled it (refund or void)
    # The last instant a cancellation refunds it (gate.domain.fees.refund_deadline), moved by
    # a reschedule (deadline_after_move: a late move keeps it passed).
    refund_deadline: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class FeePayment(IdMixin, Base):
    """Money received: a payment provider's notification, or cash an officer took (provider
    ``cash``, with its receipt number). ``(provider, transaction_id)`` is unique: a retried
    notification finds the row the first made. ``fee_id`` None: the reference matched no
    fee (the money goes back: a refund row names the payment)."""

    __tablename__ = "fee_payments"
    __table_args__ = (
        UniqueConstraint("provider", "transaction_id", name="uq_fee_payments_transaction"),
        Index("ix_fee_payments_fee", "fee_id"),
        Index("ix_fee_payments_received", "received_at"),
    )

    fee_id: Mapped[str | None] = mapped_column(ForeignKey("fees.id"))
    provider: Mapped[str] = mapped_column(String(20))
    transaction_id: Mapped[str] = mapped_column(String(80))
    amount_vnd: Mapped[int] = mapped_column(MONEY)
    reference: Mapped[str | None] = mapped_column(String(200))
    paid_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utc_now)
    receipt_number: Mapped[str | None] = mapped_column(String(30), unique=True)
    officer_id: Mapped[str | None] = mapped_column(String(36))


class FeeRefund(IdMixin, CreatedMixin, Base):
    """Money owed back: for a cancelled crossing's fee (``rule``: gate.domain.fees.RefundRule)
    or a payment that matched no fee (``payment_id``). ``status``: due, then sent."""

    __tablename__ = "fee_refunds"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        Index("ix_fee_refunds_status", "status", "created_at"),
    )

    fee_id: Mapped[str | None] = mapped_column(ForeignKey("fees.id"), index=True)
    payment_id: Mapped[str | None] = mapped_column(ForeignKey("fee_payments.id"))
    amount_vnd: Mapped[int] = mapped_column(MONEY)
    rule: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10), default="due")
    sent_at: Mapped[datetime | None]


class InvoiceCounter(Base):
    """The last invoice number given in a series and year (one row, locked by each taker)."""

    __tablename__ = "invoice_counters"

    # Invoice series (up to 6 letters) and receipts' (BL and the invoice series: up to 8).
    series: Mapped[str] = mapped_column(String(12), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)
