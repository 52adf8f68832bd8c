"""Clearance (thông quan): which agencies must clear a vehicle, and what their decisions add up to.

Border guard (biên phòng) checks every vehicle and driver; customs (hải quan) every cargo and
assigns a channel: green (released without checks), yellow (documents checked) or red
(physical inspection); quarantine (kiểm dịch) acts on perishable and agricultural goods.
The gate operator (Ban quản lý cửa khẩu) runs lanes and calls vehicles but decides nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Agency(StrEnum):
    BORDER_GUARD = "border_guard"
    CUSTOMS = "customs"
    QUARANTINE = "quarantine"
    GATE_OPERATOR = "gate_operator"


DECIDING_AGENCIES = frozenset({Agency.BORDER_GUARD, Agency.CUSTOMS, Agency.QUARANTINE})


class Decision(StrEnum):
    CLEARED = "cleared"
    HELD = "held"
    REJECTED = "rejected"


class CustomsChannel(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


# HS chapters 01–24 are live animals, plants and food: quarantine inspects them.
_AGRICULTURAL_CHAPTERS = range(1, 25)


def required_agencies(
    perishable: bool, hs_code: str | None, declared: bool = True
) -> frozenset[Agency]:
    """The agencies that must clear a vehicle before it may exit. Undeclared cargo (a walk-in)
    needs all of them, since nobody can say what it carries."""
    agencies = {Agency.BORDER_GUARD, Agency.CUSTOMS}
    chapter = hs_code[:2] if hs_code and len(hs_code) >= 4 else ""
    agricultural = chapter.isdigit() and int(chapter) in _AGRICULTURAL_CHAPTERS
    if perishable or agricultural or not declared:
        agencies.add(Agency.QUARANTINE)
    return frozenset(agencies)


@dataclass(frozen=True, slots=True)
class AgencyDecision:
    agency: Agency
    decision: Decision
    reason: str | None = None


class ClearanceState(StrEnum):
    PENDING = "pending"  # some required agency has not decided yet
    HELD = "held"  # an agency holds the vehicle (with a reason)
    CLEARED = "cleared"  # every required agency cleared it
    REJECTED = "rejected"  # an agency turned it back


def clearance_state(
    required: frozenset[Agency], decisions: Iterable[AgencyDecision]
) -> ClearanceState:
    """What the latest decision of each agency adds up to (later decisions replace earlier
    ones of the same agency; a rejection is final)."""
    latest: dict[Agency, Decision] = {}
    for each in decisions:
        if each.decision is Decision.REJECTED:
            return ClearanceState.REJECTED
        latest[each.agency] = each.decision
    if any(decision is Decision.HELD for decision in latest.values()):
        return ClearanceState.HELD
    if all(latest.get(agency) is Decision.CLEARED for agency in required):
        return ClearanceState.CLEARED
    return ClearanceState.PENDING
