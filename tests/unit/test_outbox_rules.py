"""The outbox's rules (gate/domain/outbox.py): which events leave, their public names, the
retry schedule and its full jitter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.config import Settings
from gate.domain.events import (
    BookingCreated,
    BookingEvent,
    ClearanceDecided,
    GateCalendarChanged,
    GateNoticeChanged,
    VehicleArrived,
    VehicleCalled,
    VehicleExited,
    VehicleRequeued,
)
from gate.domain.messages import DRIVER_EVENTS
from gate.domain.outbox import (
    DEFAULT_RETRY_SCHEDULE,
    OUTBOXED,
    WEBHOOK_EVENT_TYPES,
    WEBHOOK_TYPE_OF_NAME,
    attempts_allowed,
    is_outboxed,
    parse_schedule,
    retry_delay,
)
from gate.domain.payments import PayoutDue


def _booking_event(cls: type[BookingEvent], enterprise_id: str | None = "e") -> BookingEvent:
    return cls(
        booking_id="b",
        enterprise_id=enterprise_id,
        gate="tan-thanh",
        gate_id="g",
        direction="export",
        slot_start="2026-12-01T01:00:00+00:00",
    )


def test_the_events_that_matter_to_the_outside_are_outboxed_under_public_names():
    assert is_outboxed(_booking_event(BookingCreated))
    assert is_outboxed(_booking_event(VehicleArrived))
    # Internal moves of the queue and notices are not the outside's business.
    assert not is_outboxed(_booking_event(VehicleRequeued))
    assert not is_outboxed(GateNoticeChanged(gate="tan-thanh"))
    assert WEBHOOK_TYPE_OF_NAME["vehicle.arrived"] == "truck.checked_in"
    assert set(WEBHOOK_EVENT_TYPES) == {
        "booking.created",
        "booking.rescheduled",
        "booking.cancelled",
        "booking.lapsed",
        "truck.checked_in",
        "truck.dispatched",
        "truck.called",
        "truck.clearance_decided",
        "truck.exited",
        "capacity.changed",
        "cargo.spoil_risk",
        "booking.rebooked",
        "fee.paid",
        "fee.refund_due",
        "fee.voided",
        "fee.refunded",
    }
    # And an endpoint disabled, told to its owner by message, not sent as a webhook; an
    # account's mail (an application, a decision, an invitation, a reset); and a refund's
    # payout, sent through its provider (gate/payments/payouts.py), never a webhook.
    assert len(OUTBOXED) == len(WEBHOOK_EVENT_TYPES) + 3
    assert PayoutDue.name not in WEBHOOK_TYPE_OF_NAME


def test_a_refunds_payout_is_outboxed_even_for_money_of_no_enterprise():
    # A transfer that named no invoice has no fee and no enterprise: it is paid back all
    # the same, so its refund goes out through the outbox.
    assert is_outboxed(PayoutDue(refund_id="r", amount_vnd=5_000))
    assert is_outboxed(PayoutDue(refund_id="r", amount_vnd=5_000, enterprise_id="e", gate_id="g"))


def test_an_event_nobody_could_be_told_of_is_not_outboxed():
    # A walk-in's booking and arrival: no enterprise, so no webhook and no user; and no
    # driver is told of either. The check-in hot path writes nothing to the outbox for them.
    assert not is_outboxed(_booking_event(BookingCreated, enterprise_id=None))
    assert not is_outboxed(_booking_event(VehicleArrived, enterprise_id=None))
    assert not is_outboxed(_booking_event(ClearanceDecided, enterprise_id=None))
    # A driver is told of a call or an exit whoever booked (the driver is the booking's).
    assert is_outboxed(_booking_event(VehicleCalled, enterprise_id=None))
    assert is_outboxed(_booking_event(VehicleExited, enterprise_id=None))
    assert set(DRIVER_EVENTS) == {"dispatch.issued", "vehicle.called", "vehicle.exited"}
    # The gate's own event reaches the enterprises whose bookings it touched.
    change = GateCalendarChanged(
        gate="tan-thanh",
        gate_id="g",
        change="hour",
        directions=("export",),
        starts_at="2026-12-01T01:00:00+00:00",
        ends_at="2026-12-01T02:00:00+00:00",
    )
    assert is_outboxed(change)


def test_the_default_schedule_is_standard_webhooks_and_settings_change_it():
    assert parse_schedule(DEFAULT_RETRY_SCHEDULE) == (5, 300, 1800, 7200, 18000, 36000, 36000)
    assert attempts_allowed(parse_schedule(DEFAULT_RETRY_SCHEDULE)) == 8
    assert Settings.from_env({}).outbox_retry_schedule == parse_schedule(DEFAULT_RETRY_SCHEDULE)
    short = Settings.from_env({"GATE_OUTBOX_RETRY_SCHEDULE": "50ms, 0.1, 1s"})
    assert short.outbox_retry_schedule == (0.05, 0.1, 1.0)


@pytest.mark.parametrize("wrong", ["", ",", "5x", "-1s", "1d", ",".join(["1s"] * 21)])
def test_a_schedule_that_does_not_parse_names_its_variable(wrong: str):
    if not wrong.strip():
        # Empty keeps the default, as for every variable.
        assert Settings.from_env({"GATE_OUTBOX_RETRY_SCHEDULE": wrong}).outbox_retry_schedule
        return
    with pytest.raises(ValueError, match="GATE_OUTBOX_RETRY_SCHEDULE"):
        Settings.from_env({"GATE_OUTBOX_RETRY_SCHEDULE": wrong})


@given(
    schedule=st.lists(st.floats(0, 36000), min_size=1, max_size=10),
    attempts=st.integers(1, 12),
    draw=st.floats(0, 1, exclude_max=True),
)
def test_a_retry_waits_between_nothing_and_its_step_until_the_schedule_ends(
    schedule: list[float], attempts: int, draw: float
):
    wait = retry_delay(attempts, schedule, lambda: draw)
    if attempts >= attempts_allowed(schedule):
        assert wait is None  # the last attempt failed: given up
    else:
        assert wait is not None
        assert 0 <= wait <= schedule[attempts - 1]


def test_the_jitter_is_full_from_zero_to_the_step():
    assert retry_delay(1, (300.0,), lambda: 0.0) == 0.0
    assert retry_delay(1, (300.0,), lambda: 0.5) == 150.0
    with pytest.raises(ValueError):
        retry_delay(0, (300.0,))
