"""What a check-in starts from: a device's event (a plate as read, or a booking code, and
when), and who read it (a gate device, or an officer checking a truck in by hand)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from gate.domain.bookings import normalise_code
from gate.domain.events import Actor
from gate.domain.plate_reads import readings
from gate.request_ids import current_request_id


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """What a camera or kiosk reports: a plate as read, or a booking code, and when; a camera
    that reads the trailer too sends its plate as ``trailer_plate``."""

    event_id: str
    observed_at: datetime
    plate: str | None = None
    booking_code: str | None = None
    trailer_plate: str | None = None
    # The request that carried it (gate/request_ids.py), so that its events name that request
    # when a batch decides it among others; not part of its fingerprint.
    request_id: str | None = field(default_factory=current_request_id, compare=False)


@dataclass(frozen=True, slots=True)
class DeviceSeen:
    """A registered gate device as the check-in path reads it: the ``devices`` row's columns
    a check-in uses (gate/checkins/devices.py), not the mapped ``Device``, so a batch loads,
    tracks and flushes no device object (issue 20). ``id``; ``direction``, the yard entrance
    it watches (``export`` | ``import``): its walk-ins queue there, and a booking of the other
    direction is refused (None: a device of no direction, which takes no walk-in); ``kind``,
    ``lpr_camera`` | ``kiosk`` (gate/devices/service.py), the actor's role in the audit log."""

    id: str
    direction: str | None
    kind: str


@dataclass(frozen=True, slots=True)
class Reader:
    """Who read the truck: a gate device, or an officer checking a truck in by hand (who
    types what they see, so no misread is guessed at, and whose arrivals are marked
    ``manual`` in the audit log)."""

    id: str
    direction: str | None
    actor: Actor
    by_hand: bool = False

    @classmethod
    def of(cls, device: DeviceSeen) -> Reader:
        """The reader a registered device is."""
        return cls(device.id, device.direction, Actor("device", device.id, device.kind))


def wanted_plates_and_codes(events: list[DeviceEvent]) -> tuple[set[str], set[str]]:
    """What to load: every plate a read (of a tractor or a trailer) can stand for by the
    grammar, and the booking codes shown. An unreadable plate adds nothing (refused later)."""
    plates: set[str] = set()
    codes: set[str] = set()
    for event in events:
        if event.booking_code is not None:
            codes.add(normalise_code(event.booking_code))
        else:
            plates |= readings(event.plate or "")
        if event.trailer_plate is not None:
            plates |= readings(event.trailer_plate)
    return plates, codes
