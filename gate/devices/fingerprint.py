"""What makes two device events with one ``event_id`` the same event: their fingerprint.
A gate device's check-in (``gate.checkins``) and a waiting yard's (``gate.yards``) both use it,
so it lives with the devices, below both.

A device retries an event it got no answer for, with the same ``event_id``; that retry gets
the first answer. A device that sends an ``event_id`` again for another truck (a camera whose
counter restarted) must not get the first truck's answer: the check-in compares fingerprints
and refuses it (``event-id-reused``). The rule is that of an HTTP Idempotency-Key, with the
device's event_id as the key (IETF draft-ietf-httpapi-idempotency-key-header-06, "Idempotency
Fingerprint" and "Error Scenarios": the same key with another payload is answered 422).

The canonical form, built from every field of the event (a dataclass: ``DeviceEvent``, a yard's
``YardRead``) except ``event_id``:

* a field whose name ends in ``plate`` (``plate``, ``trailer_plate``, …): the normalised plate
  (``12C-123.45`` and ``12c12345`` are one truck);
* ``booking_code``: upper case, without surrounding blanks, as the booking is looked up;
* a datetime: the instant in UTC, so ``…T08:00:00Z`` and ``…T15:00:00+07:00`` are one time;
* anything else: its value as msgspec encodes it.

A field added to the event joins the fingerprint by itself. The canonical form is
stored (as its SHA-256) for up to the retention window: changing how a field is canonicalised
makes retries that straddle the deploy answer ``event-id-reused``, so change it with care.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime
from typing import Any

import msgspec

from gate.domain.bookings import normalise_code
from gate.domain.plates import normalise_plate
from gate.domain.time import as_utc

_encoder = msgspec.json.Encoder(order="sorted")
_NOT_FINGERPRINTED = frozenset({"event_id", "request_id"})


def event_fingerprint(event: Any) -> str:
    """SHA-256 (64 hex characters) of the event's canonical payload, ``event_id`` left out,
    and ``request_id`` (which request carried the event, not what the event says: a device's
    retry of one event comes in another request)."""
    canonical = {
        field.name: _canonical(field.name, getattr(event, field.name))
        for field in dataclasses.fields(event)
        if field.name not in _NOT_FINGERPRINTED
    }
    return hashlib.sha256(_encoder.encode(canonical)).hexdigest()


def _canonical(name: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str):
        if name.endswith("plate"):
            return normalise_plate(value)
        if name == "booking_code":
            return normalise_code(value)
    return value
