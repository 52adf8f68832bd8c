"""One-time links e-mailed to people (gate/domain/accounts.py, "One-time links"): made,
recognised, spent.

**No token is stored.** A link's token is its row's id and an HMAC-SHA256 of that id under
the platform's secret key (``GATE_SECRET_KEY``): ``{id}.{mac}``. The mail is rendered by the
outbox's messages expander, in another transaction and maybe another process, from the
event's ``link_id`` alone; so neither the outbox's event (kept for weeks) nor the table holds
anything that opens an account, and a copy of the database opens nothing. The price: a new
secret key ends every link not yet used (people ask again), as it ends every form's CSRF
token. Every process must share the key (as for CSRF).

A link is spent by the transaction that uses it: a conditional UPDATE (``used_at IS NULL``)
whose row count says whether this request won, so two posts of one link cannot both set a
password or make two users, on either database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime

from sqlalchemy import update

from gate.domain.accounts import LIFETIMES, LinkPurpose
from gate.domain.errors import DomainError
from gate.domain.time import utc_now
from gate.store.tables import AccountLink
from gate.store.tables.base import table_of
from gate.store.unit_of_work import UnitOfWork

# An id (a UUID) and 43 characters of URL-safe base64 (32 bytes, unpadded).
_TOKEN = re.compile(r"([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})")


class LinkGone(DomainError):
    """The link is unknown, used already or expired: the person asks for a new one."""

    code = "account-link-gone"
    title = "This link no longer works"


def token_of(secret_key: str, link_id: str) -> str:
    """The token of link ``link_id`` (module docstring)."""
    mac = hmac.new(secret_key.encode(), f"account-link:{link_id}".encode(), hashlib.sha256)
    return f"{link_id}.{base64.urlsafe_b64encode(mac.digest()).decode().rstrip('=')}"


def link_id_of(secret_key: str, token: str) -> str | None:
    """The id of the link ``token`` names, when its MAC is right; None for anything else."""
    parts = _TOKEN.fullmatch(token or "")
    if parts is None or not hmac.compare_digest(token_of(secret_key, parts[1]), token):
        return None
    return parts[1]


def new_link(
    uow: UnitOfWork,
    purpose: LinkPurpose,
    enterprise_id: str,
    email: str,
    language: str,
    *,
    user_id: str | None = None,
    full_name: str | None = None,
    role: str | None = None,
    now: datetime | None = None,
) -> AccountLink:
    """A new link of ``purpose``, valid for its lifetime from ``now`` (added to the session,
    flushed by the caller's next flush)."""
    made_at = now or utc_now()
    link = AccountLink(
        purpose=purpose.value,
        enterprise_id=enterprise_id,
        user_id=user_id,
        email=email,
        full_name=full_name,
        role=role,
        language=language,
        created_at=made_at,
        expires_at=made_at + LIFETIMES[purpose],
    )
    uow.session.add(link)
    return link


async def open_link(
    uow: UnitOfWork, secret_key: str, token: str, purpose: LinkPurpose
) -> AccountLink:
    """The live link of ``purpose`` that ``token`` names; LinkGone when there is none (a
    token not ours, of another purpose, used, replaced or expired)."""
    link_id = link_id_of(secret_key, token)
    # Read afresh: the statements that spend links (``spend``, ``retire``) bypass the
    # session's identity map.
    link = await uow.session.get(AccountLink, link_id, populate_existing=True) if link_id else None
    if (
        link is None
        or link.purpose != purpose.value
        or link.used_at is not None
        or link.expires_at <= utc_now()
    ):
        raise LinkGone("this link was used already, replaced or has expired; ask for a new one")
    return link


async def spend(uow: UnitOfWork, link: AccountLink) -> None:
    """Mark ``link`` used, if no other transaction did first (LinkGone then)."""
    links = table_of(AccountLink)
    now = utc_now()
    result = await uow.session.execute(
        update(links)
        .where(links.c.id == link.id, links.c.used_at.is_(None), links.c.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        raise LinkGone("this link was used already, replaced or has expired; ask for a new one")
    await uow.session.refresh(link)


async def retire(uow: UnitOfWork, purpose: LinkPurpose, **where: str) -> None:
    """Spend every live link of ``purpose`` matching ``where`` (``user_id``, or
    ``enterprise_id`` and ``email``): a new one replaces them, so only the latest mail
    works."""
    links = table_of(AccountLink)
    conditions = [links.c.purpose == purpose.value, links.c.used_at.is_(None)]
    conditions += [links.c[column] == value for column, value in where.items()]
    await uow.session.execute(
        update(links)
        .where(*conditions)
        .values(used_at=utc_now())
        .execution_options(synchronize_session=False)
    )
