"""Cargo (hàng hoá) rules: customs declaration numbers, HS codes, weights, spoil-by times."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from gate.domain.errors import ValidationFailed
from gate.domain.time import floor_to_slot

# A VNACCS customs declaration (tờ khai hải quan) number has 12 digits.
_DECLARATION = re.compile(r"^\d{12}$", re.ASCII)
# HS codes are read at 4, 6, 8 or 10 digits (chapter heading to national subheading).
_HS_CODE = re.compile(r"^\d{4}(\d{2}){0,3}$", re.ASCII)
MAX_WEIGHT_KG = 100_000
# The furthest a spoil-by may lie ahead. It orders the yard's queue, which clears in hours
# (days in a crisis such as the durian of 2021); cargo that keeps a month is not waiting on
# the queue to spoil, and a spoil-by further ahead than that is a typing slip (a wrong year
# or month). Fresh fruit keeps days to a few weeks (durian 3-5 days ripe, dragon fruit 2-4
# weeks chilled), well inside it.
MAX_SPOIL_BY_AHEAD = timedelta(days=30)


def check_declaration_number(number: str) -> str:
    """A 12-digit VNACCS declaration number, spaces and dashes removed."""
    cleaned = re.sub(r"[\s\-]", "", number)
    if not _DECLARATION.fullmatch(cleaned):
        raise ValidationFailed(
            "a customs declaration number has 12 digits", field="declaration_number"
        )
    return cleaned


def check_hs_code(code: str) -> str:
    """An HS code of 4, 6, 8 or 10 digits, dots removed."""
    cleaned = code.replace(".", "").replace(" ", "")
    if not _HS_CODE.fullmatch(cleaned):
        raise ValidationFailed("an HS code has 4, 6, 8 or 10 digits", field="hs_code")
    return cleaned


def check_weight(weight_kg: float) -> float:
    if not 0 < weight_kg <= MAX_WEIGHT_KG:
        raise ValidationFailed(
            f"cargo weight must be above 0 and at most {MAX_WEIGHT_KG} kg", field="weight_kg"
        )
    return weight_kg


def check_spoil_by(
    spoil_by: datetime | None, *, perishable: bool, now: datetime, slot_start: datetime
) -> datetime | None:
    """The instant (aware; returned as given) by which perishable cargo spoils, or None when
    none was declared. ValidationFailed (field ``spoil_by``) with its ``why``:
    ``spoil-by-not-perishable`` when the cargo is not perishable, ``spoil-by-past`` when it
    is not after ``now``, ``spoil-by-before-slot`` when the cargo spoils before its booked
    hour (``slot_start``) begins, ``spoil-by-too-far`` when it is more than
    MAX_SPOIL_BY_AHEAD (30 days) after ``now``."""
    if spoil_by is None:
        return None
    if not perishable:
        raise ValidationFailed(
            "only perishable cargo carries a spoil-by time",
            why="spoil-by-not-perishable",
            field="spoil_by",
        )
    if spoil_by <= now:
        raise ValidationFailed(
            "the spoil-by time has passed", why="spoil-by-past", field="spoil_by"
        )
    if spoil_by <= slot_start:
        raise ValidationFailed(
            "the cargo spoils before its booked hour begins",
            why="spoil-by-before-slot",
            field="spoil_by",
        )
    if spoil_by > now + MAX_SPOIL_BY_AHEAD:
        raise ValidationFailed(
            f"a spoil-by time is at most {MAX_SPOIL_BY_AHEAD.days} days ahead",
            why="spoil-by-too-far",
            why_value=MAX_SPOIL_BY_AHEAD.days,
            field="spoil_by",
        )
    return spoil_by


def last_hour_before_spoiling(spoil_by: datetime) -> datetime:
    """The start of the last hour a load spoiling at ``spoil_by`` may be booked into (a slot
    must begin before the load spoils: ``spoil-by-before-slot``); for a move of the gate the
    spoil-by is a latest acceptable hour the enterprise never has to state."""
    return floor_to_slot(spoil_by - timedelta(microseconds=1))


def check_slot_before_spoiling(spoil_by: datetime | None, slot_start: datetime) -> None:
    """A booking's new hour (a reschedule, a chosen hour after a move) must begin before its
    load spoils; ValidationFailed (why ``spoil-by-before-slot``, field ``slot_start``)
    otherwise. Nothing to check without a spoil-by."""
    if spoil_by is not None and spoil_by <= slot_start:
        raise ValidationFailed(
            "the cargo spoils before that hour begins",
            why="spoil-by-before-slot",
            field="slot_start",
        )
