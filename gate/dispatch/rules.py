"""A gate direction's dispatch rule (``dispatch_rules``): its target, its orders' deadline and
whether dispatch is paused. A direction without a row has the defaults of
``gate/domain/dispatch.py``; the row is made the first time it is set or locked.

The rule's row is also the lock every dispatch of that gate and direction takes first
(``lock_rule``): the automatic sweep in any process and an officer dispatching by hand take
turns on it, so the counts one reads are never stale when it issues its orders.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from gate.domain.dispatch import DEFAULT_DEADLINE_MINUTES, DEFAULT_TARGET
from gate.domain.events import Actor, DispatchRuleChanged
from gate.domain.slots import Direction
from gate.store.database import conflict_insert
from gate.store.tables import DispatchRule, Gate
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class RuleSetting:
    """What an operator sets: ``target`` trucks per class (0 to MAX_TARGET), ``deadline_minutes``
    (1 to MAX_DEADLINE_MINUTES), ``paused`` and its ``reason`` (kept only while paused)."""

    target: int
    deadline_minutes: int
    paused: bool
    reason: str | None = None


def defaults(gate: Gate, direction: Direction) -> DispatchRule:
    """The rule of a direction nobody set yet (a row not added to the session)."""
    return DispatchRule(
        gate_id=gate.id,
        direction=direction.value,
        target=DEFAULT_TARGET,
        deadline_minutes=DEFAULT_DEADLINE_MINUTES,
        paused=False,
        paused_reason=None,
    )


async def rule_of(uow: UnitOfWork, gate: Gate, direction: Direction) -> DispatchRule:
    """The direction's rule as it stands, the defaults when it has no row; nothing locked."""
    row = await uow.session.get(DispatchRule, (gate.id, direction.value))
    return row if row is not None else defaults(gate, direction)


async def lock_rule(uow: UnitOfWork, gate_id: str, direction: str) -> DispatchRule:
    """The direction's rule row, made with the defaults if absent and locked until commit
    (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises writers). Every dispatch of the
    direction waits here for the one before it to commit."""
    insert = conflict_insert(uow.session)
    await uow.session.execute(
        insert(DispatchRule)
        .values(
            gate_id=gate_id,
            direction=direction,
            target=DEFAULT_TARGET,
            deadline_minutes=DEFAULT_DEADLINE_MINUTES,
            paused=False,
        )
        .on_conflict_do_nothing(index_elements=["gate_id", "direction"])
    )
    query = (
        select(DispatchRule)
        .where(DispatchRule.gate_id == gate_id, DispatchRule.direction == direction)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    rule = await uow.session.scalar(query)
    assert rule is not None, "inserted above when absent"
    return rule


async def set_rule(
    uow: UnitOfWork, gate: Gate, direction: Direction, setting: RuleSetting, actor: Actor
) -> DispatchRule:
    """Set the direction's rule (audited in the gate's chain; an unchanged rule records
    nothing). Pausing stops the automatic dispatch only: officers may still dispatch by hand,
    and open orders keep their deadlines."""
    rule = await lock_rule(uow, gate.id, direction.value)
    before = (rule.target, rule.deadline_minutes, rule.paused, rule.paused_reason)
    rule.target = setting.target
    rule.deadline_minutes = setting.deadline_minutes
    rule.paused = setting.paused
    rule.paused_reason = setting.reason if setting.paused else None
    after = (rule.target, rule.deadline_minutes, rule.paused, rule.paused_reason)
    if after != before:
        await uow.session.flush()
        uow.record(
            DispatchRuleChanged(
                subject_id=gate.id,
                gate=gate.code,
                gate_id=gate.id,
                direction=direction.value,
                from_status="paused" if before[2] else "running",
                to_status="paused" if rule.paused else "running",
                actor=actor,
                reason=rule.paused_reason,
                facts={"target": rule.target, "deadline_minutes": rule.deadline_minutes},
            )
        )
    return rule
