"""Finding a truck in the yard as an officer does: by the part of a plate or of a booking code
they read off a windscreen or hear over the radio, and the trucks waiting for their agency.

Searched text and the plates and codes it is compared with are folded alike: the plate
module's normal form (``normalise_plate``: upper case, no spaces, dots or dashes, full-width
forms as ASCII) and then every letter a camera or a tired eye confuses with a digit as that
digit (``plate_reads.fold``: O, D, Q as 0, I as 1, B as 8, ...). So ``12c 12``, ``I2C-I2`` and
``１２Ｃ１２`` all find ``12C-123.45``, and ``ab3k`` finds the booking ``AB3K7MPQRS``.
"""

from __future__ import annotations

from collections.abc import Iterable

from gate.domain.clearance import DECIDING_AGENCIES, Agency, Decision
from gate.domain.errors import ValidationFailed
from gate.domain.plate_reads import fold
from gate.domain.plates import normalise_plate

# Longer than any plate with its trailer's or any booking code, with room for spaces: what
# is longer is no search of the console (and is refused, not silently cut).
MAX_SEARCH_TEXT = 40


def search_key(text: str) -> str:
    """``text`` as plates and codes are compared (see the module): ``"12c 1O"`` → ``"12C10"``.
    Empty when nothing but separators was typed (no search, every truck).

    Raises ValidationFailed (field ``q``) when ``text`` is longer than MAX_SEARCH_TEXT
    characters, or holds a control character other than white space (no plate or code
    has one)."""
    if len(text) > MAX_SEARCH_TEXT:
        raise ValidationFailed(f"a search has at most {MAX_SEARCH_TEXT} characters", field="q")
    if any((ord(c) < 32 or ord(c) == 127) and not c.isspace() for c in text):
        raise ValidationFailed("a search holds no control characters", field="q")
    return fold(normalise_plate(text))


def waits_for(agency: Agency, required: frozenset[Agency], decisions: Iterable[Decision]) -> bool:
    """Whether a truck waits for ``agency``: its cargo needs that agency's clearance and the
    agency has not decided, or its latest decision holds the truck (a hold is settled by the
    agency that made it). ``decisions``: that agency's decisions on the truck, oldest first.
    Never for an agency that decides nothing (the gate operator)."""
    if agency not in DECIDING_AGENCIES or agency not in required:
        return False
    latest = None
    for decision in decisions:
        latest = decision
    return latest is None or latest is Decision.HELD
