"""Every table, one module per domain area; importing this package registers them all."""

from gate.store.tables.accounts import ApiKey, Enterprise, EnterpriseUser, UserSession
from gate.store.tables.base import Base
from gate.store.tables.bookings import Booking, IdempotencyRecord
from gate.store.tables.fleet import Driver, Vehicle
from gate.store.tables.gates import Closure, Gate, GateDirection, Lane, Slot, SlotOverride

__all__ = [
    "ApiKey",
    "Base",
    "Booking",
    "Closure",
    "Driver",
    "Enterprise",
    "EnterpriseUser",
    "Gate",
    "GateDirection",
    "IdempotencyRecord",
    "Lane",
    "Slot",
    "SlotOverride",
    "UserSession",
    "Vehicle",
]
