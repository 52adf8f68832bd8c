"""Positions a driver shares from the driver's page, and the arrival estimate made from them.

A position is personal data: one per booking is kept (no track), never shown publicly, deleted
when the truck reaches its gate and at the latest ``POSITION_RETENTION`` after it was recorded.
The estimate is deliberately simple and says so: the great-circle distance times
``ROAD_FACTOR`` (the roads of Lạng Sơn's border districts wind through hills: QL1A, QL4A and
QL4B run about a third longer than the straight line between their towns) at
``AVERAGE_SPEED_KMH`` (loaded trucks on those roads; the province's speed limit for trucks
outside towns is 60-70 km/h, hills and villages bring the average down).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from gate.domain.errors import ValidationFailed

EARTH_RADIUS_KM = 6371.0088  # the IUGG mean radius
ROAD_FACTOR = 1.35
AVERAGE_SPEED_KMH = 35.0
POSITION_RETENTION = timedelta(hours=2)
# A position older than this no longer makes a truck "on the way" on the counts.
POSITION_FRESH = timedelta(minutes=15)
MAX_ACCURACY_M = 10_000.0


def check_position(latitude: float, longitude: float, accuracy_m: float | None) -> None:
    """Refuse what no browser's geolocation gives (ValidationFailed, 422): latitude outside
    [-90, 90], longitude outside [-180, 180], NaN, or an accuracy that is negative or worse
    than ``MAX_ACCURACY_M``."""
    if not (math.isfinite(latitude) and -90.0 <= latitude <= 90.0):
        raise ValidationFailed("latitude is between -90 and 90 degrees", field="latitude")
    if not (math.isfinite(longitude) and -180.0 <= longitude <= 180.0):
        raise ValidationFailed("longitude is between -180 and 180 degrees", field="longitude")
    if accuracy_m is not None and not (
        math.isfinite(accuracy_m) and 0.0 <= accuracy_m <= MAX_ACCURACY_M
    ):
        raise ValidationFailed(
            f"accuracy is between 0 and {MAX_ACCURACY_M:g} metres", field="accuracy_m"
        )


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in km between two WGS 84 points in degrees (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def estimated_arrival(
    recorded_at: datetime, lat: float, lon: float, to_lat: float, to_lon: float
) -> datetime:
    """When a truck at (``lat``, ``lon``) at ``recorded_at`` should reach (``to_lat``,
    ``to_lon``), by road factor and average speed; rounded up to the minute."""
    hours = distance_km(lat, lon, to_lat, to_lon) * ROAD_FACTOR / AVERAGE_SPEED_KMH
    minutes = math.ceil(hours * 60)
    return recorded_at.replace(second=0, microsecond=0) + timedelta(minutes=minutes)


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a truck is heading: ``kind`` "yard" or "gate", the row's id and name, and its
    coordinates (None when the administration has not placed it on the map)."""

    kind: str
    id: str
    name: str
    latitude: float | None
    longitude: float | None

    def distance_from(self, lat: float, lon: float) -> float | None:
        """Great-circle km from (``lat``, ``lon``); None without coordinates."""
        if self.latitude is None or self.longitude is None:
            return None
        return distance_km(lat, lon, self.latitude, self.longitude)


def choose_destination(
    lat: float,
    lon: float,
    gate: Destination,
    *,
    has_open_order: bool,
    in_yard: Destination | None,
    open_yards: Sequence[Destination],
) -> Destination:
    """Where a truck at (``lat``, ``lon``) is heading (issue 14, the driver's page):

    * the gate, when it holds an open dispatch order (it has been sent on);
    * the yard it waits in, when it has an open visit without an order;
    * else the nearest of ``open_yards`` (those open now and serving the booking's gate) that
      has coordinates, by great-circle distance (ties: the first given);
    * else the gate: no yard to go to.
    """
    if has_open_order:
        return gate
    if in_yard is not None:
        return in_yard
    placed = [(d, y) for y in open_yards if (d := y.distance_from(lat, lon)) is not None]
    if not placed:
        return gate
    return min(placed, key=lambda pair: pair[0])[1]


def arrival_at(
    recorded_at: datetime, lat: float, lon: float, destination: Destination
) -> datetime | None:
    """``estimated_arrival`` at ``destination``; None when it has no coordinates."""
    if destination.latitude is None or destination.longitude is None:
        return None
    return estimated_arrival(recorded_at, lat, lon, destination.latitude, destination.longitude)
