"""Posting and withdrawing notices, pausing and resuming a gate."""

from __future__ import annotations

from datetime import datetime

from gate.domain.errors import NotFound, ValidationFailed
from gate.domain.events import Actor, GateNoticeChanged
from gate.domain.time import as_utc
from gate.store.tables import Gate, Notice
from gate.store.unit_of_work import UnitOfWork


async def post_notice(
    uow: UnitOfWork,
    gate: Gate,
    text: str,
    expires_at: datetime | None,
    actor: Actor,
    now: datetime,
) -> Notice:
    expiry = as_utc(expires_at) if expires_at else None
    if expiry is not None and expiry <= now:
        raise ValidationFailed("expires_at is in the past", why="in-the-past", field="expires_at")
    notice = Notice(gate_id=gate.id, text=text.strip(), posted_by=actor.id, expires_at=expiry)
    uow.session.add(notice)
    await uow.session.flush()
    uow.record(GateNoticeChanged(gate=gate.code))
    return notice


async def withdraw_notice(uow: UnitOfWork, gate: Gate, notice_id: str, now: datetime) -> None:
    notice = await uow.session.get(Notice, notice_id)
    if notice is None or notice.gate_id != gate.id:
        raise NotFound("no such notice")
    if notice.withdrawn_at is None:
        notice.withdrawn_at = now
        await uow.session.flush()
        uow.record(GateNoticeChanged(gate=gate.code))


async def set_paused(uow: UnitOfWork, gate: Gate, paused: bool, reason: str | None) -> Gate:
    if paused and not reason:
        raise ValidationFailed("say why the gate is paused", field="reason")
    gate.paused = paused
    gate.paused_reason = reason if paused else None
    await uow.session.flush()
    uow.record(GateNoticeChanged(gate=gate.code))
    return gate
