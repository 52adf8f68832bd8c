from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from gate.accounts.principal import EnterpriseKind, EnterpriseRole, KeyScope
from gate.store.tables import AccountLink, ApiKey, Enterprise, EnterpriseUser
from services.common.schemas import Email, Input, Output, Password, ShortText, local, local_or_none

# Mã số thuế: 10 digits, or 13 with a branch suffix.
TaxCode = Annotated[str, msgspec.Meta(pattern=r"^\d{10}(-?\d{3})?$")]


class EnterpriseCreate(Input):
    name: ShortText
    tax_code: TaxCode
    is_aeo: bool = False
    contact_email: Email | None = None
    # ``carrier`` (books trucks) or ``yard`` (runs waiting yards); set once, never changed.
    kind: EnterpriseKind = EnterpriseKind.CARRIER


class EnterpriseView(Output):
    id: str
    name: str
    tax_code: str
    is_aeo: bool
    contact_email: str | None
    created_at: datetime
    kind: str
    # ``pending`` (signed up, waiting for the administration), ``approved`` or ``rejected``.
    status: str = "approved"

    @classmethod
    def of(cls, row: Enterprise) -> EnterpriseView:
        return cls(
            row.id,
            row.name,
            row.tax_code,
            row.is_aeo,
            row.contact_email,
            local(row.created_at),
            row.kind,
            row.status,
        )


class ApplicationView(Output):
    """An enterprise that signed up, as the administration reviews it: who to call about
    it, when it came and what was decided."""

    id: str
    name: str
    tax_code: str
    kind: str
    status: str
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    created_at: datetime
    decided_at: datetime | None
    decision_reason: str | None

    @classmethod
    def of(cls, row: Enterprise) -> ApplicationView:
        return cls(
            row.id,
            row.name,
            row.tax_code,
            row.kind,
            row.status,
            row.contact_name,
            row.contact_email,
            row.contact_phone,
            local(row.created_at),
            local_or_none(row.decided_at),
            row.decision_reason,
        )


class Rejection(Input):
    """Why an application is rejected: told to the applicant in their mail."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]


class ApiKeyCreate(Input):
    """A new key. ``scope``: ``booking`` (the default, least power: vehicles, drivers, grants,
    bookings, live status) or ``manager`` (also the enterprise's users and keys)."""

    name: ShortText
    scope: KeyScope = KeyScope.BOOKING


class ApiKeyView(Output):
    id: str
    name: str
    scope: KeyScope
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiKey) -> ApiKeyView:
        return cls(
            row.id,
            row.name,
            KeyScope(row.scope),
            local(row.created_at),
            local_or_none(row.revoked_at),
        )


class IssuedApiKey(Output):
    """The key itself is shown here once; only a hash of it is kept."""

    id: str
    name: str
    scope: KeyScope
    token: str
    created_at: datetime


class UserCreate(Input):
    email: Email
    full_name: ShortText
    password: Password
    role: EnterpriseRole = EnterpriseRole.CLERK


class UserView(Output):
    id: str
    enterprise_id: str
    email: str
    full_name: str
    role: str
    created_at: datetime
    disabled_at: datetime | None = None

    @classmethod
    def of(cls, row: EnterpriseUser) -> UserView:
        disabled_at = local(row.disabled_at) if row.disabled_at else None
        return cls(
            row.id,
            row.enterprise_id,
            row.email,
            row.full_name,
            row.role,
            local(row.created_at),
            disabled_at,
        )


class SignIn(Input):
    email: Email
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class SessionView(Output):
    token: str
    expires_at: datetime


class Me(Output):
    kind: str
    enterprise_id: str | None
    user_id: str | None
    role: str | None


class InvitationCreate(Input):
    """Invite ``email`` to the enterprise with ``role``; the mail is in ``language``."""

    email: Email
    role: EnterpriseRole = EnterpriseRole.CLERK
    language: Annotated[str, msgspec.Meta(pattern=r"^(vi|en|zh)$")] = "vi"


class InvitationView(Output):
    """An invitation waiting to be accepted (its link is only in the invitee's mail)."""

    id: str
    email: str
    role: str
    created_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, row: AccountLink) -> InvitationView:
        return cls(
            row.id, row.email, row.role or "clerk", local(row.created_at), local(row.expires_at)
        )


class RoleChange(Input):
    role: EnterpriseRole
