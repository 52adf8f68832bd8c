"""The wire shapes of driver links (the API) and of the driver's page's JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request

from gate.driver_page.road import Road
from gate.store.tables import DriverLink
from services.common.schemas import Input, Output, local, local_or_none


class DriverLinkView(Output):
    """A link to the driver's page, without its secret: ``active`` until it is revoked or
    expires (``expires_at``: three days after the booked hour)."""

    id: str
    booking_id: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    active: bool

    @classmethod
    def of(cls, row: DriverLink, now: datetime) -> DriverLinkView:
        return cls(
            id=row.id,
            booking_id=row.booking_id,
            created_at=local(row.created_at),
            expires_at=local(row.expires_at),
            revoked_at=local_or_none(row.revoked_at),
            active=row.revoked_at is None and row.expires_at > now,
        )


class NewDriverLink(DriverLinkView):
    """A link just made: ``url`` is the driver's page, with the secret in it. It is answered
    this once and never stored (only its SHA-256 is): send it to the driver."""

    url: str


class YardOfTruck(Output):
    """The waiting yard the truck is in (``status`` waiting or dispatched) or has left under
    an order (``en_route``)."""

    code: str
    name: str
    status: str
    entered_at: datetime


class OrderOfTruck(Output):
    """The truck's latest dispatch order (lệnh điều tiết): reach ``gate`` before
    ``deadline_at``; ``status`` open, arrived, missed or cancelled."""

    code: str
    status: str
    gate: str
    gate_name: str
    issued_at: datetime
    deadline_at: datetime


class ArrivalEstimate(Output):
    """From the last position the driver shared (at most 15 minutes old): where the truck is
    heading (``destination`` yard or gate, and its name) and when it should be there
    (None: that place is not on the map)."""

    destination: str
    destination_name: str
    estimated_at: datetime | None
    position_at: datetime


class RoadView(Output):
    """The truck on the road to its gate: its waiting yard, dispatch order and arrival
    estimate, each null when it has none."""

    yard: YardOfTruck | None
    dispatch_order: OrderOfTruck | None
    arrival: ArrivalEstimate | None

    @classmethod
    def of_any(cls, road: Road) -> RoadView | None:
        """The view of a road with something on it; None for a truck with no yard, order or
        fresh position (so the booking's answer reads as it did before it had a road)."""
        if road.yard is None and road.order is None and road.arrival is None:
            return None
        return cls.of(road)

    @classmethod
    def of(cls, road: Road) -> RoadView:
        yard, order, arrival = road.yard, road.order, road.arrival
        return cls(
            yard=YardOfTruck(yard.yard_code, yard.yard_name, yard.status, local(yard.entered_at))
            if yard
            else None,
            dispatch_order=OrderOfTruck(
                order.code,
                order.status,
                order.gate_code,
                order.gate_name,
                local(order.issued_at),
                local(order.deadline_at),
            )
            if order
            else None,
            arrival=ArrivalEstimate(
                arrival.destination,
                arrival.destination_name,
                local_or_none(arrival.estimated_at),
                local(arrival.recorded_at),
            )
            if arrival
            else None,
        )


class PositionInput(Input):
    """A position from the browser's geolocation: degrees (WGS 84) and the accuracy in
    metres. Ranges are checked by gate/domain/geo.py ``check_position`` (422 with the field)."""

    latitude: float
    longitude: float
    accuracy_m: float | None = None


def page_url(request: Request[Any, Any, Any], token: str) -> str:
    """The driver's page of a link, on the host the request came to."""
    return f"{str(request.base_url).rstrip('/')}/d/{token}"
