"""The dispatch API's bodies: a gate direction's rule, an officer's order, and orders as the
gate's officers read them (officers may see the full plate; the public never does)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from gate.dispatch.orders import Listed
from gate.domain.dispatch import MAX_DEADLINE_MINUTES, MAX_TARGET, OrderStatus
from gate.domain.plates import format_plate
from gate.store.tables import DispatchRule
from services.common.schemas import Input, Output, Reason, local, local_or_none

Target = Annotated[int, msgspec.Meta(ge=0, le=MAX_TARGET)]
DeadlineMinutes = Annotated[int, msgspec.Meta(ge=1, le=MAX_DEADLINE_MINUTES)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class DispatchRuleUpdate(Input):
    """A direction's rule: ``target`` trucks per queue class kept in the control yard or on
    their way; ``deadline_minutes`` each order gives its truck; ``paused`` stops the
    automatic dispatch (``reason`` kept while paused)."""

    target: Target
    deadline_minutes: DeadlineMinutes
    paused: bool = False
    reason: Reason | None = None


class DispatchRuleView(Output):
    gate: str
    direction: str
    target: int
    deadline_minutes: int
    paused: bool
    reason: str | None

    @classmethod
    def of(cls, gate: str, row: DispatchRule) -> DispatchRuleView:
        return cls(
            gate, row.direction, row.target, row.deadline_minutes, row.paused, row.paused_reason
        )


class DispatchOrderCreate(Input):
    """Dispatch one waiting truck by hand: its yard visit's id (from the yard's list)."""

    visit_id: Id


class DispatchOrderCancel(Input):
    reason: Reason | None = None


class DispatchOrderView(Output):
    """An order as the gate's officers see it. ``late``: open and past its deadline (the
    sweep will close it as missed); ``minutes_left``: until the deadline, while open."""

    id: str
    code: str
    status: str
    visit_id: str
    booking_id: str | None
    plate: str
    yard: str | None
    direction: str
    queue_class: str
    issued_at: datetime
    deadline_at: datetime
    issued_by: str
    late: bool
    minutes_left: int | None
    closed_at: datetime | None
    reason: str | None

    @classmethod
    def of(cls, listed: Listed, now: datetime) -> DispatchOrderView:
        order = listed.order
        is_open = order.status == OrderStatus.OPEN.value
        left = (order.deadline_at - now).total_seconds() / 60 if is_open else None
        return cls(
            id=order.id,
            code=order.code,
            status=order.status,
            visit_id=order.visit_id,
            booking_id=order.booking_id,
            plate=format_plate(listed.plate),
            yard=listed.yard_code,
            direction=order.direction,
            queue_class=order.queue_class,
            issued_at=local(order.issued_at),
            deadline_at=local(order.deadline_at),
            issued_by=order.issued_by,
            late=left is not None and left <= 0,
            minutes_left=max(0, int(left)) if left is not None else None,
            closed_at=local_or_none(order.closed_at),
            reason=order.reason,
        )
