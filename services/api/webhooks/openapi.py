"""The webhooks an enterprise's endpoint receives, in the OpenAPI document's top-level
``webhooks`` section (OpenAPI 3.1): one entry per public type (gate/domain/outbox.py's
WEBHOOK_TYPES) with its Standard Webhooks headers, its body's schema and an example, for
the ERP developer who writes the receiver. The ``data`` fields are those
gate/webhooks/expander.py's ``webhook_data`` builds (tests/integration/test_docs.py holds
the two together)."""

from __future__ import annotations

from typing import Any

from litestar.openapi.spec import (
    Example,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    PathItem,
    Reference,
    RequestBody,
    Schema,
)

from gate.domain.bookings import BookingStatus
from gate.domain.clearance import Agency, CustomsChannel, Decision
from gate.domain.outbox import WEBHOOK_EVENT_TYPES
from gate.domain.queue import QueueClass

STRING, NULL = OpenAPIType.STRING, OpenAPIType.NULL
UTC_TIME = "UTC, ISO 8601 with its offset (``+00:00``)"


def _text(description: str, *, nullable: bool = False, **extra: Any) -> Schema:
    kinds = [STRING, NULL] if nullable else STRING
    return Schema(type=kinds, description=description, **extra)


def _time(description: str, *, nullable: bool = False) -> Schema:
    return _text(f"{description}; {UTC_TIME}", nullable=nullable, format="date-time")


# Every booking webhook's data: the booking (a capacity change has its own, CAPACITY).
COMMON: dict[str, Schema] = {
    "booking_id": _text("The booking's id (as in /api/v1/bookings/{id})", nullable=True),
    "booking_code": _text("The booking's code, as the driver shows it", nullable=True),
    "gate": _text("The gate's code, such as `tan-thanh`"),
    "direction": _text("export or import", nullable=True, enum=["export", "import", None]),
    "slot_start": _time("The start of the booking's hour slot", nullable=True),
    "status": _text(
        "The booking's status after the event",
        nullable=True,
        enum=[*(s.value for s in BookingStatus), None],
    ),
    "plate": _text("The truck's plate (your own truck), such as `12C-246.80`", nullable=True),
}


def _dong(description: str) -> Schema:
    return Schema(type=OpenAPIType.INTEGER, minimum=0, description=description)


# What every fee's webhook adds (issue 19): the fee's status, invoice number and amount.
FEE: dict[str, Schema] = {
    "fee_status": _text(
        "The fee's status after the event",
        enum=["due", "paid", "statement", "refund_due", "refunded", "void"],
    ),
    "invoice_number": _text("The fee's invoice number, such as `TT260000123`"),
    "amount_vnd": _dong("The crossing's fee, VND, fixed when the booking was made"),
}

# What each type adds (gate/webhooks/expander.py's ADDED_FIELDS); absent when not known.
ADDED: dict[str, dict[str, Schema]] = {
    "booking.rescheduled": {"previous_slot_start": _time("The slot it was moved from")},
    "booking.cancelled": {"reason": _text("Why, as the canceller wrote it")},
    "booking.rebooked": {
        "previous_slot_start": _time("The hour the gate moved it from"),
        "cause": _text(
            "What changed the hour's capacity",
            enum=["hour", "schedule", "closure_added", "partner"],
        ),
        "respond_by": _time("Until when you may accept the move or choose another hour"),
    },
    "booking.lapsed": {"reason": _text("Why it lapsed, such as `never arrived`")},
    "truck.called": {"lane": _text("The lane the truck is called to, such as `X1`")},
    "truck.clearance_decided": {
        "agency": _text("The deciding agency", enum=[a.value for a in Agency]),
        "decision": _text("The agency's decision", enum=[d.value for d in Decision]),
        "channel": _text("Customs' channel, for customs", enum=[c.value for c in CustomsChannel]),
        "reason": _text("The agency's reason, when it gave one"),
    },
    "truck.dispatched": {
        "order_code": _text("The dispatch order's code"),
        "deadline_at": _time("The latest the truck must reach the gate"),
        "queue_class": _text("The truck's queue class", enum=[q.value for q in QueueClass]),
    },
    "cargo.spoil_risk": {
        "spoil_by": _time("When the perishable cargo spoils, as declared at booking"),
        "forecast_call_at": _time("When the truck is forecast to be called: after spoil_by"),
    },
    "fee.paid": {**FEE, "paid_amount_vnd": _dong("The sum received for it, VND")},
    "fee.refund_due": {
        **FEE,
        "refund_amount_vnd": _dong("What is sent back, VND: everything paid"),
        "rule": _text("Why", enum=["cancelled-by-gate", "cancelled-before-deadline"]),
    },
    "fee.voided": {
        **FEE,
        "rule": _text("Why", enum=["cancelled-by-gate", "cancelled-before-deadline"]),
    },
    "fee.refunded": {**FEE, "refund_amount_vnd": _dong("What was sent back, VND")},
}

