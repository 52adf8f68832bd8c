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
