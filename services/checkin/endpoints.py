"""Check-ins from gate devices: one event, or a batch replayed after an outage."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import msgspec
from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts.principal import Principal
from gate.checkins.service import DeviceEvent, check_in
from gate.domain.errors import ValidationFailed
from gate.domain.time import as_utc, utc_now
from gate.gates.calendar import gate_by_code
from gate.store.tables import Device
from gate.store.unit_of_work import UnitOfWork
from services.api.idempotency import REPLAY_HEADER
from services.api.schemas import Input
from services.platform import Platform

# Device clocks drift; an event from further in the future than this is refused, not guessed.
MAX_CLOCK_SKEW = timedelta(minutes=5)
# A device that was offline longer than this must not change today's queue with old reads.
MAX_EVENT_AGE = timedelta(days=2)
MAX_BATCH = 500

EventId = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class CheckinEvent(Input):
    """A plate as read by a camera, or a booking code from a kiosk, and when it was observed."""

    event_id: EventId
    observed_at: datetime
    plate: Annotated[str, msgspec.Meta(min_length=1, max_length=20)] | None = None
    booking_code: Annotated[str, msgspec.Meta(min_length=4, max_length=16)] | None = None


class CheckinBatch(Input):
    events: Annotated[list[CheckinEvent], msgspec.Meta(min_length=1, max_length=MAX_BATCH)]


def _device_event(data: CheckinEvent, now: datetime) -> DeviceEvent:
    if (data.plate is None) == (data.booking_code is None):
        raise ValidationFailed("give either plate or booking_code", field="plate")
    observed = as_utc(data.observed_at)
    if observed > now + MAX_CLOCK_SKEW:
        raise ValidationFailed("observed_at is in the future; check the device's clock")
    if observed < now - MAX_EVENT_AGE:
        raise ValidationFailed("observed_at is too old to act on")
    return DeviceEvent(data.event_id, observed, data.plate, data.booking_code)


class CheckinController(Controller):
    path = "/gates/{code:str}/checkins"
    tags = ["check-in"]

    @post(operation_id="checkIn", status_code=200, read_only=True)
    async def check_in(
        self,
        code: FromPath[str],
        data: JSONBody[CheckinEvent],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
        platform: NamedDependency[Platform],
    ) -> Response[bytes]:
        """Check a vehicle in. Replaying an event_id returns the first answer and changes
        nothing; events are judged by observed_at."""
        gate = await gate_by_code(uow, code)
        device = await self._device(uow, principal, gate.id)
        event = _device_event(data, utc_now())
        if platform.checkins is not None:
            gate_id, device_id = gate.id, device.id
            # Give the request's connection back while waiting: under a burst, requests holding
            # connections would starve the group commit that answers them.
            await uow.rollback()
            answer, replayed = await platform.checkins.submit(gate_id, device_id, event)
        else:
            async with platform.unit_of_work() as writing:
                answer, replayed = await check_in(writing, gate, device, event)
                await writing.commit()
        headers = {REPLAY_HEADER: "true"} if replayed else None
        return Response(answer, media_type="application/json", headers=headers)

    @post("/batch", operation_id="checkInBatch", status_code=200)
    async def check_in_batch(
        self,
        code: FromPath[str],
        data: JSONBody[CheckinBatch],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
    ) -> Response[bytes]:
        """Many events at once, e.g. a device's backlog after an outage: answered in order,
        committed together. Events already acted on are answered as they were the first time."""
        gate = await gate_by_code(uow, code)
        device = await self._device(uow, principal, gate.id)
        now = utc_now()
        events = [_device_event(event, now) for event in data.events]
        # In the order observed, so the queue is built as it happened at the gate.
        answers = [b""] * len(events)
        for index in sorted(range(len(events)), key=lambda i: events[i].observed_at):
            answers[index], _ = await check_in(uow, gate, device, events[index])
        body = b'{"answers":[' + b",".join(answers) + b"]}"
        return Response(body, media_type="application/json")

    @staticmethod
    async def _device(uow: UnitOfWork, principal: Principal, gate_id: str) -> Device:
        device_id = principal.require_device_at(gate_id)
        device = await uow.session.get(Device, device_id)
        assert device is not None
        return device
