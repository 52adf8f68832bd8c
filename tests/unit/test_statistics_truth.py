"""What a booking adds to the statistics when it never crosses (issue 17, survivorship), and
the bands a percentile is read as (issue 17, short waits read 2.5 min)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gate.domain.statistics import (
    AgencyTime,
    Band,
    BookingFacts,
    Distribution,
    Key,
    Measure,
    bucket_of,
    contributions,
)

ARRIVED = datetime(2026, 7, 6, 8, 20, tzinfo=UTC)


def _facts(status: str, **times: object) -> BookingFacts:
    return BookingFacts(
        gate_id="g",
        direction="export",
        slot_start=ARRIVED.replace(minute=0),
        status=status,
        perishable=False,
        queue_class="regular",
        walk_in=False,
        arrived_at=ARRIVED,
        **times,  # type: ignore[arg-type]
    )


def _key(moment: datetime) -> Key:
    return Key("g", "export", moment.replace(minute=0, second=0), "regular")


def test_a_truck_the_queue_let_go_counts_as_expired_with_a_days_wait():
    part = contributions(_facts("expired"))
    gone = ARRIVED + timedelta(hours=24)
    assert part.counts[_key(gone), "expired"] == 1
    open_bucket = bucket_of(Measure.WAIT_FOR_CALL, 24 * 3600)
    assert open_bucket == 15  # past the last bound: "a day or more"
    day = 24 * 3600
    assert part.times[_key(ARRIVED), Measure.WAIT_FOR_CALL, open_bucket] == (1, day)
    assert part.times[_key(gone), Measure.WAIT_ENDED, open_bucket] == (1, day)


def test_a_truck_re_queued_after_a_missed_call_then_let_go_counts_as_expired_a_day_on():
    # Issue 17's hostile test: a truck called, missing its call, is re-queued keeping its
    # first call's time (gate/yard/service.py::sweep_missed_calls); let go a day after its
    # check-in, it was counted expired in the hour of that first call (a day early, often
    # another day) with a wait of minutes: the survivorship the expired count mends.
    first_call = ARRIVED + timedelta(minutes=40)
    part = contributions(_facts("expired", called_at=first_call))
    gone = ARRIVED + timedelta(hours=24)
    assert part.counts[_key(gone), "expired"] == 1
    assert (_key(first_call), "expired") not in part.counts
    assert part.counts[_key(first_call), "called"] == 1  # it was called, once
    day = 24 * 3600
    open_bucket = bucket_of(Measure.WAIT_FOR_CALL, day)
    assert part.times[_key(ARRIVED), Measure.WAIT_FOR_CALL, open_bucket] == (1, day)
    assert part.times[_key(gone), Measure.WAIT_ENDED, open_bucket] == (1, day)
    assert len([k for k in part.times if k[1] == Measure.WAIT_FOR_CALL]) == 1


def test_a_truck_still_waiting_counts_no_wait_yet():
    part = contributions(_facts("arrived"))
    assert not part.times and (_key(ARRIVED), "expired") not in part.counts


def test_a_truck_turned_back_counts_as_such_with_its_time_to_the_refusal():
    called = ARRIVED + timedelta(minutes=30)
    refused = called + timedelta(minutes=95)
    decisions = (
        AgencyTime("border_guard", called + timedelta(minutes=10)),
        AgencyTime("customs", refused, rejected=True),
    )
    part = contributions(
        _facts(
            "rejected",
            called_at=called,
            inspection_started_at=called + timedelta(minutes=5),
            decisions=decisions,
        )
    )
    assert part.counts[_key(refused), "turned_back"] == 1
    bucket = bucket_of(Measure.CALL_TO_TURN_BACK, 95 * 60)
    assert part.times[_key(called), Measure.CALL_TO_TURN_BACK, bucket] == (1, 95 * 60)
    assert not any(measure == Measure.CALL_TO_EXIT for _, measure, _ in part.times)
    # Its wait for the call counts as any called truck's, in both keys.
    half_hour = bucket_of(Measure.WAIT_FOR_CALL, 30 * 60)
    assert part.times[_key(ARRIVED), Measure.WAIT_FOR_CALL, half_hour] == (1, 30 * 60)
    assert part.times[_key(called), Measure.WAIT_ENDED, half_hour] == (1, 30 * 60)


def test_a_percentile_is_known_as_its_band():
    short = Distribution(Measure.WAIT_FOR_CALL, {0: (10, 400)})  # 40 s on average
    # The estimate inside the band honours its mean (tests/unit/test_percentile_estimate.py):
    # not the band's middle, 2.5 min, which was nobody's wait.
    assert short.percentile_minutes(0.5, mean_from=5) == 4 / 3 * 5 / 11
    assert short.band(0.5) == Band(0, 5) and short.band(0.9) == Band(0, 5)
    mixed = Distribution(Measure.WAIT_FOR_CALL, {1: (4, 4 * 420), 15: (6, 6 * 90000)})
    assert mixed.band(0.3) == Band(5, 10)
    assert mixed.band(0.5) == Band(1440, None)  # a day or more: open above
    error = Distribution(Measure.FORECAST_ERROR, {0: (3, -3 * 9000)})
    assert error.band(0.5) == Band(None, -120)
    assert Distribution(Measure.WAIT_FOR_CALL, {}).band(0.5) is None
