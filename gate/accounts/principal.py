"""Who is asking: one of six small types, each carrying exactly what that kind of caller has.

* ``Administrator``: the platform's administrator (the admin token); nothing else to know.
* ``EnterpriseUser``: a person of an enterprise signed in (API session or the portal), with
  their role and the session they signed in with.
* ``EnterpriseKey``: an enterprise's integration calling with an API key of a scope.
* ``Officer``: an officer of one agency signed in, with the gates they serve.
* ``Device``: a camera or kiosk of one gate, calling with its device key.
* ``YardDevice``: a camera or kiosk of one waiting yard, calling with its yard device key.

An enterprise is a carrier (it books) or runs waiting yards (``EnterpriseKind``): its users and
keys are the same two types either way, carrying the kind as ``enterprise_kind``. They sign in
the same way and manage their users and keys the same way; only the rule book tells the kinds
apart (a yard enterprise books nothing, a carrier runs no yard). A type of their own would
have doubled every ``EnterpriseUser | EnterpriseKey`` check (streams, pages, access) for no
field that differs.

``Principal`` is their union: code that needs a field of one kind narrows with ``isinstance``
(or ``match``), so no field is optional "because it is set for that kind". What each may do
is written once, in ``gate/accounts/permissions.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from gate.domain.clearance import Agency
from gate.domain.events import Actor


class EnterpriseRole(StrEnum):
    """A manager also manages the enterprise's users and keys; a clerk books."""

    MANAGER = "manager"
    CLERK = "clerk"


class EnterpriseKind(StrEnum):
    """What an enterprise is (``enterprises.kind``), set when it is created and never changed,
    so a remembered key's kind cannot go stale: a carrier books trucks; a yard enterprise runs
    waiting yards (bến bãi)."""

    CARRIER = "carrier"
    YARD = "yard"


class KeyScope(StrEnum):
    """What an enterprise API key may do, chosen by the manager who issues it.

    ``booking``: what an integration that books needs: vehicles, drivers, grants, bookings and
    its vehicles' live status (the rights of a clerk). ``manager``: that and the enterprise's
    users and API keys. Keys issued before migration 0008 are managers, as every key was.
    """

    BOOKING = "booking"
    MANAGER = "manager"

    @property
    def role(self) -> EnterpriseRole:
        """The role a key of this scope acts with (the rule book checks roles only)."""
        return EnterpriseRole.MANAGER if self is KeyScope.MANAGER else EnterpriseRole.CLERK


@dataclass(frozen=True, slots=True)
class Administrator:
    """The administrator: configures gates, calendars, devices, officers and enterprises."""

    kind: ClassVar[str] = "admin"

    @property
    def actor(self) -> Actor:
        """How this principal is named in the audit log."""
        return Actor("admin")


@dataclass(frozen=True, slots=True)
class EnterpriseUser:
    """A person of ``enterprise_id`` signed in with session ``session_id``."""

    enterprise_id: str
    user_id: str
    role: EnterpriseRole
    session_id: str
    enterprise_kind: EnterpriseKind = EnterpriseKind.CARRIER
    kind: ClassVar[str] = "enterprise"

    @property
    def actor(self) -> Actor:
        return Actor("enterprise", self.user_id, "enterprise")


@dataclass(frozen=True, slots=True)
class EnterpriseKey:
    """An integration of ``enterprise_id`` with API key ``key_id``: it acts for the whole
    enterprise, with the rights of its scope (a booking key is a clerk, not a manager)."""

    enterprise_id: str
    key_id: str
    scope: KeyScope
    enterprise_kind: EnterpriseKind = EnterpriseKind.CARRIER
    kind: ClassVar[str] = "enterprise"

    @property
    def role(self) -> EnterpriseRole:
        return self.scope.role

    @property
    def actor(self) -> Actor:
        return Actor("enterprise", self.enterprise_id, "enterprise")


@dataclass(frozen=True, slots=True)
class Officer:
    """An officer of ``agency`` serving the gates ``gate_ids``, signed in with ``session_id``."""

    officer_id: str
    agency: Agency
    gate_ids: frozenset[str]
    session_id: str
    kind: ClassVar[str] = "officer"

    @property
    def actor(self) -> Actor:
        return Actor("officer", self.officer_id, self.agency.value)


@dataclass(frozen=True, slots=True)
class Device:
    """A gate device (LPR camera or kiosk) registered at gate ``gate_id``."""

    device_id: str
    gate_id: str
    kind: ClassVar[str] = "device"

    @property
    def actor(self) -> Actor:
        return Actor("device", self.device_id)


@dataclass(frozen=True, slots=True)
class YardDevice:
    """A waiting yard's device (LPR camera or kiosk) registered at yard ``yard_id``."""

    device_id: str
    yard_id: str
    kind: ClassVar[str] = "yard-device"

    @property
    def actor(self) -> Actor:
        return Actor("device", self.device_id, "yard")


Enterprise = EnterpriseUser | EnterpriseKey
Principal = Administrator | EnterpriseUser | EnterpriseKey | Officer | Device | YardDevice

ADMIN = Administrator()
