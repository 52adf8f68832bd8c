"""Time rules: everything is stored in UTC and shown in Asia/Ho_Chi_Minh (UTC+7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from gate.domain.errors import ValidationFailed

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SLOT_LENGTH = timedelta(hours=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is refused, since its zone would be a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationFailed("times must carry a UTC offset, e.g. 2026-12-01T08:00:00+07:00")
    return moment.astimezone(UTC)


def as_local(moment: datetime) -> datetime:
    """The same instant on the clock of the gates (Asia/Ho_Chi_Minh)."""
    return moment.astimezone(LOCAL_TZ)


def floor_to_slot(moment: datetime) -> datetime:
    """Start of the one-hour slot holding ``moment`` (Vietnam has no DST: hours align with UTC)."""
    return as_utc(moment).replace(minute=0, second=0, microsecond=0)
