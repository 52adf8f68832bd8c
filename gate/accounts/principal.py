"""Who is asking: the administrator, an enterprise (API key or user session), an officer of
an agency at the gates they serve, or a gate device."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from gate.domain.clearance import Agency
from gate.domain.errors import Forbidden
from gate.domain.events import Actor


class PrincipalKind(StrEnum):
    ADMIN = "admin"
    ENTERPRISE = "enterprise"
    OFFICER = "officer"
    DEVICE = "device"


class EnterpriseRole(StrEnum):
    """A manager also manages the enterprise's users and keys; a clerk books."""

    MANAGER = "manager"
    CLERK = "clerk"


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
        """The role a key of this scope acts with (authorisation checks roles only)."""
        return EnterpriseRole.MANAGER if self is KeyScope.MANAGER else EnterpriseRole.CLERK


@dataclass(frozen=True, slots=True)
class Principal:
    kind: PrincipalKind
    enterprise_id: str | None = None
    user_id: str | None = None
    role: EnterpriseRole | None = None
    officer_id: str | None = None
    agency: Agency | None = None
    gate_ids: frozenset[str] = field(default_factory=frozenset)
    device_id: str | None = None
    # The credential this principal was recognised by, so that what was opened with it (a
    # live stream) can be ended with it: a user's or officer's session, or an API key.
    session_id: str | None = None
    api_key_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.kind is PrincipalKind.ADMIN

    @property
    def actor(self) -> Actor:
        """How this principal is named in the audit log."""
        if self.kind is PrincipalKind.OFFICER:
            return Actor("officer", self.officer_id, self.agency.value if self.agency else None)
        if self.kind is PrincipalKind.DEVICE:
            return Actor("device", self.device_id)
        if self.kind is PrincipalKind.ENTERPRISE:
            return Actor("enterprise", self.user_id or self.enterprise_id, "enterprise")
        return Actor("admin")

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("only the administrator may do this")

    def require_enterprise(self) -> str:
        """The enterprise acting; administrators do not book on an enterprise's behalf."""
        if self.kind is not PrincipalKind.ENTERPRISE or self.enterprise_id is None:
            raise Forbidden("this needs an enterprise's API key or user session")
        return self.enterprise_id

    def require_manager_of(self, enterprise_id: str) -> None:
        """The administrator, or a manager (API key or manager user) of that enterprise."""
        if self.is_admin:
            return
        if self.enterprise_id != enterprise_id or self.role is not EnterpriseRole.MANAGER:
            raise Forbidden("only the administrator or the enterprise's managers may do this")

    def require_officer_at(self, gate_id: str, *agencies: Agency) -> Agency:
        """An officer serving that gate, of one of ``agencies`` (any agency when none given)."""
        if self.kind is not PrincipalKind.OFFICER or self.agency is None:
            raise Forbidden("this needs an officer's session")
        if gate_id not in self.gate_ids:
            raise Forbidden("you do not serve at this gate")
        if agencies and self.agency not in agencies:
            allowed = ", ".join(a.value for a in agencies)
            raise Forbidden(f"this is for {allowed} officers")
        return self.agency

    def require_device_at(self, gate_id: str) -> str:
        if self.kind is not PrincipalKind.DEVICE or self.device_id is None:
            raise Forbidden("this needs a gate device's key")
        if gate_id not in self.gate_ids:
            raise Forbidden("this device is registered at another gate")
        return self.device_id


ADMIN = Principal(PrincipalKind.ADMIN)
