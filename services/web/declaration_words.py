"""A booking's declaration versions in a page's words (issue 18): each version's number, when,
who, and the fields changed from the version before as "label: before → after", for the
portal's booking page (the enterprise's own) and the console's truck details (officers).
Never for a public page: a declaration number and a driver's name are personal data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from gate.bookings.declarations import DeclarationVersion
from gate.domain.declarations import FieldChange
from gate.domain.time import as_local
from services.web.i18n import Translator
from services.web.locale_format import when

# The catalogue's label of each declaration field (gate/domain/declarations.py FIELDS).
FIELD_WORDS = {
    "cargo_description": "cargo",
    "weight_kg": "weight_kg",
    "perishable": "perishable",
    "hs_code": "hs_code",
    "declaration_number": "declaration",
    "driver_id": "declared_driver",
    "spoil_by": "spoil_by",
}
# Who declared a version, as the officers read it (the portal says "your company").
OFFICERS_ACTORS = {"enterprise": "declared_by_enterprise"}
PORTAL_ACTORS = {"enterprise": "actor_enterprise"}


@dataclass(frozen=True, slots=True)
class ChangeWords:
    """One changed field: its label, and its value before and after, in words."""

    label: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class VersionWords:
    """One version: its number, when (the gates' clock), who, and its changes (none for
    version 1)."""

    version: int
    at: datetime
    who: str
    changes: tuple[ChangeWords, ...]


def version_words(
    versions: list[DeclarationVersion],
    drivers: Mapping[str, str],
    t: Translator,
    actors: Mapping[str, str],
) -> list[VersionWords]:
    """``versions`` (oldest first) in ``t``'s language; ``drivers``: full names by driver
    id; ``actors``: the catalogue's key for each actor kind (``OFFICERS_ACTORS`` or
    ``PORTAL_ACTORS``; another kind by ``actor_{kind}``)."""
    value = _value_words(drivers, t)
    return [
        VersionWords(
            v.version,
            as_local(v.declared_at),
            t(actors.get(v.actor_kind, f"actor_{v.actor_kind}")),
            tuple(
                ChangeWords(t(FIELD_WORDS[c.field]), value(c, c.before), value(c, c.after))
                for c in v.changed
            ),
        )
        for v in versions
    ]


def _value_words(
    drivers: Mapping[str, str], t: Translator
) -> Callable[[FieldChange, str | float | bool | datetime | None], str]:
    def words(change: FieldChange, value: str | float | bool | datetime | None) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, datetime):
            return when(value, t.language, year=True)
        if isinstance(value, bool):
            return t("yes") if value else t("no")
        if isinstance(value, int | float):
            return t.number(value, None) + " kg"
        if change.field == "driver_id":
            return drivers.get(value, "—")
        return value

    return words
