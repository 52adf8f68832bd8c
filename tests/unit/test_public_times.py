"""What the public pages publish of a time never is one truck's own time
(gate/statistics/public.py: a bucket's mean is used only where it holds ``MIN_TRUCKS``
trucks or more, the 90th percentile withheld below ten trucks), and short waits publish
short figures (issue 17: 0.0 to 0.3 min read as 2.5 and 4.5)."""

from hypothesis import given
from hypothesis import strategies as st

from gate.domain.statistics import Band, Measure, band_of, bucket_of, merged
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


def test_ten_trucks_called_within_seconds_publish_seconds_not_the_bands_middle():
    published = _published([0, 2, 5, 6, 8, 10, 12, 14, 16, 18])  # 0.0 to 0.3 min
    assert published.median_minutes is not None and published.p90_minutes is not None
    assert published.median_minutes <= published.p90_minutes <= 0.3  # not 2.5 and 4.5
    assert published.median_band == published.p90_band == Band(0, 5)


def _floor(bucket: int) -> int:
    """The first second of a wait's bucket."""
    low = band_of(Measure.WAIT_FOR_CALL, bucket).low
    assert low is not None
    return low * 60


@given(st.lists(st.integers(min_value=1, max_value=200_000), min_size=1, max_size=40))
def test_no_published_figure_depends_on_the_times_of_a_bucket_of_few_trucks(waits: list[int]):
    published = _published(waits)
    # Each truck of a bucket holding fewer than MIN_TRUCKS moved to its bucket's floor: the
    # figures do not move, so they say nothing of those trucks' own times.
    buckets = [bucket_of(Measure.WAIT_FOR_CALL, s) for s in waits]
    few = {b for b in buckets if buckets.count(b) < MIN_TRUCKS}
    moved = [_floor(b) if b in few else s for b, s in zip(buckets, waits, strict=True)]
    shifted = _published(moved)
    assert (published.median_minutes, published.p90_minutes) == (
        shifted.median_minutes,
        shifted.p90_minutes,
    )
    if len(waits) < P90_MIN_TRUCKS:
        assert published.p90_minutes is None
