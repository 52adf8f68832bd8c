"""The portal's no-show standing (issue 18): the enterprise sees its no-show rate over the
window, the count behind it and the share of a peak hour's places it may hold now, with the
peak hours; the same figures as the API's getNoShowStanding."""

from __future__ import annotations

from typing import Any

from gate.bookings.no_shows import no_show_standing
from gate.domain.no_shows import NoShowPolicy, peak_places
from gate.domain.time import utc_now
from gate.store.unit_of_work import UnitOfWork


def hour_spans(hours: frozenset[int]) -> list[tuple[int, int]]:
    """The peak hours as spans of whole hours: {7, 8, 9, 10, 13} → [(7, 11), (13, 14)]."""
    spans: list[tuple[int, int]] = []
    for hour in sorted(hours):
        if spans and spans[-1][1] == hour:
            spans[-1] = (spans[-1][0], hour + 1)
        else:
            spans.append((hour, hour + 1))
    return spans


async def standing_shown(
    uow: UnitOfWork, enterprise_id: str, policy: NoShowPolicy
) -> dict[str, Any]:
    """What the portal's standing card shows: the counts, the rate as a whole percent (None
    below the minimum), the share as a percent, the places of an hour of 10, the peak spans
    ("07:00–11:00") and the rule's numbers."""
    mine = await no_show_standing(uow, enterprise_id, utc_now(), policy)
    return {
        "counted": mine.counted,
        "no_shows": mine.no_shows,
        "excused": mine.excused,
        "rate": None if mine.rate is None else round(mine.rate * 100),
        "share": round(mine.share * 100),
        "limited": mine.share < 1.0,
        "places_of_10": peak_places(mine.share, 10),
        "days": policy.window.days,
        "minimum": policy.minimum_bookings,
        "threshold": round(policy.threshold * 100),
        "peak": ", ".join(f"{a:02d}:00–{b:02d}:00" for a, b in hour_spans(policy.peak_hours)),
    }
