"""The rule book itself: every action against every kind of caller, as tests/rule_book.py
writes it out; refusals say why."""

from __future__ import annotations

import pytest

from gate.accounts import principal as who
from gate.accounts.permissions import (
    RULES,
    Action,
    Context,
    acting_enterprise,
    acting_officer,
    allowed,
    at_yard,
    require,
)
from gate.domain.clearance import Agency
from gate.domain.errors import Forbidden
from tests import rule_book as book

HERE, ELSEWHERE = "gate-tan-thanh", "gate-huu-nghi"
A, B = "enterprise-a", "enterprise-b"
Y, Z = "yard-enterprise-y", "yard-enterprise-z"
YARD, OTHER_YARD = "yard-of-y", "yard-of-z"
YARD_KIND = who.EnterpriseKind.YARD

CALLERS: dict[str, who.Principal] = {
    book.ADMIN: who.ADMIN,
    book.MANAGER_KEY: who.EnterpriseKey(A, "key-1", who.KeyScope.MANAGER),
    book.BOOKING_KEY: who.EnterpriseKey(A, "key-2", who.KeyScope.BOOKING),
    book.MANAGER: who.EnterpriseUser(A, "user-1", who.EnterpriseRole.MANAGER, "session-1"),
    book.CLERK: who.EnterpriseUser(A, "user-2", who.EnterpriseRole.CLERK, "session-2"),
    book.OTHER_MANAGER_KEY: who.EnterpriseKey(B, "key-3", who.KeyScope.MANAGER),
    book.OPERATOR: who.Officer("o-1", Agency.GATE_OPERATOR, frozenset({HERE}), "s-3"),
    book.BORDER_GUARD: who.Officer("o-2", Agency.BORDER_GUARD, frozenset({HERE}), "s-4"),
    book.CUSTOMS: who.Officer("o-3", Agency.CUSTOMS, frozenset({HERE, ELSEWHERE}), "s-5"),
    book.QUARANTINE: who.Officer("o-4", Agency.QUARANTINE, frozenset({HERE}), "s-6"),
    book.OPERATOR_ELSEWHERE: who.Officer("o-5", Agency.GATE_OPERATOR, frozenset({ELSEWHERE}), "s"),
    book.CUSTOMS_ELSEWHERE: who.Officer("o-6", Agency.CUSTOMS, frozenset({ELSEWHERE}), "s-7"),
    book.DEVICE: who.Device("d-1", HERE),
    book.DEVICE_ELSEWHERE: who.Device("d-2", ELSEWHERE),
    book.YARD_MANAGER: who.EnterpriseUser(Y, "u-3", who.EnterpriseRole.MANAGER, "s-8", YARD_KIND),
    book.YARD_STAFF: who.EnterpriseUser(Y, "u-4", who.EnterpriseRole.CLERK, "s-9", YARD_KIND),
    book.OTHER_YARD_MANAGER_KEY: who.EnterpriseKey(Z, "key-4", who.KeyScope.MANAGER, YARD_KIND),
    book.YARD_DEVICE: who.YardDevice("yd-1", YARD),
    book.YARD_DEVICE_ELSEWHERE: who.YardDevice("yd-2", OTHER_YARD),
}

# Enterprise administration is asked about enterprise A; the rest about the caller's own
# enterprise and the gate here.
ON_A = {Action.READ_ENTERPRISE, Action.MANAGE_USERS, Action.MANAGE_KEYS, Action.READ_STATEMENTS}
# The yards' actions are asked about Y's yard, which serves the gate here.
AT_YARD = {
    Action.MANAGE_YARDS,
    Action.SET_YARD_HOURS,
    Action.ISSUE_YARD_DEVICE_KEYS,
    Action.LIST_YARDS,
    Action.READ_YARD_VISITS,
    Action.RUN_YARD,
    Action.YARD_CHECK_IN,
}


def _context(action: Action) -> Context:
    if action in AT_YARD:
        return at_yard(YARD, Y, frozenset({HERE}))
    return Context(enterprise_id=A) if action in ON_A else Context(gate_id=HERE)


def test_the_book_has_a_rule_for_every_action_and_the_tests_a_row_for_each():
    assert set(RULES) == set(Action)
    assert set(book.EXPECTED) == {a.value for a in Action}
    assert set(CALLERS) == set(book.EVERYONE)


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_every_kind_of_caller_is_allowed_or_refused_with_a_reason_as_written(action: Action):
    mismatches = []
    for name, principal in CALLERS.items():
        may = name in book.EXPECTED[action.value]
        if allowed(principal, action, _context(action)) != may:
            mismatches.append(name)
        if not may:
            with pytest.raises(Forbidden) as refused:
                require(principal, action, _context(action))
            assert refused.value.detail, name
    assert not mismatches, f"{action}: the book disagrees for {mismatches}"


def test_an_officer_of_another_gate_and_an_enterprise_acting_on_another_are_told_why():
    with pytest.raises(Forbidden, match="you do not serve at this gate"):
        require(CALLERS[book.OPERATOR_ELSEWHERE], Action.CALL_NEXT, Context(gate_id=HERE))
    with pytest.raises(Forbidden, match="another enterprise's"):
        require(CALLERS[book.OTHER_MANAGER_KEY], Action.MANAGE_USERS, Context(enterprise_id=A))
    with pytest.raises(Forbidden, match="call-next is for the gate's operators"):
        require(CALLERS[book.CUSTOMS], Action.CALL_NEXT, Context(gate_id=HERE))


def test_the_narrowed_caller_comes_back_only_once_the_book_said_yes():
    assert acting_enterprise(CALLERS[book.CLERK], Action.BOOK) == A
    with pytest.raises(Forbidden):
        acting_enterprise(who.ADMIN, Action.BOOK)  # the administrator books for nobody
    officer = acting_officer(CALLERS[book.CUSTOMS], Action.RECORD_DECISION, HERE)
    assert officer.agency is Agency.CUSTOMS
    with pytest.raises(Forbidden):
        acting_officer(CALLERS[book.OPERATOR], Action.RECORD_DECISION, HERE)


def test_a_yard_enterprise_is_told_it_books_nothing_and_a_yard_device_its_yard_is_another():
    with pytest.raises(Forbidden, match="a yard enterprise does not book"):
        require(CALLERS[book.YARD_MANAGER], Action.BOOK)
    with pytest.raises(Forbidden, match="registered at another yard"):
        require(
            CALLERS[book.YARD_DEVICE_ELSEWHERE], Action.YARD_CHECK_IN, _context(Action.RUN_YARD)
        )
    with pytest.raises(Forbidden, match="another enterprise's"):
        require(CALLERS[book.OTHER_YARD_MANAGER_KEY], Action.RUN_YARD, _context(Action.RUN_YARD))
    with pytest.raises(Forbidden, match="none of the gates this yard serves"):
        require(CALLERS[book.CUSTOMS_ELSEWHERE], Action.READ_YARD_VISITS, _context(Action.RUN_YARD))
