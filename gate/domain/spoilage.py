"""Perishables first by deadline (issue 18): when a perishable load's forecast call passes the
time by which it spoils, the officers see it on the truck and its enterprise is told, once.

A perishable booking may carry ``spoil_by`` (gate/domain/cargo.py::check_spoil_by); within its
class the yard queue serves the earliest spoil-by first (gate/domain/queue.py). That order
cannot save a load whose call comes too late anyway: a queue longer than the lanes can clear
before the spoil-by, a truck that came late. So the forecast is watched: the call forecast at
check-in (``bookings.predicted_call_at``) and the board's forecast now (the truck's place at
the measured service rate, gate/domain/forecast.py). Either passing the spoil-by is a risk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from gate.domain.events import BookingEvent
from gate.domain.time import as_utc


def spoil_risk(spoil_by: datetime | None, forecasts: Iterable[datetime | None]) -> bool:
    """Whether a load that spoils at ``spoil_by`` (None: none declared, never at risk) is
    forecast to be called after it: any known forecast call (aware instants; None: no
    forecast, e.g. no lane open to measure a rate from) later than ``spoil_by``."""
    if spoil_by is None:
        return False
    deadline = as_utc(spoil_by)
    return any(as_utc(call) > deadline for call in forecasts if call is not None)


def latest_forecast(forecasts: Iterable[datetime | None]) -> datetime | None:
    """The latest known forecast call (what a warning names), None when there is none."""
    known = [as_utc(call) for call in forecasts if call is not None]
    return max(known, default=None)


@dataclass(frozen=True, kw_only=True)
class SpoilRiskForeseen(BookingEvent):
    """A waiting truck's forecast call passes its cargo's spoil-by (facts: ``spoil_by`` and
    ``forecast_call_at``, ISO instants). Recorded once per booking (the booking's
    ``spoil_risk_told_at``), so its enterprise is told once: the webhook
    ``cargo.spoil_risk`` and a message to its users (gate/domain/outbox.py)."""

    name: ClassVar[str] = "booking.spoil_risk"
