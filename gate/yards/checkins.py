"""A waiting yard's devices reporting trucks in and out (``yard_checkin_records``): acted on
once per (device, event_id), as a gate device's check-ins are (gate/checkins/records.py).

A device retries an event it got no answer for: the same event_id with the same event (its
fingerprint, ``gate.devices.fingerprint``) gets the first answer byte for byte; the same
event_id with another event is refused (``EventIdReused``, 422) and changes nothing. Only an
event acted on is stored: one refused (yard full, closed, truck already in a yard) rolls back
with its request, claim included, so a retry is judged afresh. A record received more than
the retention window ago counts as absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec
from sqlalchemy import select, update

from gate.devices.fingerprint import event_fingerprint
from gate.domain.errors import EventIdReused
from gate.domain.events import Actor
from gate.domain.slots import Direction
from gate.domain.time import as_local, utc_now
from gate.domain.yards import YardWatch
from gate.store.database import conflict_insert
from gate.store.tables import Gate, Yard, YardCheckinRecord, YardDevice, YardVisit
from gate.store.tables.base import table_of
from gate.store.unit_of_work import UnitOfWork
from gate.yards.visits import WalkInTo, check_truck_read, enter, leave, open_visit

_encoder = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class YardRead:
    """What a yard device reports: the tractor's plate as read and/or a booking code, the
    trailer's plate if read, and when. Every field but ``event_id`` is fingerprinted."""

    event_id: str
    observed_at: datetime
    plate: str | None = None
    booking_code: str | None = None
    trailer_plate: str | None = None


class YardCheckinAnswer(msgspec.Struct, omit_defaults=False):
    """The device's answer (shown at the yard's gate: no plate). ``outcome``: ``entered``
    (a new visit, waiting), ``left`` (the visit ended) or ``departed`` (on its way to the
    gate under a dispatch order)."""

    event_id: str
    outcome: str
    visit_id: str
    yard: str
    gate: str
    direction: str
    status: str
    queue_class: str
    walk_in: bool
    slot_start: datetime
    entered_at: datetime


async def yard_check_in(
    uow: UnitOfWork, yard: Yard, device: YardDevice, read: YardRead, *, retention: timedelta
) -> tuple[bytes, bool]:
    """Act on one read of ``device`` at ``yard`` (its row locked by the caller); the encoded
    answer and whether it replays an earlier one. Raises what ``enter`` and ``leave``
    refuse with, EventIdReused (422) for an event_id used for another event, and the plate
    rules' errors (``check_truck_read``) before anything is claimed."""
    truck = check_truck_read(read.plate, read.booking_code, read.trailer_plate)
    fingerprint = event_fingerprint(read)
    if not await _claim(uow, device, read, fingerprint, utc_now() - retention):
        stored_print, stored = (
            await uow.session.execute(
                select(YardCheckinRecord.fingerprint, YardCheckinRecord.answer).where(
                    YardCheckinRecord.device_id == device.id,
                    YardCheckinRecord.event_id == read.event_id,
                )
            )
        ).one()
        if stored_print != fingerprint:
            raise EventIdReused(
                f"this device sent event_id {read.event_id!r} before with another plate, code "
                "or time; give each event an id of its own (a retry repeats the event exactly)",
                event_id=read.event_id,
            )
        return stored, True
    actor = Actor("device", device.id, "yard")
    if device.watches == YardWatch.ENTRY:
        to = WalkInTo(device.gate_id, Direction(device.direction) if device.direction else None)
        visit = await enter(uow, yard, truck, at=read.observed_at, actor=actor, to=to)
        outcome = "entered"
    else:
        visit = await open_visit(uow, yard, truck)
        visit = await leave(uow, yard, visit, at=read.observed_at, actor=actor)
        outcome = "left" if visit.ended_at is not None else "departed"
    body = _encoder.encode(await answer_of(uow, yard, visit, read.event_id, outcome))
    await uow.session.execute(
        update(YardCheckinRecord)
        .where(
            YardCheckinRecord.device_id == device.id,
            YardCheckinRecord.event_id == read.event_id,
        )
        .values(outcome=outcome, visit_id=visit.id, answer=body)
    )
    return body, False


async def answer_of(
    uow: UnitOfWork, yard: Yard, visit: YardVisit, event_id: str, outcome: str
) -> YardCheckinAnswer:
    gate_code = await uow.session.scalar(select(Gate.code).where(Gate.id == visit.gate_id))
    assert gate_code is not None
    return YardCheckinAnswer(
        event_id=event_id,
        outcome=outcome,
        visit_id=visit.id,
        yard=yard.code,
        gate=gate_code,
        direction=visit.direction,
        status=visit.status,
        queue_class=visit.queue_class,
        walk_in=visit.booking_id is None,
        slot_start=as_local(visit.slot_start),
        entered_at=as_local(visit.entered_at),
    )


async def _claim(
    uow: UnitOfWork, device: YardDevice, read: YardRead, fingerprint: str, expired_before: datetime
) -> bool:
    """Claim (device, event_id): a new record, or one older than ``expired_before`` taken
    over. False when another claim holds it (waited for until its transaction ended)."""
    table = table_of(YardCheckinRecord)
    insert = conflict_insert(uow.session)(table)
    row = {
        "device_id": device.id,
        "event_id": read.event_id,
        "visit_id": None,
        "outcome": "pending",
        "fingerprint": fingerprint,
        "observed_at": read.observed_at,
        "received_at": utc_now(),
        "answer": b"",
    }
    taken_over = ("visit_id", "outcome", "fingerprint", "observed_at", "received_at", "answer")
    claimed = await uow.session.execute(
        insert.values(row)
        .on_conflict_do_update(
            index_elements=["device_id", "event_id"],
            set_={column: insert.excluded[column] for column in taken_over},
            where=table.c.received_at < expired_before,
        )
        .returning(table.c.event_id)
    )
    return claimed.first() is not None
