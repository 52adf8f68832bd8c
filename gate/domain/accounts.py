"""An enterprise's own accounts: signing up, the administration's decision, the people it
invites, and the one-time links e-mailed to them. Pure rules and events; the use cases are
in ``gate/accounts/``.

**An enterprise's status.** Made by the administrator (API, command line): ``approved`` at
once. Signed up by itself in the portal: ``pending`` until the administration decides,
then ``approved`` or ``rejected`` (with a reason the applicant is told); a decision is final
(``decide`` refuses a second one). Only an approved enterprise has users or keys, so only an
approved enterprise books.

**One-time links** (``LinkPurpose``). The manager of a newly approved enterprise, and every
person a manager invites, is sent an *invitation*: they choose their own password, and only
the mailbox's owner learns an account exists (docs/architecture.md, "Accounts"). A person
who forgot their password asks for a *reset*. Each link works once and until its lifetime
(``LIFETIMES``) ends: an invitation for a week (people take days to read their mail), the
one of an approval too; a reset for an hour, since its mail is asked for by anyone who types
an address and should not stay useful in a mailbox.

**Audit.** Approvals and rejections, invitations accepted, role changes, users disabled,
keys issued and revoked are ``AccountEvent``s, chained in the enterprise's own hash chain
(its id is the chain key), as a vehicle's holders are in the vehicle's. No e-mail address,
name or token goes in: ids, roles, scopes and statuses only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import ClassVar

from gate.domain.errors import InvalidTransition
from gate.domain.events import SYSTEM, Actor, DomainEvent, Fact


class EnterpriseStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


def decide(status: EnterpriseStatus, approve: bool) -> EnterpriseStatus:
    """The status after the administration's decision on an enterprise in ``status``;
    InvalidTransition when it was decided already."""
    if status is not EnterpriseStatus.PENDING:
        raise InvalidTransition(f"this enterprise was {status.value} already")
    return EnterpriseStatus.APPROVED if approve else EnterpriseStatus.REJECTED


class LinkPurpose(StrEnum):
    INVITATION = "invitation"
    RESET = "reset"


LIFETIMES: dict[LinkPurpose, timedelta] = {
    LinkPurpose.INVITATION: timedelta(days=7),
    LinkPurpose.RESET: timedelta(hours=1),
}


@dataclass(frozen=True, kw_only=True)
class AccountEvent(DomainEvent):
    """A change of an enterprise's account, audited in the enterprise's chain.
    ``subject_id``: the enterprise, user or key changed; ``from_status``/``to_status``: the
    enterprise's status, or a user's role; ``facts``: a key's scope, a role."""

    name: ClassVar[str] = "account.changed"
    enterprise_id: str
    subject_id: str
    actor: Actor = SYSTEM
    from_status: str | None = None
    to_status: str | None = None
    reason: str | None = None
    facts: dict[str, Fact] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class EnterpriseSignedUp(AccountEvent):
    name: ClassVar[str] = "account.signed_up"


@dataclass(frozen=True, kw_only=True)
class EnterpriseDecided(AccountEvent):
    """Approved or rejected (``to_status``), with the rejection's reason."""

    name: ClassVar[str] = "account.enterprise_decided"


@dataclass(frozen=True, kw_only=True)
class UserJoined(AccountEvent):
    """An invitation was accepted: the user exists (facts: role, link_id)."""

    name: ClassVar[str] = "account.user_joined"


@dataclass(frozen=True, kw_only=True)
class RoleChanged(AccountEvent):
    name: ClassVar[str] = "account.role_changed"


@dataclass(frozen=True, kw_only=True)
class UserDisabled(AccountEvent):
    name: ClassVar[str] = "account.user_disabled"


@dataclass(frozen=True, kw_only=True)
class KeyIssued(AccountEvent):
    """Facts: scope."""

    name: ClassVar[str] = "account.key_issued"


@dataclass(frozen=True, kw_only=True)
class KeyRevoked(AccountEvent):
    name: ClassVar[str] = "account.key_revoked"


@dataclass(frozen=True, kw_only=True)
class AccountMail(DomainEvent):
    """A mail to send about an account: an application received, a decision, an invitation
    or a reset (``kind``, a text of gate/messages/texts.py). Outboxed; the messages'
    expander finds the address and, for a link, makes its URL from ``link_id``
    (gate/accounts/links.py). Carries no address, name or token: the outbox keeps events
    for weeks, the address and text live only in the delivery until it is sent."""

    name: ClassVar[str] = "account.mail"
    kind: str
    enterprise_id: str
    link_id: str | None = None
    language: str = "vi"
    # Where there is no link (an application received, a rejection): the address is the
    # enterprise's contact e-mail, read when the mail is made.
    reason: str | None = None
