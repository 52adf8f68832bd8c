"""One stream of device events acted on three ways, and what each way leaves, written so that
two runs from the same rows can be compared: each event alone (one transaction per event, as
if the devices sent them one by one), in batches cut anywhere (``check_in_many`` per batch),
and through the group commit (``CheckinBatcher``, every event submitted at once).

Ids and codes a run draws itself (a walk-in's booking id and code, a pending read's id) differ
from run to run: they are named by their order of appearance (``Labels``) before comparing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.checkins.batcher import CheckinBatcher
from gate.checkins.service import Result, check_in_many
from gate.config import Settings
from gate.domain.errors import EventIdReused
from gate.domain.queue import ServiceCycle, queue_positions
from gate.domain.slots import Direction
from gate.gates.calendar import gate_by_code
from gate.store.audit import verify
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import AuditLogEntry, Booking, CheckinRecord, Device, PendingRead, Slot
from gate.store.unit_of_work import UnitOfWork
from gate.yard.service import entry_of, waiting
from tests.checkin_streams import Sent

GATE = "tan-thanh"
RETENTION = timedelta(hours=48)


@dataclass
class Labels:
    """Names for values a run draws itself, given in the order they are first met."""

    names: dict[str, str] = field(default_factory=dict)

    def of(self, kind: str, value: str | None) -> str | None:
        if value is None:
            return None
        return self.names.setdefault(value, f"{kind}#{sum(1 for _ in self.names)}")


@dataclass
class Run:
    """What one run answered (per event, in the stream's order) and left behind."""

    answers: list[Any]
    state: dict[str, Any]


async def one_by_one(settings: Settings, device_ids: list[str], stream: list[Sent]) -> Run:
    """Each event in a transaction of its own, committed before the next is sent."""
    return await in_batches(settings, device_ids, stream, [(n, n + 1) for n in range(len(stream))])


async def in_batches(
    settings: Settings, device_ids: list[str], stream: list[Sent], cuts: list[tuple[int, int]]
) -> Run:
    """The stream cut into batches (``cuts``: each batch's start and end), each batch acted on
    by ``check_in_many`` and committed before the next."""
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    bus = InMemoryEventBus()
    results: list[Result] = []
    try:
        for start, end in cuts:
            async with UnitOfWork(factory, bus) as uow:
                gate = await gate_by_code(uow, GATE)
                devices = {d.id: d for d in await uow.session.scalars(select(Device))}
                reads = [(devices[device_ids[s.device]], s.event) for s in stream[start:end]]
                results += await check_in_many(uow, gate, reads, retention=RETENTION)
                await uow.commit()
        return await _run_of(factory, bus, results)
    finally:
        await engine.dispose()


async def through_the_batcher(settings: Settings, device_ids: list[str], stream: list[Sent]) -> Run:
    """Every event submitted to the group commit at once, in the stream's order (the batcher
    queues them in that order and cuts batches as they come)."""
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    bus = InMemoryEventBus()
    batcher = CheckinBatcher(
        lambda: UnitOfWork(factory, bus), max_batch=7, max_wait=0.001, retention=RETENTION
    )
    await batcher.start()
    try:
        async with UnitOfWork(factory, bus) as uow:
            gate_id = (await gate_by_code(uow, GATE)).id
        submitted = [batcher.submit(gate_id, device_ids[s.device], s.event) for s in stream]
        results = list(await asyncio.gather(*submitted))
        return await _run_of(factory, bus, results)
    finally:
        await batcher.stop()
        await engine.dispose()


async def _run_of(factory: Any, bus: InMemoryEventBus, results: Sequence[Result]) -> Run:
    labels = Labels()
    answers = [_answer(result, labels) for result in results]
    async with UnitOfWork(factory, InMemoryEventBus()) as uow:
        state = await _state(uow, labels)
    state["published"] = [payload["event"] for payload in bus.published]
    return Run(answers, state)


def _answer(result: Result, labels: Labels) -> Any:
    if isinstance(result, EventIdReused):
        return ("EventIdReused", result.detail, result.extensions)
    body, replayed = result
    decoded = json.loads(body)
    decoded["booking_code"] = labels.of("code", decoded["booking_code"])
    return (decoded, replayed)


async def _state(uow: UnitOfWork, labels: Labels) -> dict[str, Any]:
    """The rows the check-ins wrote, with drawn ids and codes named by ``labels``."""
    session = uow.session
    bookings = list(await session.scalars(select(Booking)))
    # Codes the answers did not name are the set-up's, the same in every run.
    for booking in sorted(bookings, key=lambda b: (b.code not in labels.names, b.code)):
        labels.of("code", booking.code)
    name = {b.id: labels.names[b.code] for b in bookings}
    pending = list(await session.scalars(select(PendingRead).order_by(PendingRead.observed_at)))
    name |= {p.id: f"pending#{n}" for n, p in enumerate(pending)}
    gate = await gate_by_code(uow, GATE)
    cycle = ServiceCycle.parse(gate.service_cycle)
    queues = {}
    for direction in Direction:
        entries = [entry_of(b) for b in await waiting(uow, gate, direction)]
        places = queue_positions(entries, cycle, 0)
        queues[direction.value] = [name[i] for i in sorted(places, key=places.__getitem__)]
    breaks, checked = await verify(session)
    audit = await session.scalars(
        select(AuditLogEntry).order_by(AuditLogEntry.chain, AuditLogEntry.seq)
    )
    records = await session.scalars(
        select(CheckinRecord).order_by(CheckinRecord.device_id, CheckinRecord.event_id)
    )
    slots = await session.scalars(select(Slot).order_by(Slot.direction, Slot.starts_at))
    return {
        "bookings": sorted(
            (
                name[b.id],
                b.status,
                b.plate,
                b.trailer_plate,
                b.arrived_trailer_plate,
                b.walk_in,
                b.direction,
                b.slot_start,
                b.queue_class,
                b.queue_behind,
                b.arrived_at,
                b.predicted_call_at is not None,
            )
            for b in bookings
        ),
        "records": [
            (
                r.device_id,
                r.event_id,
                r.outcome,
                name.get(r.booking_id or "", r.booking_id),
                r.observed_at,
                r.fingerprint,
                _answer((r.answer, False), labels),
            )
            for r in records
        ],
        "pending": [
            (
                name[p.id],
                p.device_id,
                p.event_id,
                p.plate_read,
                sorted(name[c] for c in p.candidates),
                p.observed_at,
                p.resolved_at,
            )
            for p in pending
        ],
        "queues": queues,
        "slots": [(s.direction, s.starts_at, s.capacity, s.booked) for s in slots],
        "audit": [
            (
                *(e.event, name.get(e.subject_id, e.subject_id), e.actor_kind, e.actor_id),
                *(e.from_status, e.to_status, e.reason),
            )
            for e in audit
        ],
        "audit_verified": (breaks, checked),
    }
