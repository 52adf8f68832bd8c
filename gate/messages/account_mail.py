"""The mails about an enterprise's account (gate/domain/accounts.py, ``AccountMail``): an
application received, the administration's decision, an invitation, a password reset. By
e-mail only, whatever a person chose for their other messages: the person may have no
account yet, and a reset reaches the address the account signs in with. Not held by quiet
hours nor the rate limit: each is asked for by the person, or answers their application,
and a reset's link lives an hour.

The link is made here, from the event's ``link_id`` and the platform's secret key
(gate/accounts/links.py): the event carries no token and no address. A link spent or
replaced before its mail is made is not mailed (a second reset asked for a minute later
replaced the first). The address and the rendered text live in the delivery only, until it
is sent (gate/messages/forget.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gate.accounts.links import token_of
from gate.config import Settings
from gate.domain.accounts import AccountMail, LinkPurpose
from gate.domain.locale import when
from gate.domain.messages import LANGUAGES, Channel
from gate.messages.account_texts import render_account_mail
from gate.messages.preferences import offered_channels
from gate.outbox.protocols import NewDelivery, OutboxEventRow
from gate.store.tables import AccountLink, Enterprise

ACCOUNT_MAIL = AccountMail.name
# Where each purpose's link opens (services/web/accounts.py serves them).
LINK_PATHS = {
    LinkPurpose.INVITATION.value: "/account/join/",
    LinkPurpose.RESET.value: "/account/reset/",
}


def base_url(settings: Settings) -> str:
    """The start of a link: ``GATE_PUBLIC_URL``, else this server's host and port."""
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


async def account_mail_deliveries(
    session: AsyncSession, settings: Settings, event: OutboxEventRow
) -> list[NewDelivery]:
    """The one e-mail of an ``account.mail`` event; none when e-mail is not offered, the
    enterprise or the address is missing, or the link is no longer live."""
    if Channel.EMAIL not in offered_channels(settings):
        return []
    payload: dict[str, Any] = event.payload
    enterprise = await session.get(Enterprise, event.enterprise_id)
    if enterprise is None:
        return []
    language = str(payload.get("language") or "vi")
    language = language if language in LANGUAGES else "vi"
    fields = {
        "enterprise": enterprise.name,
        "tax_code": enterprise.tax_code,
        "reason": str(payload.get("reason") or ""),
        "link": "",
        "expires": "",
        "role": "",
    }
    to = enterprise.contact_email
    recipient: tuple[str, str] = ("enterprise", enterprise.id)
    link_id = payload.get("link_id")
    if link_id:
        link = await session.get(AccountLink, link_id)
        if link is None or link.used_at is not None:
            return []
        to = link.email
        token = token_of(settings.secret_key, link.id)
        fields["link"] = base_url(settings) + LINK_PATHS[link.purpose] + token
        fields["expires"] = when(link.expires_at, language, year=True)
        fields["role"] = link.role or ""
        recipient = ("user", link.user_id) if link.user_id else ("invitee", link.id)
    if not to:
        return []
    message = render_account_mail(str(payload["kind"]), language, fields)
    return [
        NewDelivery(
            channel=Channel.EMAIL.value,
            payload={"subject": message.subject, "text": message.text, "to": to, "kind": "account"},
            recipient_kind=recipient[0],
            recipient_id=recipient[1],
            language=language,
        )
    ]
