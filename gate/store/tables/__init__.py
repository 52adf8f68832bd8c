"""Every table, one module per domain area; importing this package registers them all."""

from gate.store.tables.accounts import (
    AccountLink,
    ApiKey,
    Enterprise,
    EnterpriseUser,
    UserSession,
)
from gate.store.tables.audit import AuditHead, AuditLogEntry
from gate.store.tables.base import Base
from gate.store.tables.bookings import Booking, ClearanceDecisionRow, IdempotencyRecord
from gate.store.tables.declarations import BookingDeclaration
from gate.store.tables.devices import CheckinRecord, Device, PendingRead
from gate.store.tables.fees import (
    Fee,
    FeePayment,
    FeeRate,
    FeeRefund,
    FeeSchedule,
    InvoiceCounter,
)
from gate.store.tables.fleet import Driver, Vehicle, VehicleGrant
from gate.store.tables.gates import (
    Closure,
    Gate,
    GateDirection,
    Lane,
    Notice,
    QueueCount,
    QueueCursor,
    Slot,
    SlotOverride,
)
from gate.store.tables.messages import DriverMessagePreference, UserMessagePreference
from gate.store.tables.officers import Officer, OfficerGate
from gate.store.tables.outbox import Delivery, DeliveryAttempt, OutboxEvent, WebhookEndpoint
from gate.store.tables.partner import PartnerAnnouncement
from gate.store.tables.pipelines import CheckinPipeline
from gate.store.tables.statements import (
    FeeStatement,
    StatementAgreement,
    StatementFee,
    StatementPayment,
)
from gate.store.tables.statistics import (
    StatisticsBooking,
    StatisticsHour,
    StatisticsMark,
    StatisticsTime,
    statistics_day_times,
    statistics_days,
    statistics_fee_days,
    statistics_weekday_hours,
)
from gate.store.tables.yards import (
    DispatchOrder,
    DispatchRule,
    DriverLink,
    TruckPosition,
    Yard,
    YardCheckinRecord,
    YardDevice,
    YardGate,
    YardVisit,
)

__all__ = [
    "AccountLink",
    "ApiKey",
    "AuditHead",
    "AuditLogEntry",
    "Base",
    "Booking",
    "BookingDeclaration",
    "CheckinPipeline",
    "CheckinRecord",
    "ClearanceDecisionRow",
    "Closure",
    "Delivery",
    "DeliveryAttempt",
    "Device",
    "DispatchOrder",
    "DispatchRule",
    "Driver",
    "DriverLink",
    "DriverMessagePreference",
    "Enterprise",
    "EnterpriseUser",
    "Fee",
    "FeePayment",
    "FeeRate",
    "FeeRefund",
    "FeeSchedule",
    "FeeStatement",
    "Gate",
    "GateDirection",
    "IdempotencyRecord",
    "InvoiceCounter",
    "Lane",
    "Notice",
    "Officer",
    "OfficerGate",
    "OutboxEvent",
    "PartnerAnnouncement",
    "PendingRead",
    "QueueCount",
    "QueueCursor",
    "Slot",
    "SlotOverride",
    "StatementAgreement",
    "StatementFee",
    "StatementPayment",
    "StatisticsBooking",
    "StatisticsHour",
    "StatisticsMark",
    "StatisticsTime",
    "TruckPosition",
    "UserMessagePreference",
    "UserSession",
    "Vehicle",
    "VehicleGrant",
    "WebhookEndpoint",
    "Yard",
    "YardCheckinRecord",
    "YardDevice",
    "YardGate",
    "YardVisit",
    "statistics_day_times",
    "statistics_days",
    "statistics_fee_days",
    "statistics_weekday_hours",
]
