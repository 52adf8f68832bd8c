"""The rule book: who may do what, written once, for the API, the pages and the websockets.

``RULES`` maps every ``Action`` to the callers that may take it. A route, a page's form or a
stream asks ``require(principal, action, context)`` (Forbidden, 403, with the reason) or
``allowed`` (a page deciding which forms to show); no handler decides on its own. Reading a
principal's fields is for after the book said yes: ``acting_enterprise`` and ``acting_officer``
return the narrowed caller.

Who is who (PRODUCT.md, "Who uses it"):

* the administrator configures: enterprises, officers, gates, lanes, yard rules, devices, the
  calendar (schedules, closures) and vehicle transfers; it manages any enterprise's users and
  keys, but books for nobody;
* an enterprise's users and API keys act for their own enterprise only; managers (users of
  that role, keys of the ``manager`` scope) also manage its users and keys;
* officers act at the gates they serve, each agency its own part: gate operators run the
  day (lanes, calls, notices, pause, an hour's capacity), border guards, customs and
  quarantine decide, gate operators and border guards run the entrance (check-in by hand)
  and the exit; any officer of the gate reads its yard and starts an inspection;
* a device checks trucks in at its own gate;
* dispatch from the waiting yards: every officer of the gate and the administrator read its
  rules and orders; the gate's operators and the administrator set the rules (target,
  deadline, pause); the operators, who run the gate's day and its calls, dispatch a truck by
  hand and withdraw an order (as they call the next vehicle: border guards run the entrance,
  not the flow to it).
* waiting yards (issue 14): the administrator creates, changes and takes them out of service;
  a yard enterprise's managers set their own yards' capacity and hours and issue their
  devices' keys (as the administrator may); its users and keys (the yard's staff) check
  trucks in and out by hand; the trucks in a yard are read by its staff, the administrator
  and the officers of any gate it serves; anyone signed in lists the yards; a yard device
  checks trucks in and out at its own yard. A yard enterprise books nothing, holds no fleet
  and watches no vehicle stream (carrier actions); a carrier runs no yard.

**Cash for a crossing's fee** (issue 19) is taken by the gate's operators: the gate's
management board (Ban quản lý cửa khẩu) collects the province's infrastructure fee and runs the
calls that an unpaid fee holds back; border guards, customs and quarantine collect nothing.
Any officer of the gate reads a fee's receipt (read-yard), and an enterprise its own bookings'
(read-own-bookings).

**An hour's capacity** is the gate operators' (of that gate) and the administrator's, in the
API and in the console alike: the operators run a gate's daily capacity (a lane team
missing, the other side slowing down); the administrator sets the schedule it departs from.
Closures (with the reason the public board shows) are the calendar, the administrator's.

**Monthly statements** (issue 19): the administrator makes and ends an enterprise's monthly
agreement, issues statements and records a transfer paying one (the fee table is the
administration's, PRODUCT.md); the carrier's users and keys read their own enterprise's
agreements and statements, as they read the fees of its bookings.

**The partner gate's announcements** (its capacity per hour, its closures: issue 18) are
entered by the administrator (whose token the partner's feed adapter calls with) and by any
officer of the gate, who may receive them by phone or letter whatever their agency (the
border guards' liaison with the other side included); the same read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from gate.accounts.principal import (
    Administrator,
    Device,
    EnterpriseKey,
    EnterpriseKind,
    EnterpriseRole,
    EnterpriseUser,
    Officer,
    Principal,
    YardDevice,
)
from gate.domain.clearance import DECIDING_AGENCIES, Agency
from gate.domain.errors import Forbidden


class Action(StrEnum):
    """Everything the platform asks permission for; the value names it in messages and pages."""

    # The administration.
    MANAGE_ENTERPRISES = "manage-enterprises"
    MANAGE_OFFICERS = "manage-officers"
    READ_OFFICERS = "read-officers"  # the list, to find an officer's id
    MANAGE_GATES = "manage-gates"  # a gate, its lanes and yard rules
    ISSUE_DEVICE_KEYS = "issue-device-keys"
    SET_SCHEDULES = "set-schedules"
    CLOSE_HOURS = "close-hours"
    TRANSFER_VEHICLES = "transfer-vehicles"
    # An enterprise's own affairs.
    READ_ENTERPRISE = "read-enterprise"
    MANAGE_USERS = "manage-users"
    MANAGE_KEYS = "manage-keys"
    MANAGE_FLEET = "manage-fleet"  # vehicles, drivers, grants to other enterprises
    BOOK = "book"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    READ_OWN_BOOKINGS = "read-own-bookings"
    WATCH_ENTERPRISE_STREAM = "watch-enterprise-stream"
    # Links to the driver's page of one of its bookings: make, list, revoke.
    MANAGE_DRIVER_LINKS = "manage-driver-links"
    # Webhook endpoints, their secrets and delivery log (issue 15): the enterprise's managers.
    MANAGE_WEBHOOKS = "manage-webhooks"
    # A gate's yard.
    OVERRIDE_CAPACITY = "override-capacity"
    READ_YARD = "read-yard"  # queue, pending reads, a vehicle's detail, the console
    WATCH_OFFICER_STREAM = "watch-officer-stream"
    POST_NOTICES = "post-notices"
    PAUSE_GATE = "pause-gate"
    OPEN_CLOSE_LANES = "open-close-lanes"
    CALL_NEXT = "call-next"
    START_INSPECTION = "start-inspection"
    RECORD_DECISION = "record-decision"  # for the officer's own agency
    CHECK_IN_BY_HAND = "check-in-by-hand"
    RECORD_EXIT = "record-exit"
    # A booking that lapsed unused leaves its enterprise's no-show rate (issue 18).
    EXCUSE_NO_SHOW = "excuse-no-show"
    CHECK_IN = "check-in"  # a device's read
    # Cash taken at the gate for a crossing's fee, with a receipt (issue 19).
    RECORD_CASH = "record-cash"
    # The road from the waiting yards to the gate.
    READ_DISPATCH = "read-dispatch"  # the rules and the orders of a gate
    SET_DISPATCH_RULES = "set-dispatch-rules"  # target, deadline, pause and resume
    DISPATCH_BY_HAND = "dispatch-by-hand"  # send one waiting truck, withdraw an order
    # Waiting yards (bến bãi).
    MANAGE_YARDS = "manage-yards"  # create a yard, change it, take it out of service
    SET_YARD_HOURS = "set-yard-hours"  # a yard's capacity and opening hours
    ISSUE_YARD_DEVICE_KEYS = "issue-yard-device-keys"
    LIST_YARDS = "list-yards"
    READ_YARD_VISITS = "read-yard-visits"  # the trucks in a yard
    RUN_YARD = "run-yard"  # check a truck into or out of a yard by hand
    YARD_CHECK_IN = "yard-check-in"  # a yard device's read
    # The partner gate's capacity (issue 18): its announcements entered, withdrawn, read.
    ANNOUNCE_PARTNER_CAPACITY = "announce-partner-capacity"
    READ_PARTNER_CAPACITY = "read-partner-capacity"
    # Monthly statements (issue 19): agreements made and ended, statements issued and their
    # transfers recorded by the administration; read by it and the enterprise's members.
    MANAGE_STATEMENTS = "manage-statements"
    READ_STATEMENTS = "read-statements"


@dataclass(frozen=True, slots=True)
class Context:
    """What an action is taken on: ``enterprise_id`` the enterprise acted for (None: the
    caller's own), ``gate_id`` the gate acted at (yard and device actions need it);
    ``yard_id`` the waiting yard acted at, with ``yard_gate_ids`` the gates it serves (its
    ``enterprise_id`` is the yard enterprise running it)."""

    enterprise_id: str | None = None
    gate_id: str | None = None
    yard_id: str | None = None
    yard_gate_ids: frozenset[str] = frozenset()


OWN = Context()


def at_gate(gate_id: str) -> Context:
    return Context(gate_id=gate_id)


def of_enterprise(enterprise_id: str) -> Context:
    return Context(enterprise_id=enterprise_id)


def at_yard(yard_id: str, enterprise_id: str, gate_ids: frozenset[str]) -> Context:
    """A waiting yard ``yard_id``, run by ``enterprise_id``, serving ``gate_ids``."""
    return Context(enterprise_id=enterprise_id, yard_id=yard_id, yard_gate_ids=gate_ids)


@dataclass(frozen=True, slots=True)
class Who:
    """One kind of caller the book admits: ``describe`` names it in a refusal; ``admits``
    says whether a principal, acting on a context, is one."""

    describe: str
    admits: Callable[[Principal, Context], bool]


def _administrator(principal: Principal, context: Context) -> bool:
    return isinstance(principal, Administrator)


def _member(principal: Principal, context: Context) -> bool:
    """A user or key of the enterprise acted for (its own when the context names none)."""
    return isinstance(principal, EnterpriseUser | EnterpriseKey) and context.enterprise_id in (
        None,
        principal.enterprise_id,
    )


def _carrier(principal: Principal, context: Context) -> bool:
    """A user or key of a carrier, acting for its own enterprise (or the one it acts for)."""
    return (
        isinstance(principal, EnterpriseUser | EnterpriseKey)
        and principal.enterprise_kind is EnterpriseKind.CARRIER
        and _member(principal, context)
    )


def _manager(principal: Principal, context: Context) -> bool:
    return (
        isinstance(principal, EnterpriseUser | EnterpriseKey)
        and _member(principal, context)
        and principal.role is EnterpriseRole.MANAGER
    )


def _yard_staff(principal: Principal, context: Context) -> bool:
    """A user or key of the yard enterprise running the yard acted at."""
    return (
        isinstance(principal, EnterpriseUser | EnterpriseKey)
        and principal.enterprise_kind is EnterpriseKind.YARD
        and context.yard_id is not None
        and principal.enterprise_id == context.enterprise_id
    )


def _yard_manager(principal: Principal, context: Context) -> bool:
    return (
        isinstance(principal, EnterpriseUser | EnterpriseKey)
        and _yard_staff(principal, context)
        and principal.role is EnterpriseRole.MANAGER
    )


def _yard_officers(principal: Principal, context: Context) -> bool:
    """Officers serving any gate the yard acted at serves."""
    return isinstance(principal, Officer) and bool(principal.gate_ids & context.yard_gate_ids)


def _yard_device(principal: Principal, context: Context) -> bool:
    return isinstance(principal, YardDevice) and principal.yard_id == context.yard_id


def _signed_in(principal: Principal, context: Context) -> bool:
    return True


def _officers(*agencies: Agency) -> Callable[[Principal, Context], bool]:
    """Officers serving the gate acted at, of one of ``agencies``."""

    def admits(principal: Principal, context: Context) -> bool:
        return (
            isinstance(principal, Officer)
            and context.gate_id in principal.gate_ids
            and principal.agency in agencies
        )

    return admits


def _device(principal: Principal, context: Context) -> bool:
    return isinstance(principal, Device) and principal.gate_id == context.gate_id


ADMINISTRATOR = Who("the administrator", _administrator)
MEMBERS = Who("the carrier's users and API keys", _carrier)
MANAGERS = Who("the enterprise's managers", _manager)
OFFICERS = Who("the gate's officers", _officers(*Agency))
OPERATORS = Who("the gate's operators", _officers(Agency.GATE_OPERATOR))
DECIDERS = Who(
    "the gate's border guards, customs and quarantine officers", _officers(*DECIDING_AGENCIES)
)
ENTRANCE = Who(
    "the gate's operators and border guards", _officers(Agency.GATE_OPERATOR, Agency.BORDER_GUARD)
)
DEVICES = Who("the gate's own devices", _device)
YARD_STAFF = Who("the yard enterprise's users and API keys", _yard_staff)
YARD_MANAGERS = Who("the yard enterprise's managers", _yard_manager)
YARD_OFFICERS = Who("the officers of a gate the yard serves", _yard_officers)
YARD_DEVICES = Who("the yard's own devices", _yard_device)
SIGNED_IN = Who("anyone signed in", _signed_in)

RULES: dict[Action, tuple[Who, ...]] = {
    Action.MANAGE_ENTERPRISES: (ADMINISTRATOR,),
    Action.MANAGE_OFFICERS: (ADMINISTRATOR,),
    Action.READ_OFFICERS: (ADMINISTRATOR,),
    Action.MANAGE_GATES: (ADMINISTRATOR,),
    Action.ISSUE_DEVICE_KEYS: (ADMINISTRATOR,),
    Action.SET_SCHEDULES: (ADMINISTRATOR,),
    Action.CLOSE_HOURS: (ADMINISTRATOR,),
    Action.TRANSFER_VEHICLES: (ADMINISTRATOR,),
    Action.READ_ENTERPRISE: (ADMINISTRATOR, MANAGERS),
    Action.MANAGE_USERS: (ADMINISTRATOR, MANAGERS),
    Action.MANAGE_KEYS: (ADMINISTRATOR, MANAGERS),
    Action.MANAGE_FLEET: (MEMBERS,),
    Action.BOOK: (MEMBERS,),
    Action.RESCHEDULE: (MEMBERS,),
    Action.CANCEL: (MEMBERS,),
    Action.READ_OWN_BOOKINGS: (MEMBERS,),
    Action.WATCH_ENTERPRISE_STREAM: (MEMBERS,),
    Action.MANAGE_DRIVER_LINKS: (MEMBERS,),
    Action.MANAGE_WEBHOOKS: (MANAGERS,),
    Action.OVERRIDE_CAPACITY: (ADMINISTRATOR, OPERATORS),
    Action.READ_YARD: (OFFICERS,),
    Action.WATCH_OFFICER_STREAM: (OFFICERS,),
    Action.POST_NOTICES: (OPERATORS,),
    Action.PAUSE_GATE: (OPERATORS,),
    Action.OPEN_CLOSE_LANES: (OPERATORS,),
    Action.CALL_NEXT: (OPERATORS,),
    Action.START_INSPECTION: (OFFICERS,),
    Action.RECORD_DECISION: (DECIDERS,),
    Action.CHECK_IN_BY_HAND: (ENTRANCE,),
    Action.RECORD_EXIT: (ENTRANCE,),
    Action.EXCUSE_NO_SHOW: (ADMINISTRATOR, OFFICERS),
    Action.CHECK_IN: (DEVICES,),
    Action.RECORD_CASH: (OPERATORS,),
    Action.READ_DISPATCH: (ADMINISTRATOR, OFFICERS),
    Action.SET_DISPATCH_RULES: (ADMINISTRATOR, OPERATORS),
    Action.DISPATCH_BY_HAND: (OPERATORS,),
    Action.MANAGE_YARDS: (ADMINISTRATOR,),
    Action.SET_YARD_HOURS: (ADMINISTRATOR, YARD_MANAGERS),
    Action.ISSUE_YARD_DEVICE_KEYS: (ADMINISTRATOR, YARD_MANAGERS),
    Action.LIST_YARDS: (SIGNED_IN,),
    Action.READ_YARD_VISITS: (ADMINISTRATOR, YARD_STAFF, YARD_OFFICERS),
    Action.RUN_YARD: (YARD_STAFF,),
    Action.YARD_CHECK_IN: (YARD_DEVICES,),
    Action.ANNOUNCE_PARTNER_CAPACITY: (ADMINISTRATOR, OFFICERS),
    Action.READ_PARTNER_CAPACITY: (ADMINISTRATOR, OFFICERS),
    Action.MANAGE_STATEMENTS: (ADMINISTRATOR,),
    Action.READ_STATEMENTS: (ADMINISTRATOR, MEMBERS),
}


def allowed(principal: Principal, action: Action, context: Context = OWN) -> bool:
    """Whether ``principal`` may take ``action`` on ``context`` (the book, ``RULES``)."""
    return any(who.admits(principal, context) for who in RULES[action])


def refusal(principal: Principal, action: Action, context: Context = OWN) -> str | None:
    """Why ``principal`` may not take ``action`` on ``context``; None when it may."""
    if allowed(principal, action, context):
        return None
    # The particular reason when only the place is wrong: the same caller at its own gate,
    # or acting for its own enterprise, would be allowed.
    if isinstance(principal, Officer) and context.gate_id is not None:
        posted = replace(principal, gate_ids=principal.gate_ids | {context.gate_id})
        if allowed(posted, action, context):
            return "you do not serve at this gate"
    if (
        isinstance(principal, Device)
        and context.gate_id is not None
        and allowed(replace(principal, gate_id=context.gate_id), action, context)
    ):
        return "this device is registered at another gate"
    if (
        isinstance(principal, YardDevice)
        and context.yard_id is not None
        and allowed(replace(principal, yard_id=context.yard_id), action, context)
    ):
        return "this device is registered at another yard"
    if (
        isinstance(principal, EnterpriseUser | EnterpriseKey)
        and principal.enterprise_kind is not EnterpriseKind.CARRIER
        and allowed(replace(principal, enterprise_kind=EnterpriseKind.CARRIER), action, context)
    ):
        return f"{action.value} is a carrier's; a yard enterprise does not book or hold trucks"
    if (
        isinstance(principal, EnterpriseUser | EnterpriseKey)
        and context.enterprise_id
        and allowed(principal, action, replace(context, enterprise_id=principal.enterprise_id))
    ):
        return "that is another enterprise's"
    if isinstance(principal, Officer) and context.yard_id is not None:
        posted = replace(principal, gate_ids=principal.gate_ids | context.yard_gate_ids)
        if allowed(posted, action, context):
            return "you serve at none of the gates this yard serves"
    who = " or ".join(w.describe for w in RULES[action])
    return f"{action.value} is for {who}"


def require(principal: Principal, action: Action, context: Context = OWN) -> None:
    """Return when ``principal`` may take ``action`` on ``context``; raise Forbidden (403)
    with the reason otherwise."""
    reason = refusal(principal, action, context)
    if reason is not None:
        raise Forbidden(reason)


def acting_enterprise(principal: Principal, action: Action) -> str:
    """The enterprise an enterprise's user or key acts for, once the book lets it take
    ``action`` for its own enterprise. Raises Forbidden otherwise (also for the
    administrator, who books for nobody)."""
    require(principal, action)
    if not isinstance(principal, EnterpriseUser | EnterpriseKey):
        raise Forbidden(f"{action.value} needs an enterprise's API key or user session")
    return principal.enterprise_id


def acting_officer(principal: Principal, action: Action, gate_id: str) -> Officer:
    """The officer taking ``action`` at gate ``gate_id``, once the book allows it. Raises
    Forbidden otherwise."""
    require(principal, action, at_gate(gate_id))
    if not isinstance(principal, Officer):
        raise Forbidden(f"{action.value} needs an officer's session")
    return principal
