"""Who may do what, written out as the tests expect it: one row per action of the rule book
(gate/accounts/permissions.py), the callers that may take it by name. The unit test holds
the book to it, and the integration test the API, the streams and the pages.

The callers: enterprise A's manager key, booking key, manager and clerk (users); enterprise
B's manager key (acting on A's users and keys, or on its own affairs); the four agencies'
officers at Tân Thanh and a gate operator and a customs officer of Hữu Nghị; a device of Tân
Thanh and one of Hữu Nghị; the administrator; yard enterprise Y's manager and staff (a
clerk), yard enterprise Z's manager key, a device of Y's yard and one of Z's. Gate actions are
taken at Tân Thanh, the enterprise's administration on enterprise A, the yard actions at Y's
yard, which serves Tân Thanh.
"""

from __future__ import annotations

ADMIN = "admin"
MANAGER_KEY = "A's manager key"
BOOKING_KEY = "A's booking key"
MANAGER = "A's manager"
CLERK = "A's clerk"
OTHER_MANAGER_KEY = "B's manager key"
OPERATOR = "gate operator"
BORDER_GUARD = "border guard"
CUSTOMS = "customs officer"
QUARANTINE = "quarantine officer"
OPERATOR_ELSEWHERE = "gate operator of another gate"
CUSTOMS_ELSEWHERE = "customs officer of another gate"
DEVICE = "device"
DEVICE_ELSEWHERE = "device of another gate"
YARD_MANAGER = "Y's manager"
YARD_STAFF = "Y's staff"
OTHER_YARD_MANAGER_KEY = "Z's manager key"
YARD_DEVICE = "yard device"
YARD_DEVICE_ELSEWHERE = "device of another yard"

ENTERPRISE_A = (MANAGER_KEY, BOOKING_KEY, MANAGER, CLERK)
OFFICERS = (OPERATOR, BORDER_GUARD, CUSTOMS, QUARANTINE, OPERATOR_ELSEWHERE, CUSTOMS_ELSEWHERE)
EVERYONE = (
    ADMIN,
    *ENTERPRISE_A,
    OTHER_MANAGER_KEY,
    *OFFICERS,
    DEVICE,
    DEVICE_ELSEWHERE,
    YARD_MANAGER,
    YARD_STAFF,
    OTHER_YARD_MANAGER_KEY,
    YARD_DEVICE,
    YARD_DEVICE_ELSEWHERE,
)

_ADMINISTRATION = {ADMIN}
_A_AND_ITS_MANAGERS = {ADMIN, MANAGER_KEY, MANAGER}
# Each enterprise acts for itself: B's key books B's trucks (the API then says 404 for A's).
# A yard enterprise is no carrier: it books nothing and holds no fleet.
_ENTERPRISES = {*ENTERPRISE_A, OTHER_MANAGER_KEY}
_YARD_Y = {YARD_MANAGER, YARD_STAFF}
_HERE = {OPERATOR, BORDER_GUARD, CUSTOMS, QUARANTINE}

EXPECTED: dict[str, set[str]] = {
    "manage-enterprises": _ADMINISTRATION,
    "manage-officers": _ADMINISTRATION,
    "read-officers": _ADMINISTRATION,
    "manage-gates": _ADMINISTRATION,
    "issue-device-keys": _ADMINISTRATION,
    "set-schedules": _ADMINISTRATION,
    "close-hours": _ADMINISTRATION,
    "transfer-vehicles": _ADMINISTRATION,
    "read-enterprise": _A_AND_ITS_MANAGERS,
    "manage-statements": _ADMINISTRATION,
    # Asked about enterprise A: its own users and keys, not B's.
    "read-statements": {ADMIN, *ENTERPRISE_A},
    "manage-users": _A_AND_ITS_MANAGERS,
    "manage-keys": _A_AND_ITS_MANAGERS,
    "manage-fleet": _ENTERPRISES,
    "book": _ENTERPRISES,
    "reschedule": _ENTERPRISES,
    "cancel": _ENTERPRISES,
    "read-own-bookings": _ENTERPRISES,
    "watch-enterprise-stream": _ENTERPRISES,
    # Whoever may book (users of every role, booking and manager keys) links a driver to it.
    "manage-driver-links": _ENTERPRISES,
    # Webhooks (issue 15): each enterprise's managers, for their own enterprise.
    "manage-webhooks": {
        MANAGER_KEY,
        MANAGER,
        OTHER_MANAGER_KEY,
        YARD_MANAGER,
        OTHER_YARD_MANAGER_KEY,
    },
    # The decision of issue 12: the gate's operators run its daily capacity, as the
    # administrator may; on the API and in the console alike.
    "override-capacity": {ADMIN, OPERATOR},
    "read-yard": _HERE,
    "watch-officer-stream": _HERE,
    "start-inspection": _HERE,
    "post-notices": {OPERATOR},
    "pause-gate": {OPERATOR},
    "open-close-lanes": {OPERATOR},
    "call-next": {OPERATOR},
    "record-decision": {BORDER_GUARD, CUSTOMS, QUARANTINE},
    "check-in-by-hand": {OPERATOR, BORDER_GUARD},
    "record-exit": {OPERATOR, BORDER_GUARD},
    # No-show accountability (issue 18): any officer of the gate, or the administrator.
    "excuse-no-show": {ADMIN, *_HERE},
    "check-in": {DEVICE},
    # Cash for a crossing's fee (issue 19): the gate's operators, who run its calls.
    "record-cash": {OPERATOR},
    # Dispatch from the waiting yards (issue 14): the gate's officers and the administrator
    # read it, its operators and the administrator set its rules, its operators dispatch.
    "read-dispatch": {ADMIN, *_HERE},
    "set-dispatch-rules": {ADMIN, OPERATOR},
    "dispatch-by-hand": {OPERATOR},
    # Waiting yards (issue 14): Z's manager runs Z's yards, not Y's; a carrier runs none.
    "manage-yards": _ADMINISTRATION,
    "set-yard-hours": {ADMIN, YARD_MANAGER},
    "issue-yard-device-keys": {ADMIN, YARD_MANAGER},
    "list-yards": set(EVERYONE),
    "read-yard-visits": {ADMIN, *_YARD_Y, *_HERE},
    "run-yard": _YARD_Y,
    "yard-check-in": {YARD_DEVICE},
    # The partner gate's announcements (issue 18): entered and withdrawn by the
    # administrator (its token for the partner's feed) and any officer of the gate (who
    # receives them by phone or letter), read by the same.
    "announce-partner-capacity": {ADMIN, *_HERE},
    "read-partner-capacity": {ADMIN, *_HERE},
}
