"""The booking pages' words: a refusal and a booking's history said in the page's language,
never as the platform's English details or raw event codes (``booking.created``).

A refusal is worded by its problem code (``slot-full``, ``version-conflict``: the codes of
gate/domain/errors.py, which the API's problem types carry too), and a form's refused field
by its name; a code not known here is said in general words, never in English. A history
entry is worded by its event (gate/domain/events.py's names) with the facts the audit log
keeps beside it (the lane called to, the agency and its decision, the hour moved from)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gate.bookings.calendar import OUTSIDE_HOURS
from gate.domain.errors import DomainError
from gate.domain.locale import when
from gate.domain.partner import PARTNER_CLOSED
from gate.domain.time import as_local
from gate.store.tables import AuditLogEntry
from services.web.i18n import Translator
from services.web.names import status_words
from services.web.page_words import why_key

Words = Callable[[str], str]

# A refusal's catalogue key by its problem code.
_BY_CODE = {
    "slot-full": "booking_refused_slot_full",
    "slot-closed": "booking_refused_slot_closed",
    "invalid-slot": "booking_refused_slot",
    "plate-already-booked": "booking_refused_plate_booked",
    "version-conflict": "booking_refused_changed",
    "invalid-transition": "booking_refused_state",
    "too-many-requests": "booking_refused_too_many",
    "not-found": "booking_refused_not_found",
    "vehicle-held-by-another": "booking_refused_not_found",
    "idempotency-key-reused": "booking_refused_sent_twice",
    "peak-share-exceeded": "booking_refused_peak_share",
}
# A form's field (its wire name) and the catalogue key of its label on the page.
_FIELDS = {
    "slot_start": "slot",
    "vehicle_id": "vehicle",
    "driver_id": "driver",
    "description": "cargo",
    "weight_kg": "weight_kg",
    "hs_code": "hs_code",
    "declaration_number": "declaration",
    "reason": "reason",
    "version": "booking_code",
    "latest_acceptable_at": "field_latest_acceptable_at",
}
# Refusals of fair rebooking (gate/domain/rebooking.py) said by their finer reason.
_OWN_WORDS = frozenset({"latest-before-slot", "no-rebooking", "rebooking-closed"})
# msgspec names the refused field of a form decoded into the API's type: "... - at `$.reason`".
_AT_FIELD = re.compile(r"at `\$\.(?:cargo\.)?(\w+)`")


def refusal(code: str, t: Words, field: str | None = None) -> str:
    """Why a booking form was refused, in the language of ``t``: by the problem ``code``,
    else by the refused ``field`` (its label named), else in general words."""
    if code in _BY_CODE:
        return t(_BY_CODE[code])
    if field:
        label = t(_FIELDS.get(field, field))
        return t("booking_refused_field").format(field=label)
    return t("booking_refused")


def error_words(error: DomainError, t: Words) -> str:
    """A DomainError raised on a booking form, worded by ``refusal`` (the refused field found
    in its extensions or, for a form's value, in msgspec's message); a finer reason the
    catalogue words (``why_{why}``: a latest acceptable hour before the booking's) instead."""
    if error.why in _OWN_WORDS:
        return t(why_key(error.why))
    field = error.extensions.get("field")
    if not isinstance(field, str):
        found = _AT_FIELD.search(error.detail)
        field = found.group(1) if found else None
    return refusal(error.code, t, field)


def problem_words(problem: dict[str, Any], t: Words) -> str:
    """A stored problem answer (an idempotent replay's body) worded by ``refusal``."""
    code = str(problem.get("type", "")).rsplit("/", 1)[-1]
    field = problem.get("field")
    return refusal(code, t, field if isinstance(field, str) else None)


def closed_words(reason: str | None, t: Words) -> str:
    """Why an hour is closed: the opening hours and the partner gate's closure (issue 18) in
    the page's language, a closure's reason as the administration wrote it (it is theirs, in
    their words)."""
    if reason is None or reason == OUTSIDE_HOURS:
        return t("outside_opening_hours")
    if reason == PARTNER_CLOSED:
        return t("partner_closed_hour")
    return reason


@dataclass(frozen=True, slots=True)
class Step:
    """One line of a booking's history: when (local), what happened, by whom, and a reason
    when one was given; ``entry_hash`` shortened, to find it in the audit log."""

    at: datetime
    what: str
    who: str
    reason: str | None
    entry_hash: str


_ACTORS = {
    "enterprise": "actor_enterprise",
    "officer": "actor_officer",
    "device": "actor_device",
    "admin": "actor_admin",
    "system": "actor_system",
}


def _hour(value: Any, language: str) -> str:
    """An hour's start kept as ISO text, written as the pages write a day and its time in
    ``language`` (``when``: CLDR's order and month names, on the gates' clock)."""
    try:
        return when(datetime.fromisoformat(str(value)), language)
    except ValueError:
        return str(value)


def facts_of(entry: AuditLogEntry) -> dict[str, Any]:
    """The facts an audit entry keeps beside its event (its data, canonical JSON)."""
    try:
        facts = json.loads(entry.data or "{}")
    except ValueError:
        return {}
    return facts if isinstance(facts, dict) else {}


def what_happened(
    entry: AuditLogEntry, t: Translator, before: Any = None, direction: str | None = None
) -> str:
    """An audited event of a booking in words; ``before``: the booking's hour as the entry
    before this one recorded it (a reschedule's entry keeps only the new hour). An exit and
    a status are said in the booking's ``direction``'s words, as its status line says them
    (``status_words``: an import truck's exit is its entry into Vietnam)."""
    facts = facts_of(entry)
    event = entry.event
    slot = _hour(facts.get("slot_start"), t.language)
    earlier = _hour(before, t.language) if before else "—"
    if event == "booking.created":
        return t("history_created").format(slot=slot)
    if event == "booking.rescheduled":
        return t("history_rescheduled").format(before=earlier, slot=slot)
    if event == "booking.rebooked":
        return t("history_rebooked").format(before=earlier, slot=slot)
    if event == "vehicle.called":
        return t("history_called").format(lane=facts.get("lane") or "—")
    if event == "vehicle.clearance_decided" and facts.get("agency") and facts.get("decision"):
        agency, decision = str(facts.get("agency", "")), str(facts.get("decision", ""))
        return t("history_decided").format(agency=t(agency), decision=t(decision))
    if event == "vehicle.exited" and direction:
        return status_words(t, "exited", direction)
    if event == "booking.lapsed":
        return t("history_lapsed").format(status=t(entry.to_status or "expired"))
    key = "history_" + event.replace(".", "_")
    worded = t(key)
    if worded != key:
        return worded
    # An event this page does not know yet: what the booking became, never the code.
    if entry.to_status:
        return t("history_changed").format(status=status_words(t, entry.to_status, direction))
    return t("history_other")


# The reasons the yard's sweep writes in English in the audit log (gate/yard/service.py; the
# log is append-only, so the entries already written keep them): their catalogue keys.
_SWEEP_REASONS = {
    "did not reach the lane in time": "lane_timeout",
    "missed a second call": "second_call_missed",
}


def reason_words(reason: str | None, t: Words) -> str | None:
    """A reason the platform writes as a code (fair rebooking's cause of a move, its
    cancellation for want of room: ``reason_{code}``) or as the yard's sweep's sentence, in
    words; a person's own reason as written."""
    if not reason:
        return reason
    reason = _SWEEP_REASONS.get(reason, reason)
    worded = t("reason_" + reason)
    return reason if worded == "reason_" + reason else worded


def steps(entries: list[AuditLogEntry], t: Translator, direction: str | None = None) -> list[Step]:
    """A booking's history (oldest first) in the language of ``t``, its exit in the words
    of the booking's ``direction``."""
    worded: list[Step] = []
    before: Any = None
    for entry in entries:
        worded.append(
            Step(
                as_local(entry.occurred_at),
                what_happened(entry, t, before, direction),
                t(_ACTORS.get(entry.actor_kind, "actor_system")),
                reason_words(entry.reason, t),
                entry.entry_hash[:12],
            )
        )
        before = facts_of(entry).get("slot_start", before)
    return worded
