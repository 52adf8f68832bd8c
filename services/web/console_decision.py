"""The console's clearance decision form, read as the officer meant it: nothing is decided
that was not chosen. The form has no preselected decision (a wrong clearance must not be one
click away), and its script refuses to send it without one; a post that still lacks one (no
script, a hand-made request) is refused here, in the page's language, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping

from gate.clearance.service import DecisionInput
from gate.domain.clearance import Decision
from services.api.yard.schemas import DecisionCreate
from services.web.forms import Refused, decode_form
from services.web.i18n import Translator

_NEEDS_REASON = frozenset({Decision.HELD.value, Decision.REJECTED.value})


def decision_of(form: Mapping[str, str], t: Translator) -> DecisionInput | Refused:
    """The decision a posted form makes: its ``decision`` (cleared, held, rejected), its
    ``reason`` (spaces around it dropped; required for a hold or a rejection) and customs'
    ``channel``. Refused, with the reason in ``t``'s language, when no decision (or one the
    form does not offer) was chosen, or a hold or rejection comes without a reason. Raises
    ValidationFailed for what the API would refuse besides (a reason over 300 characters, a
    control character in it, a channel that is none)."""
    chosen = (form.get("decision") or "").strip()
    if chosen not in {d.value for d in Decision}:
        return Refused("no decision chosen", said=t("console_decision_not_chosen"), status=422)
    reason = (form.get("reason") or "").strip() or None
    if chosen in _NEEDS_REASON and reason is None:
        return Refused(
            "a hold or rejection without a reason",
            said=t("console_decision_needs_reason"),
            status=422,
        )
    # The trimmed reason in the form's place: an empty one is one not given.
    decoded = decode_form({**form, "reason": reason or ""}, DecisionCreate, decision=chosen)
    return DecisionInput(decoded.decision, decoded.reason, decoded.channel)