# A capacity change's data (gate/webhooks/capacity.py's ``capacity_data``): the change, and
# the receiving enterprise's own bookings it touched.
CAPACITY: dict[str, Schema] = {
    "gate": _text("The gate's code, such as `tan-thanh`"),
    "change": _text(
        "What changed",
        enum=[
            "schedule",
            "hour",
            "closure_added",
            "closure_removed",
            # The partner gate's announcements (issue 18, gate/gates/partner.py).
            "partner_capacity",
            "partner_closure",
            "partner_withdrawn",
        ],
    ),
    "directions": Schema(
        type=OpenAPIType.ARRAY,
        items=_text("export or import", enum=["export", "import"]),
        description="The directions it touched",
    ),
    "starts_at": _time("The first hour it touched"),
    "ends_at": _time("The end of the last hour it touched (exclusive)"),
    "capacity_before": Schema(
        type=[OpenAPIType.INTEGER, NULL],
        description="Places per hour before, where one number says it",
    ),
    "capacity_after": Schema(
        type=[OpenAPIType.INTEGER, NULL],
        description="Places per hour after (0 for a closure), where one number says it",
    ),
    "reason": _text("The reason given, for a closure", nullable=True),
    "bookings": Schema(
        type=OpenAPIType.ARRAY,
        description=(
            "Your bookings still to come in the hours and directions it touched, and those "
            "its rebooking moved out of them (at their new hour)"
        ),
        items=Schema(
            type=OpenAPIType.OBJECT,
            required=["booking_id", "booking_code", "direction", "slot_start"],
            properties={
                "booking_id": _text("The booking's id"),
                "booking_code": _text("The booking's code"),
                "direction": _text("export or import", enum=["export", "import"]),
                "slot_start": _time("The start of the booking's hour slot"),
            },
        ),
    ),
}

SUMMARIES = {
    "booking.created": "A booking of yours was made",
    "booking.rescheduled": "A booking of yours moved to another slot",
    "booking.cancelled": "A booking of yours was cancelled",
    "booking.lapsed": "A booking of yours ended without crossing (no-show or expired)",
    "truck.checked_in": "Your truck checked in at the gate's control yard",
    "truck.dispatched": "Your truck was sent from a waiting yard to the gate",
    "truck.called": "Your truck is called to a lane",
    "truck.clearance_decided": "An agency recorded its decision on your truck",
    "truck.exited": "Your truck left through the gate",
    "capacity.changed": "A gate changed its opening hours or capacity",
    "cargo.spoil_risk": (
        "Your waiting truck's perishable cargo is forecast to be called after its spoil-by "
        "(sent once a truck)"
    ),
    "booking.rebooked": "The gate moved a booking of yours: its hour lost places",
    "fee.paid": "The border-gate infrastructure fee of a booking of yours is paid",
    "fee.refund_due": "A paid booking of yours was cancelled in time: its fee is refunded",
    "fee.voided": "An unpaid booking of yours was cancelled in time: its fee is not owed",
    "fee.refunded": "The refund of a fee of yours was sent back to the account that paid it",
}

_SAMPLE_DATA = {
    "booking_id": "0b9d6c1e-5f7a-4c2e-9a51-3f0e2b7d8c41",
    "booking_code": "BK7Q2M4X9P",
    "gate": "tan-thanh",
    "direction": "export",
    "slot_start": "2026-12-01T02:00:00+00:00",
    "status": "booked",
    "plate": "12C-246.80",
}
_SAMPLE_ADDED: dict[str, dict[str, Any]] = {
    "booking.rescheduled": {"previous_slot_start": "2026-12-01T01:00:00+00:00"},
    "booking.cancelled": {"status": "cancelled", "reason": "đổi kế hoạch"},
    "booking.lapsed": {"status": "no_show", "reason": "never arrived"},
    "truck.checked_in": {"status": "arrived"},
    "truck.called": {"status": "called", "lane": "X1"},
    "truck.clearance_decided": {
        "status": "cleared",
        "agency": "customs",
        "decision": "cleared",
        "channel": "green",
    },
    "truck.dispatched": {
        "order_code": "D7Q2M4X9P",
        "deadline_at": "2026-12-01T02:30:00+00:00",
        "queue_class": "perishable",
    },
    "truck.exited": {"status": "exited"},
    "cargo.spoil_risk": {
        "status": "arrived",
        "spoil_by": "2026-12-01T09:00:00+00:00",
        "forecast_call_at": "2026-12-01T09:40:00+00:00",
    },
    "booking.rebooked": {
        "slot_start": "2026-12-01T04:00:00+00:00",
        "previous_slot_start": "2026-12-01T02:00:00+00:00",
        "cause": "hour",
        "respond_by": "2026-12-01T02:00:00+00:00",
    },
    "fee.paid": {
        "fee_status": "paid",
        "invoice_number": "TT260000123",
        "amount_vnd": 1_500_000,
        "paid_amount_vnd": 1_500_000,
    },
    "fee.refund_due": {
        "status": "cancelled",
        "fee_status": "refund_due",
        "invoice_number": "TT260000123",
        "amount_vnd": 1_500_000,
        "refund_amount_vnd": 1_500_000,
        "rule": "cancelled-before-deadline",
    },
    "fee.voided": {
        "status": "cancelled",
        "fee_status": "void",
        "invoice_number": "TT260000123",
        "amount_vnd": 1_500_000,
        "rule": "cancelled-by-gate",
    },
    "fee.refunded": {
        "status": "cancelled",
        "fee_status": "refunded",
        "invoice_number": "TT260000123",
        "amount_vnd": 1_500_000,
        "refund_amount_vnd": 1_500_000,
    },
}

