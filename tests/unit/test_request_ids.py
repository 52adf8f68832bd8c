"""The request id's rules (gate/request_ids.py): what is accepted, where it is written, and
where it must not go (an event's public payload, a device event's fingerprint)."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime

import msgspec

from gate.bus.events import envelope
from gate.checkins.reads import DeviceEvent
from gate.checkins.wire import Event
from gate.devices.fingerprint import event_fingerprint
from gate.domain.events import BookingCreated
from gate.logs import JsonFormatter, WithRequestId, logging_config
from gate.request_ids import MAX_LENGTH, accepted, bound, current_request_id, new_request_id

SEEN = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)


def test_an_id_is_accepted_only_bounded_and_of_safe_characters():
    for good in (
        "a",
        "7f3a9c0e-1b2d-4e5f-8a9b-0c1d2e3f4a5b",
        "Root=1-67891233/x:y@z+_.",
        "x" * 128,
    ):
        assert accepted(good) == good
    for bad in (None, "", "x" * (MAX_LENGTH + 1), "a b", "a\r\nb", "a\nX-Other: 1", '"q"', "é"):
        assert accepted(bad) is None, bad
    made = new_request_id()
    assert accepted(made) == made and len(made) == 32 and made != new_request_id()


def test_every_line_written_while_a_request_is_handled_names_it():
    # The one handler of every process has the filter (the dictConfig names it).
    config = logging_config()
    named = config["filters"]["request_id"]["()"]
    assert named == "gate.logs.WithRequestId"
    assert "request_id" in config["handlers"]["stderr"]["filters"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(WithRequestId())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.request_ids")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with bound("req-42"):
            logger.info("inside")
        logger.info("outside")
    finally:
        logger.removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["request_id"] == "req-42" and "request_id" not in outside
    assert current_request_id() is None


def _created(request_id: str | None) -> BookingCreated:
    return BookingCreated(
        booking_id="b1",
        enterprise_id="e1",
        gate="tan-thanh",
        gate_id="g1",
        direction="export",
        slot_start="2026-12-01T09:00:00+07:00",
        occurred_at=SEEN,
        request_id=request_id,
    )


def test_the_id_rides_beside_the_payload_on_the_bus_never_in_it():
    event = _created("req-7")
    assert "request_id" not in event.payload()
    entry = envelope(event)
    assert entry["r"] == b"req-7"
    assert msgspec.json.decode(entry["e"]) == event.payload()
    assert "r" not in envelope(_created(None))
    assert event == _created("another")  # the id is not part of what the event says


def test_a_device_event_s_fingerprint_and_relay_leave_the_request_aside():
    with bound("first"):
        first = DeviceEvent("evt-1", SEEN, "29C12345")
    with bound("retry"):
        retry = DeviceEvent("evt-1", SEEN, "29C12345")
    assert (first.request_id, retry.request_id) == ("first", "retry")
    assert event_fingerprint(first) == event_fingerprint(retry)
    # Across processes the id travels with the event; a peer of the release before (six
    # fields) is still understood.
    wire = msgspec.msgpack.encode(Event.of("dev-1", first))
    assert msgspec.msgpack.decode(wire, type=Event).device_event().request_id == "first"
    older = msgspec.msgpack.encode(["dev-1", "evt-1", SEEN.isoformat(), "29C12345", None, None])
    assert msgspec.msgpack.decode(older, type=Event).device_event().request_id is None
