"""Enterprises (doanh nghiệp), their API keys, users and browser/API sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gate.store.tables.base import Base, CreatedMixin, IdMixin


class Enterprise(IdMixin, CreatedMixin, Base):
    __tablename__ = "enterprises"

    name: Mapped[str] = mapped_column(String(200))
    tax_code: Mapped[str] = mapped_column(String(14), unique=True)
    # Authorised Economic Operator: a trusted enterprise served in its own priority class.
    is_aeo: Mapped[bool] = mapped_column(default=False)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    # "carrier": books crossings for its trucks (shippers, forwarders, carriers); "yard": runs
    # waiting yards (bến bãi). One account table, two kinds: the rule book tells them apart.
    kind: Mapped[str] = mapped_column(String(10), default="carrier", server_default="carrier")
    # gate/domain/accounts.py, EnterpriseStatus: made by the administrator, approved at once;
    # signed up in the portal, pending until the administration decides (migration 0020).
    status: Mapped[str] = mapped_column(String(10), default="approved", server_default="approved")
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    # The language the contact signed up in: the application's mails are in it.
    contact_language: Mapped[str | None] = mapped_column(String(5))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(String(300))


class ApiKey(IdMixin, CreatedMixin, Base):
    __tablename__ = "api_keys"

    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The public part of the key, used to find its row; the secret is only stored hashed.
    lookup: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    # What the key may do (gate.accounts.principal.KeyScope); keys older than migration 0008
    # are managers, as every key was then.
    scope: Mapped[str] = mapped_column(String(20))
    revoked_at: Mapped[datetime | None]


class EnterpriseUser(IdMixin, CreatedMixin, Base):
    __tablename__ = "enterprise_users"

    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled_at: Mapped[datetime | None]


class UserSession(IdMixin, CreatedMixin, Base):
    __tablename__ = "user_sessions"

    # Either an enterprise user's session or an officer's.
    user_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise_users.id"), index=True)
    officer_id: Mapped[str | None] = mapped_column(ForeignKey("officers.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class AccountLink(IdMixin, CreatedMixin, Base):
    """A one-time link e-mailed to a person (gate/domain/accounts.py, LinkPurpose): an
    invitation to join ``enterprise_id`` with ``role`` at ``email``, or a reset of
    ``user_id``'s password. No token is stored: it is an HMAC of the id under the platform's
    secret key (gate/accounts/links.py). ``used_at``: spent (or replaced by a newer link)."""

    __tablename__ = "account_links"

    purpose: Mapped[str] = mapped_column(String(12))
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise_users.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
