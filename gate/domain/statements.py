"""Monthly statements (bảng kê phí hằng tháng): an enterprise with a monthly agreement pays the
infrastructure fee of its crossings by one statement a month instead of fee by fee (issue 19:
"Enterprises with a monthly agreement pay by statement").

- An **agreement** (hợp đồng) runs over local days, ``valid_from`` to ``valid_until`` both
  included (None: open-ended), under the contract's ``reference``; the administrator may end
  it early at an instant. It is **in force** at an instant inside its days and before its end
  (``in_force``). Two agreements of one enterprise never overlap (``check_agreement``).
- A fee fixed while an agreement of its enterprise is in force at the booking's making is
  fixed with status ``statement``: it does not hold the truck (the unpaid-fee rule counts only
  ``due`` fees) and is paid with the statement.
- The **statement of a month** (first day of the month, local) lists the enterprise's fees
  still on statement whose crossing (the booked hour) falls in that month: a fee voided by an
  in-time cancellation is not on it; one cancelled late keeps its status and stays. It is
  issued once the month has ended, once per enterprise and month, and numbered
  ``SK`` + yymm + a four-digit sequence of the month (``SK26110001``): letters and digits
  only, as a bank transfer's description keeps them, and unlike an invoice number
  (gate/domain/fees.py: nine digits), so a transfer's reference names one or the other.
- It is **paid** when the sum received for it reaches its total; its fees are then paid.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from gate.domain.errors import Conflict, ValidationFailed
from gate.domain.time import LOCAL_TZ, as_local, as_utc

STATEMENT_PREFIX = "SK"
STATEMENT_SEQUENCE_DIGITS = 4
STATEMENT_NUMBER = re.compile(r"^SK[0-9]{8}$")
MAX_REFERENCE_LENGTH = 60
DUE = "due"
PAID = "paid"


def month_of(at: datetime) -> date:
    """The first day (local) of the month ``at`` falls in."""
    return as_local(at).date().replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after ``month``."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(month: date) -> date:
    """The first day of the month before ``month``."""
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month's instants ``[start, end)`` in UTC, from its local midnights."""
    start = datetime.combine(month.replace(day=1), datetime.min.time(), LOCAL_TZ)
    end = datetime.combine(next_month(month), datetime.min.time(), LOCAL_TZ)
    return as_utc(start), as_utc(end)


def check_month_ended(month: date, now: datetime) -> date:
    """The month (its first day) when it has ended by ``now``: a statement lists a whole
    month. ValidationFailed (``statement-month-not-ended``, field ``month``) otherwise."""
    first = month.replace(day=1)
    if first >= month_of(now):
        raise ValidationFailed(
            "a month's statement is issued after the month ends",
            why="statement-month-not-ended",
            field="month",
        )
    return first


def statement_number(month: date, sequence: int) -> str:
    """``SK`` + the month's yymm + the sequence (from 1) in four digits: ``SK26110001``.
    Conflict (``statement-numbers-exhausted``) past 9999 in a month."""
    if not 0 < sequence < 10**STATEMENT_SEQUENCE_DIGITS:
        raise Conflict(
            "the statement numbers of the month are exhausted", why="statement-numbers-exhausted"
        )
    return f"{STATEMENT_PREFIX}{month.year % 100:02d}{month.month:02d}{sequence:04d}"


def find_statement_numbers(text: str) -> list[str]:
    """The statement numbers a free text (a transfer's description) carries, in order and
    without repeats; upper case, anything but letters and digits dropped as banks do, and
    only where no digit runs on after the number (``SK261100012`` is none)."""
    cleaned = re.sub(r"[^A-Z0-9 ]", "", text.upper())
    found: list[str] = []
    for match in re.finditer(r"SK[0-9]{8}(?![0-9])", cleaned):
        if match.group() not in found:
            found.append(match.group())
    return found


def check_reference(reference: str) -> str:
    """The contract's number, trimmed: 1 to 60 characters (ValidationFailed,
    ``statement-reference-required``, field ``reference``)."""
    text = " ".join(reference.split())
    if not text or len(text) > MAX_REFERENCE_LENGTH:
        raise ValidationFailed(
            f"the agreement's contract number, 1 to {MAX_REFERENCE_LENGTH} characters",
            why="statement-reference-required",
            why_value=MAX_REFERENCE_LENGTH,
            field="reference",
        )
    return text


def last_day(valid_until: date | None, ended_at: datetime | None) -> date | None:
    """The last local day an agreement runs: its ``valid_until``, or the day it was ended on
    when earlier (None: open-ended)."""
    ended = as_local(ended_at).date() if ended_at is not None else None
    if valid_until is None:
        return ended
    return min(valid_until, ended) if ended is not None else valid_until


def in_force(
    valid_from: date, valid_until: date | None, ended_at: datetime | None, at: datetime
) -> bool:
    """Whether an agreement is in force at ``at``: its local day within ``valid_from`` to
    ``valid_until`` (included) and ``at`` before the instant it was ended early."""
    day = as_local(at).date()
    if day < valid_from or (valid_until is not None and day > valid_until):
        return False
    return ended_at is None or as_utc(at) < as_utc(ended_at)


def check_agreement(
    valid_from: date,
    valid_until: date | None,
    others: list[tuple[date, date | None]],
) -> None:
    """A new agreement's days: ``valid_until`` not before ``valid_from``
    (``statement-agreement-days``, field ``valid_until``) and no overlap with the
    enterprise's ``others`` (their first and last days, None open-ended: Conflict
    ``statement-agreement-overlap``): at any instant one agreement or none decides."""
    if valid_until is not None and valid_until < valid_from:
        raise ValidationFailed(
            "an agreement ends on or after its first day",
            why="statement-agreement-days",
            field="valid_until",
        )
    for first, last in others:
        starts_before_other_ends = last is None or valid_from <= last
        ends_after_other_starts = valid_until is None or valid_until >= first
        if starts_before_other_ends and ends_after_other_starts:
            raise Conflict(
                "the enterprise has an agreement over some of these days",
                why="statement-agreement-overlap",
            )
