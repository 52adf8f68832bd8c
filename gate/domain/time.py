"""Time rules: everything is stored in UTC and shown in Asia/Ho_Chi_Minh (UTC+7).

The instants the platform accepts from outside (a request's field, a query parameter, a
form, a cursor) lie in a window, ``[ACCEPTED_FROM, ACCEPTED_UNTIL)`` in UTC:
1970-01-01T00:00Z up to, not including, 2100-01-01T00:00Z. Python can hold any datetime
from year 1 to 9999 with any offset up to ±23:59, but such an instant may not exist in UTC
(0001-01-01T00:00+05:00) or on the gates' clock (9999-12-31T23:00-05:00), and adding the
booking horizon or a day of availability to one near the ends overflows. Inside the window
every conversion and every span the platform adds (days, at most weeks) stays far from
those ends. The lower end is the Unix epoch because clients send it to mean "from the
start" (and device clocks fall back to it); nothing the platform holds is older. The upper
end is generations past any slot, closure or notice anyone could mean.

The local days the platform reads figures of (the statistics page, the open data API, the
capacity planner on the page and in ``gate simulate``) lie in ``[FIRST_DAY, LAST_DAY]``: one
rule for every door. Before 2000 the platform holds nothing (it is younger), and the last
day keeps a window of days and its instants far from the end of what Python can hold.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from gate.domain.errors import ValidationFailed

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SLOT_LENGTH = timedelta(hours=1)
ACCEPTED_FROM = datetime(1970, 1, 1, tzinfo=UTC)
ACCEPTED_UNTIL = datetime(2100, 1, 1, tzinfo=UTC)
NEEDS_OFFSET = "times must carry a UTC offset, e.g. 2026-12-01T08:00:00+07:00"
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is refused, since its zone would be a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationFailed(NEEDS_OFFSET)
    return moment.astimezone(UTC)


def accepted_instant(moment: datetime, field: str | None = None) -> datetime:
    """``moment`` in UTC when the platform accepts it from outside, else ValidationFailed
    naming ``field`` as the client wrote it: naive times (their zone would be a guess) and
    instants outside ``[ACCEPTED_FROM, ACCEPTED_UNTIL)`` (see the module's docstring)."""
    extensions: dict[str, Any] = {"field": field} if field else {}
    if moment.tzinfo is None or moment.utcoffset() is None:
        detail = f"{field}: {NEEDS_OFFSET}" if field else NEEDS_OFFSET
        raise ValidationFailed(detail, why="needs-offset", **extensions)
    # Aware datetimes compare as instants without a conversion, so this cannot overflow.
    if not ACCEPTED_FROM <= moment < ACCEPTED_UNTIL:
        subject = f"{field} " if field else ""
        raise ValidationFailed(
            f"{subject}{moment.isoformat()} is outside the times the platform accepts "
            f"({ACCEPTED_FROM.isoformat()} up to {ACCEPTED_UNTIL.isoformat()})",
            why="outside-times",
            **extensions,
        )
    return moment.astimezone(UTC)


def as_local(moment: datetime) -> datetime:
    """The same instant on the clock of the gates (Asia/Ho_Chi_Minh)."""
    return moment.astimezone(LOCAL_TZ)


def floor_to_slot(moment: datetime) -> datetime:
    """Start of the one-hour slot holding ``moment`` (Vietnam has no DST: hours align with UTC)."""
    return as_utc(moment).replace(minute=0, second=0, microsecond=0)


def accepted_day(text: str, field: str = "day") -> date:
    """The local day ``text`` written ``YYYY-MM-DD``, from ``FIRST_DAY`` to ``LAST_DAY`` (see
    the module's docstring); ValidationFailed naming ``field`` otherwise."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(f"{field} is a date written YYYY-MM-DD", field=field) from None
    return day_in_range(day, field)


def day_in_range(day: date, field: str = "day") -> date:
    """``day`` itself when it lies from ``FIRST_DAY`` to ``LAST_DAY``; ValidationFailed naming
    ``field`` otherwise (a day already parsed: the planner's ``gate simulate --day``)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationFailed(
            f"{field} is a date from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}",
            field=field,
        )
    return day
