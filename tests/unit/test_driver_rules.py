"""The driver's page's rules without I/O: where a truck is heading, when it should arrive,
how long a link lives, and what the driver is told to do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gate.domain.driver import Step, link_expiry, next_step
from gate.domain.geo import Destination, arrival_at, choose_destination, estimated_arrival

GATE = Destination("gate", "g", "Tân Thanh", 21.959, 106.723)
NEAR = Destination("yard", "near", "Bãi gần", 21.930, 106.710)
FAR = Destination("yard", "far", "Bãi xa", 21.850, 106.760)
UNPLACED = Destination("yard", "nowhere", "Bãi chưa có toạ độ", None, None)
AT = datetime(2026, 12, 1, 8, 0, 30, tzinfo=UTC)


def _choose(**overrides: object) -> Destination:
    options: dict[str, object] = {"has_open_order": False, "in_yard": None, "open_yards": []}
    options.update(overrides)
    return choose_destination(21.94, 106.715, GATE, **options)  # type: ignore[arg-type]


def test_a_truck_with_an_open_order_heads_for_the_gate_whatever_yards_are_near():
    assert _choose(has_open_order=True, in_yard=NEAR, open_yards=[NEAR, FAR]) == GATE


def test_a_truck_waiting_in_a_yard_is_heading_for_that_yard():
    assert _choose(in_yard=FAR, open_yards=[NEAR, FAR]) == FAR


def test_a_truck_on_the_road_heads_for_the_nearest_open_yard_that_is_on_the_map():
    assert _choose(open_yards=[FAR, UNPLACED, NEAR]) == NEAR
    assert (
        choose_destination(
            21.851, 106.761, GATE, has_open_order=False, in_yard=None, open_yards=[NEAR, FAR]
        )
        == FAR
    )


def test_a_truck_with_no_yard_to_go_to_heads_for_the_gate():
    assert _choose(open_yards=[]) == GATE
    assert _choose(open_yards=[UNPLACED]) == GATE


def test_the_estimate_is_the_road_distance_at_the_average_speed_rounded_up_to_the_minute():
    estimate = arrival_at(AT, 21.85, 106.76, GATE)
    assert estimate == estimated_arrival(AT, 21.85, 106.76, GATE.latitude, GATE.longitude)  # type: ignore[arg-type]
    assert estimate is not None and estimate.second == 0
    # About 12.6 km in a straight line, 17 km by road at 35 km/h: half an hour.
    assert timedelta(minutes=25) < estimate - AT < timedelta(minutes=35)
    assert arrival_at(AT, 21.85, 106.76, UNPLACED) is None


def test_a_link_lives_three_days_past_the_end_of_its_hour():
    slot = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert link_expiry(slot) == datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


def test_each_state_tells_the_driver_one_thing_to_do():
    assert next_step("booked", in_yard=False, has_open_order=False) is Step.GO_TO_YARD
    assert next_step("booked", in_yard=True, has_open_order=False) is Step.WAIT_IN_YARD
    assert next_step("booked", in_yard=True, has_open_order=True) is Step.GO_TO_GATE
    assert next_step("arrived", in_yard=False, has_open_order=False) is Step.WAIT_IN_CONTROL_YARD
    assert next_step("called", in_yard=False, has_open_order=False) is Step.GO_TO_LANE
    assert next_step("cleared", in_yard=False, has_open_order=False) is Step.CROSS
    assert next_step("cancelled", in_yard=False, has_open_order=False) is Step.ENDED


def test_every_step_is_said_in_vietnamese_chinese_and_english():
    from services.web.i18n import LANGUAGES, messages

    for language in LANGUAGES:
        missing = [step.value for step in Step if step.value not in messages(language)]
        assert missing == [], language


def test_a_driver_links_secret_never_reaches_a_request_line_in_the_logs():
    from gate.logs import redact

    secret = "Zx9_" + "a" * 39
    line = f'127.0.0.1:5000 - "GET /d/{secret}/state?lang=zh HTTP/1.1" 304'
    assert secret not in redact(line)
    assert "/d/[redacted]/state" in redact(line)
