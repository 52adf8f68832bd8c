"""Who is asking: the administrator, or an enterprise through an API key or a user session."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gate.domain.errors import Forbidden


class PrincipalKind(StrEnum):
    ADMIN = "admin"
    ENTERPRISE = "enterprise"


class EnterpriseRole(StrEnum):
    """A manager also manages the enterprise's users and keys; a clerk books."""

    MANAGER = "manager"
    CLERK = "clerk"


@dataclass(frozen=True, slots=True)
class Principal:
    kind: PrincipalKind
    enterprise_id: str | None = None
    user_id: str | None = None
    role: EnterpriseRole | None = None

    @property
    def is_admin(self) -> bool:
        return self.kind is PrincipalKind.ADMIN

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


ADMIN = Principal(PrincipalKind.ADMIN)
