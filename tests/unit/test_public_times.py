"""What the public pages publish of a time never is one truck's own time
(gate/statistics/public.py: estimates between the buckets' bounds, the 90th percentile
withheld below ten trucks)."""

from hypothesis import given
from hypothesis import strategies as st

from gate.domain.statistics import Measure, bucket_of, merged
from gate.statistics.public import MIN_TRUCKS, P90_MIN_TRUCKS, times_of


def _published(waits: list[int]):
    rows = [(bucket_of(Measure.WAIT_FOR_CALL, s), 1, s) for s in waits]
    return times_of(merged(Measure.WAIT_FOR_CALL, rows))


def test_five_trucks_in_five_buckets_show_neither_a_median_nor_a_p90_of_their_own():
    waits = [192, 744, 1542, 4206, 12018]  # seconds: 3.2, 12.4, 25.7, 70.1, 200.3 minutes
    assert len(waits) == MIN_TRUCKS
    published = _published(waits)
    own = {round(s / 60, 1) for s in waits}
    assert published.median_minutes is not None and published.median_minutes not in own
    assert published.p90_minutes is None  # fewer than ten trucks


@given(st.lists(st.integers(min_value=1, max_value=200_000), min_size=1, max_size=40))
def test_no_published_figure_is_a_lone_trucks_time(waits: list[int]):
    published = _published(waits)
    # A figure equal to one truck's time is allowed only where it is a bucket's bound too
    # (the truck sat exactly on it): what the figures are drawn from is the buckets alone.
    rows = [(bucket_of(Measure.WAIT_FOR_CALL, s), 1, s) for s in waits]
    shifted = times_of(merged(Measure.WAIT_FOR_CALL, [(b, 1, 0) for b, _, _ in rows]))
    assert (published.median_minutes, published.p90_minutes) == (
        shifted.median_minutes,
        shifted.p90_minutes,
    )
    if len(waits) < P90_MIN_TRUCKS:
        assert published.p90_minutes is None