HEADERS = (
    (
        "webhook-id",
        "The delivery's id (`msg_…`), the same through every retry and a send-again: drop a "
        "request whose id you already handled",
    ),
    ("webhook-timestamp", "When it was signed, in Unix seconds: refuse one too old"),
    (
        "webhook-signature",
        "Space-separated `v1,<base64>` signatures, one per secret that signs now (two or more "
        "after a rotation, while the old secrets' grace lasts): verify with any Standard "
        "Webhooks library and the endpoint's secret",
    ),
)

DESCRIPTION = (
    "POSTed to each enabled endpoint of your enterprise whose `event_types` lists this type "
    "(only the types listed are sent), for your own bookings only, signed per Standard "
    "Webhooks (https://www.standardwebhooks.com). Times are UTC in ISO 8601. Answer 2xx "
    "within 15 s (the body is not read). Any other answer, or none, is retried with the "
    "same `webhook-id` over about a day (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, with "
    "jitter); a booking's later webhooks wait behind it, so they arrive in order. After the "
    "last retry fails the endpoint is disabled; a 410 Gone disables it at once. Disabling "
    "(by the platform or by `PATCH /api/v1/webhooks/endpoints/{id}` with `enabled: false`) "
    "cancels its pending webhooks, and events while it is disabled are not queued for it; "
    "`enabled: true` turns it on again, and `POST /api/v1/webhooks/deliveries/{id}/"
    "send-again` sends one from the delivery log again. Managers are told when the platform "
    "disables an endpoint."
)


def body_schema(kind: str) -> Schema:
    """The Standard Webhooks body of a webhook of type ``kind``: ``type``, ``timestamp``
    (when the event happened) and ``data``."""
    capacity = kind == "capacity.changed"
    data: dict[str, Schema | Reference] = (
        dict(CAPACITY) if capacity else {**COMMON, **ADDED.get(kind, {})}
    )
    return Schema(
        type=OpenAPIType.OBJECT,
        required=["type", "timestamp", "data"],
        properties={
            "type": Schema(type=STRING, const=kind, description="The webhook's type"),
            "timestamp": _time("When the event happened"),
            "data": Schema(
                type=OpenAPIType.OBJECT,
                required=["gate", "change", "bookings"] if capacity else list(COMMON),
                properties=data,
                description=(
                    "The change and your bookings it touched"
                    if capacity
                    else "The booking the event is about and what the type adds"
                ),
            ),
        },
    )


def sample_body(kind: str) -> dict[str, Any]:
    """An example body of type ``kind``."""
    data: dict[str, Any] = {**_SAMPLE_DATA, **_SAMPLE_ADDED.get(kind, {})}
    if kind == "capacity.changed":
        data = {
            "gate": "tan-thanh",
            "change": "closure_added",
            "directions": ["export"],
            "starts_at": "2026-12-01T06:00:00+00:00",
            "ends_at": "2026-12-01T09:00:00+00:00",
            "capacity_before": 40,
            "capacity_after": 0,
            "reason": "the other side closes for an inspection",
            "bookings": [
                {
                    "booking_id": _SAMPLE_DATA["booking_id"],
                    "booking_code": _SAMPLE_DATA["booking_code"],
                    "direction": "export",
                    "slot_start": "2026-12-01T07:00:00+00:00",
                }
            ],
        }
    return {"type": kind, "timestamp": "2026-12-01T01:15:02.318000+00:00", "data": data}


def webhooks_section() -> dict[str, PathItem | Reference]:
    """The OpenAPI document's ``webhooks``: one POST per public type, named by the type."""
    section: dict[str, PathItem | Reference] = {
        kind: PathItem(
            post=Operation(
                operation_id="webhook_" + kind.replace(".", "_"),
                summary=SUMMARIES[kind],
                description=DESCRIPTION,
                tags=["webhooks"],
                parameters=[
                    Parameter(
                        name=name,
                        param_in="header",
                        required=True,
                        schema=Schema(type=STRING),
                        description=description,
                    )
                    for name, description in HEADERS
                ],
                request_body=RequestBody(
                    required=True,
                    content={
                        "application/json": OpenAPIMediaType(
                            schema=body_schema(kind),
                            examples={"sample": Example(value=sample_body(kind))},
                        )
                    },
                ),
                responses={
                    "2XX": OpenAPIResponse(description="Received: delivered"),
                    "410": OpenAPIResponse(description="Gone: the endpoint is disabled at once"),
                    "default": OpenAPIResponse(
                        description="Anything else, or no answer within 15 s: tried again"
                    ),
                },
            )
        )
        for kind in WEBHOOK_EVENT_TYPES
    }
    return section
