"""Monthly agreements and statements as the API takes and answers them. The rules:
gate/domain/statements.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from gate.fees.statements import StatementLine
from gate.store.tables.statements import FeeStatement, StatementAgreement
from services.common.schemas import Identifier, Input, Output, local, local_or_none

# The contract's number as written on it (hợp đồng số …).
ContractReference = Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
# A month as ``2026-11`` (of this century: the platform's statements start in 2026).
Month = Annotated[str, msgspec.Meta(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")]
# One transfer's amount in VND: at most what 10,000 crossings at the highest fee come to.
TransferAmount = Annotated[int, msgspec.Meta(ge=1, le=1_000_000_000_000)]


class AgreementCreate(Input):
    """A monthly agreement: from ``valid_from`` to ``valid_until`` (local days, both included;
    null: open-ended) the enterprise's fees go on its monthly statement; ``reference``: the
    contract's number."""

    valid_from: date
    reference: ContractReference
    valid_until: date | None = None


class AgreementView(Output):
    """An agreement; ``ended_at``: when the administrator ended it early (null: not)."""

    id: str
    enterprise_id: str
    valid_from: date
    valid_until: date | None
    reference: str
    created_at: datetime
    ended_at: datetime | None

    @classmethod
    def of(cls, row: StatementAgreement) -> AgreementView:
        return cls(
            row.id,
            row.enterprise_id,
            row.valid_from,
            row.valid_until,
            row.reference,
            local(row.created_at),
            local_or_none(row.ended_at),
        )


class StatementIssue(Input):
    """The month whose statements to issue (``2026-11``): it must have ended."""

    month: Month

    def first_day(self) -> date:
        year, month = self.month.split("-")
        return date(int(year), int(month), 1)


class StatementView(Output):
    """A statement: its ``number`` (the transfer's reference), month (its first day), total
    and count of fees, ``status`` (due, paid), the sum received and when it was paid."""

    id: str
    number: str
    enterprise_id: str
    month: date
    total_vnd: int
    fee_count: int
    status: str
    paid_amount_vnd: int
    issued_at: datetime
    paid_at: datetime | None

    @classmethod
    def of(cls, row: FeeStatement) -> StatementView:
        return cls(
            row.id,
            row.number,
            row.enterprise_id,
            row.month,
            row.total_vnd,
            row.fee_count,
            row.status,
            row.paid_amount_vnd,
            local(row.issued_at),
            local_or_none(row.paid_at),
        )


class StatementLineView(Output):
    """One crossing on a statement: its booked hour, invoice number, gate (code), direction,
    vehicle type and load class as charged, amount in VND."""

    slot_start: datetime
    invoice_number: str
    gate: str
    direction: str
    vehicle_type: str
    load_class: str
    amount_vnd: int

    @classmethod
    def of(cls, line: StatementLine) -> StatementLineView:
        return cls(
            local(line.slot_start),
            line.invoice_number,
            line.gate.code,
            line.direction,
            line.vehicle_type,
            line.load_class,
            line.amount_vnd,
        )


class StatementDetail(Output):
    """A statement with its crossings."""

    statement: StatementView
    lines: list[StatementLineView]


class StatementTransfer(Input):
    """A transfer paying a statement, as the administrator saw it on the account:
    ``transaction_id`` (the bank's reference: the same one recorded again changes nothing),
    ``amount_vnd`` and when it was paid (now when left out)."""

    transaction_id: Identifier
    amount_vnd: TransferAmount
    paid_at: datetime | None = None
