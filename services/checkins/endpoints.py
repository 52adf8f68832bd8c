"""Check-ins from gate devices: one event, or a batch replayed after an outage.

A device's ``event_id`` is its retry key, remembered for GATE_DEVICE_EVENT_RETENTION_HOURS
(a week). Sent again with the same event (the same plate or code, the same instant however
its offset is written, the same other fields: ``gate.devices.fingerprint``), it gets the
first answer byte for byte with ``Idempotent-Replayed: true``. Sent again with another event
(a camera whose counter restarted), it is refused, changes nothing, and never gets the other
truck's answer:

* a single check-in answers ``422`` with the problem type ``event-id-reused``;
* in a batch, that event's entry in ``answers`` is the same problem object (``type``,
  ``status`` 422, ``detail``, ``event_id``) in place of a check-in answer, and the batch still
  answers 200 with every other event acted on and committed. A device uploading its backlog
  after an outage must not have the whole backlog refused, and retried for ever, because of
  one bad id; as in other bulk APIs, each entry carries its own outcome. Two events of one
  batch with one event_id and different payloads count too: the one observed first is acted
  on, the other gets the problem. A device tells the two kinds of entry apart by ``type``
  (problems) against ``outcome`` (answers).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts import principal as who
from gate.accounts.permissions import Action, at_gate, refusal, require
from gate.authentication.service import authenticate
from gate.checkins.answers import CheckinAnswer
from gate.checkins.devices import device_seen
from gate.checkins.service import DeviceEvent, DeviceSeen, Result, check_in, check_in_many
from gate.devices.keys import KnownDevice
from gate.domain.checkin import check_observed_at
from gate.domain.errors import EventIdReused, Forbidden, Unauthorised, ValidationFailed
from gate.domain.time import utc_now
from gate.gates.calendar import gate_by_code
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork
from services.common.contract import DEVICE, documented
from services.common.dependencies import bearer_token
from services.common.idempotency import REPLAY_HEADER
from services.common.problems import Problem, domain_error_answer
from services.common.schemas import Input
from services.platform import Platform

MAX_BATCH = 500

EventId = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


PlateRead = Annotated[str, msgspec.Meta(min_length=1, max_length=20)]


class CheckinEvent(Input):
    """A plate as read by a camera, or a booking code from a kiosk, and when it was observed.
    A camera that reads the trailer too sends its plate as ``trailer_plate``: a truck with
    another trailer than declared is admitted and flagged to the officers."""

    event_id: EventId
    observed_at: datetime
    plate: PlateRead | None = None
    booking_code: Annotated[str, msgspec.Meta(min_length=4, max_length=16)] | None = None
    trailer_plate: PlateRead | None = None


class CheckinBatch(Input):
    events: Annotated[list[CheckinEvent], msgspec.Meta(min_length=1, max_length=MAX_BATCH)]


@dataclass
class CheckinBatchAnswer:
    """A batch's answers, one per event in the order sent: a check-in answer (``outcome``)
    or, for an event_id reused with another event, a problem (``type``, ``event_id``). It
    documents the bytes the handler joins (the answers are stored encoded); a dataclass, as
    msgspec takes no untagged union of two Structs."""

    answers: list[CheckinAnswer | Problem]


def _device_event(data: CheckinEvent, now: datetime) -> DeviceEvent:
    if (data.plate is None) == (data.booking_code is None):
        raise ValidationFailed("give either plate or booking_code", field="plate")
    observed = check_observed_at(data.observed_at, now)  # the device clock's limits
    return DeviceEvent(
        data.event_id, observed, data.plate, data.booking_code, trailer_plate=data.trailer_plate
    )


@functools.lru_cache(maxsize=4096)
def _check_in_refusal(device_id: str, device_gate_id: str, gate_id: str) -> str | None:
    """The rule book's answer to a device checking in at a gate (None: allowed). It depends
    on these ids only (a revoked key is not recognised in the first place), so a process
    asks it once per camera and gate, not on every read."""
    return refusal(who.Device(device_id, device_gate_id), Action.CHECK_IN, at_gate(gate_id))


async def device_at_gate(
    request: Request[Any, Any, Any], platform: Platform, code: str
) -> KnownDevice:
    """The device whose key signs the request, registered at gate ``code``; remembered keys
    cost no database round trip. Anything else is answered as every other route would."""
    token = bearer_token(request)
    if token is None:
        raise Unauthorised("this needs 'Authorization: Bearer <token>'")
    known = await platform.device_keys.recognise(
        token, lambda: platform.unit_of_work(read_only=True)
    )
    # The rule book decides in both paths; a remembered key and gate cost no query.
    if known is not None and (gate_id := await platform.gate_id(code)) is not None:
        reason = _check_in_refusal(known.device_id, known.gate_id, gate_id)
        if reason is not None:
            raise Forbidden(reason)  # another gate's device: 403
        return known
    async with platform.unit_of_work(read_only=True) as uow:
        here = at_gate((await gate_by_code(uow, code)).id)  # an unknown gate: 404, for anyone
        principal = await authenticate(uow, token, platform.admin_token.current())
    require(principal, Action.CHECK_IN, here)  # not a device: 403
    # A device's key that recognise() did not know a moment ago: sent again, it will.
    raise Unauthorised("the credentials are not valid")


async def _rows_of(uow: UnitOfWork, known: KnownDevice) -> tuple[Gate, DeviceSeen]:
    """The gate row of a recognised device, in ``uow``'s session, and the device's columns
    a check-in uses (no mapped device: gate/checkins/devices.py)."""
    gate = await uow.session.get(Gate, known.gate_id)
    device = await device_seen(uow.session, known.device_id)
    assert gate is not None and device is not None
    return gate, device


class CheckinController(Controller):
    path = "/gates/{code:str}/checkins"
    tags = ["check-in"]

    @post(
        operation_id="checkIn",
        status_code=200,
        **documented(
            "Check a vehicle in",
            credentials=[DEVICE],
            answer=(200, CheckinAnswer, "How the vehicle was judged (a replay: the first answer)"),
            problems=["not-found", "invalid-plate", "event-id-reused"],
        ),
    )
    async def check_in(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        data: JSONBody[CheckinEvent],
        platform: NamedDependency[Platform],
    ) -> Response[bytes]:
        """Check a vehicle in. Replaying an event_id returns the first answer and changes
        nothing; the event_id with another event is refused (422 event-id-reused). Events
        are judged by observed_at."""
        known = await device_at_gate(request, platform, code)
        event = _device_event(data, utc_now())
        if platform.checkins is not None:
            # The group commit acts on it with the others of these few milliseconds and
            # answers once they are committed. This request holds no connection meanwhile.
            result = await platform.checkins.submit(known.gate_id, known.device_id, event)
        else:
            async with platform.unit_of_work() as writing:
                gate, device = await _rows_of(writing, known)
                result = await check_in(
                    writing, gate, device, event, retention=platform.settings.device_event_retention
                )
                await writing.commit()
        if isinstance(result, EventIdReused):
            raise result
        answer, replayed = result
        headers = {REPLAY_HEADER: "true"} if replayed else None
        return Response(answer, media_type="application/json", headers=headers)

    @post(
        "/batch",
        operation_id="checkInBatch",
        status_code=200,
        **documented(
            "Check a device's backlog in",
            credentials=[DEVICE],
            answer=(200, CheckinBatchAnswer, "One answer per event, in the order sent"),
            problems=["not-found", "invalid-plate"],
        ),
    )
    async def check_in_batch(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        data: JSONBody[CheckinBatch],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Response[bytes]:
        """Many events at once, e.g. a device's backlog after an outage: answered in the
        order sent, decided in the order observed. Events already acted on are answered as
        they were the first time; an event_id reused for another event gets a problem object
        in its place (see above)."""
        known = await device_at_gate(request, platform, code)
        now = utc_now()
        events = [_device_event(event, now) for event in data.events]
        # In the order observed, so the queue is built as it happened at the gate.
        order = sorted(range(len(events)), key=lambda i: events[i].observed_at)
        acted: list[Result]
        if platform.checkins is not None:
            # Through the gate's pipeline, in batches beside the live reads, never beside
            # them: decided by the gate's lease holder, committed batch by batch (a retry
            # after a failure gets the stored answers of those already committed).
            acted = await platform.checkins.submit_backlog(
                known.gate_id, known.device_id, [events[i] for i in order]
            )
        else:
            gate, device = await _rows_of(uow, known)
            acted = await check_in_many(
                uow,
                gate,
                [(device, events[i]) for i in order],
                retention=platform.settings.device_event_retention,
            )
        answers = [b""] * len(events)
        for index, result in zip(order, acted, strict=True):
            answers[index] = (
                domain_error_answer(result)[1] if isinstance(result, EventIdReused) else result[0]
            )
        body = b'{"answers":[' + b",".join(answers) + b"]}"
        return Response(body, media_type="application/json")
