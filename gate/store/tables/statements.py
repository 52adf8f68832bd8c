"""Monthly statements (issue 19, migration 0029): the agreements under which an enterprise pays
its crossings' fees by a monthly statement, the statements issued, and which fees and which
payments each holds. The rules: gate/domain/statements.py."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gate.store.tables.base import Base, CreatedMixin, IdMixin
from gate.store.types import MONEY


class StatementAgreement(IdMixin, CreatedMixin, Base):
    """A monthly agreement (hợp đồng thanh toán theo tháng): from ``valid_from`` to
    ``valid_until`` (local days, both included; None: open-ended) the enterprise's fees go on
    its monthly statement. ``reference``: the contract's number. ``ended_at``: the
    administrator ended it early at that instant (bookings made from then on pay each fee)."""

    __tablename__ = "statement_agreements"
    __table_args__ = (Index("ix_statement_agreements_enterprise", "enterprise_id", "valid_from"),)

    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"))
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]
    reference: Mapped[str] = mapped_column(String(60))
    ended_at: Mapped[datetime | None]


class FeeStatement(IdMixin, Base):
    """One enterprise's statement of one month (``month``: its first day, local): the fees on
    statement of the crossings booked in that month, their ``total_vnd``, its ``number``
    (``SK26110001``: the payment's reference). ``status``: due, then paid when the sum received
    (``paid_amount_vnd``) reaches the total. One per enterprise and month."""

    __tablename__ = "fee_statements"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "month", name="uq_fee_statements_enterprise_month"),
        CheckConstraint("total_vnd >= 0", name="total_not_negative"),
        Index("ix_fee_statements_month", "month"),
    )

    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"))
    month: Mapped[date]
    number: Mapped[str] = mapped_column(String(12), unique=True)
    total_vnd: Mapped[int] = mapped_column(MONEY)
    fee_count: Mapped[int]
    issued_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10))
    paid_amount_vnd: Mapped[int] = mapped_column(MONEY, default=0, server_default="0")
    paid_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class StatementFee(Base):
    """A fee on a statement: a fee is on one statement at most (its primary key)."""

    __tablename__ = "statement_fees"

    fee_id: Mapped[str] = mapped_column(ForeignKey("fees.id"), primary_key=True)
    statement_id: Mapped[str] = mapped_column(ForeignKey("fee_statements.id"), index=True)


class StatementPayment(Base):
    """Money received (a ``fee_payments`` row) that went to a statement."""

    __tablename__ = "statement_payments"

    payment_id: Mapped[str] = mapped_column(ForeignKey("fee_payments.id"), primary_key=True)
    statement_id: Mapped[str] = mapped_column(ForeignKey("fee_statements.id"), index=True)
