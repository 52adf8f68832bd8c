"""A booked truck's road to the gate (gate/driver_page/road.py) as its enterprise's live
stream carries it: the same facts as the booking API's ``road`` field, times in UTC as every
live message's."""

from __future__ import annotations

from gate.driver_page.road import Road as DriverRoad
from gate.live.messages import Road, RoadArrival, RoadOrder, RoadYard


def road_of(road: DriverRoad | None) -> Road | None:
    """A booking's road for its enterprise's stream; None when nothing is on it (as the
    booking API's ``road``: services/api/driver/schemas.py ``RoadView.of_any``)."""
    if road is None or (road.yard is None and road.order is None and road.arrival is None):
        return None
    yard, order, arrival = road.yard, road.order, road.arrival
    return Road(
        yard=RoadYard(yard.yard_code, yard.yard_name, yard.status, yard.entered_at)
        if yard
        else None,
        dispatch_order=RoadOrder(
            order.code,
            order.status,
            order.gate_code,
            order.gate_name,
            order.issued_at,
            order.deadline_at,
        )
        if order
        else None,
        arrival=RoadArrival(
            arrival.destination, arrival.destination_name, arrival.estimated_at, arrival.recorded_at
        )
        if arrival
        else None,
    )
