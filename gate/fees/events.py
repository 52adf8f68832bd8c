"""The audited event of a change of one fee, built the one way every use case records it."""

from __future__ import annotations

from typing import TypeVar

from gate.domain.events import Actor, Fact
from gate.domain.fee_events import FeeEvent
from gate.store.tables.fees import Fee

E = TypeVar("E", bound=FeeEvent)


def fee_event(
    kind: type[E],
    fee: Fee,
    gate_code: str,
    actor: Actor,
    *,
    before: str | None,
    after: str | None = None,
    facts: dict[str, Fact] | None = None,
) -> E:
    """The event ``kind`` (gate/domain/fee_events.py) about ``fee`` of the gate whose code
    is ``gate_code``: subject the fee, its booking, enterprise and direction; its status
    ``before`` the change and ``after`` it (default: the fee's status now); facts its invoice
    number and amount (VND) with ``facts`` over them."""
    return kind(
        subject_id=fee.id,
        gate=gate_code,
        gate_id=fee.gate_id,
        booking_id=fee.booking_id,
        enterprise_id=fee.enterprise_id,
        direction=fee.direction,
        from_status=before,
        to_status=after if after is not None else fee.status,
        actor=actor,
        facts={"invoice_number": fee.invoice_number, "amount_vnd": fee.amount_vnd, **(facts or {})},
    )
