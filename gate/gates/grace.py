"""A gate's grace windows, as its row stores them: read by check-in judging (is a truck on
time?) and by the no-show sweep (when has a booked truck missed its slot?). Kept with the gate,
below both, so that neither area imports the other for it."""

from __future__ import annotations

from datetime import timedelta

from gate.domain.checkin import GraceWindow
from gate.store.tables import Gate


def grace_of(gate: Gate) -> GraceWindow:
    """The gate's window around a slot's start (minutes before and after, as the
    administrator set them with the yard rules)."""
    return GraceWindow(
        early=timedelta(minutes=gate.grace_early_minutes),
        late=timedelta(minutes=gate.grace_late_minutes),
    )
