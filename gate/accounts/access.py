"""Whether what a long-lived connection was opened with still holds: the check behind
closing a live stream when its credential ends (docs/architecture.md, "A credential's end
ends its streams").

A stream is opened with a ``Grant``: the session or API key it signed in with, the person
behind a session, and for an officer the gate whose stream it is. ``ended`` checks any number
of grants in at most five queries (one per table, in chunks), so a process re-checks all its
open streams every few seconds for the cost of a handful of statements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, select

from gate.accounts import principal as who
from gate.accounts.principal import Principal
from gate.domain.time import utc_now
from gate.store.tables import ApiKey, EnterpriseUser, Officer, OfficerGate, UserSession
from gate.store.unit_of_work import UnitOfWork

# Websocket close codes: the credential ended (sign in again), or it no longer allows this
# stream (signing in again will not help). 4000-4999 are the application's own (RFC 6455).
CREDENTIAL_ENDED = 4401
NOT_ALLOWED_HERE = 4403
# Bound parameters per IN list: far below SQLite's (32,766) and asyncpg's (32,767) limits.
CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Grant:
    """What one stream was opened with. ``gate_id``: the gate of an officer's stream."""

    session_id: str | None = None
    api_key_id: str | None = None
    user_id: str | None = None
    officer_id: str | None = None
    gate_id: str | None = None

    @classmethod
    def of(cls, principal: Principal, gate_id: str | None = None) -> Grant:
        """What ends a stream ``principal`` opened: a person's session and account, an API
        key, an officer's post at ``gate_id``. The administrator's token and a device's key
        are not checked here (the token is configuration; devices watch no stream)."""
        match principal:
            case who.EnterpriseUser():
                return cls(session_id=principal.session_id, user_id=principal.user_id)
            case who.EnterpriseKey():
                return cls(api_key_id=principal.key_id)
            case who.Officer():
                return cls(
                    session_id=principal.session_id,
                    officer_id=principal.officer_id,
                    gate_id=gate_id,
                )
            case _:
                return cls()


@dataclass(frozen=True, slots=True)
class Ending:
    """Why a stream must close: a websocket close code and its reason."""

    code: int
    reason: str


SESSION_ENDED = Ending(CREDENTIAL_ENDED, "signed out or session expired")
KEY_REVOKED = Ending(CREDENTIAL_ENDED, "API key revoked")
ACCOUNT_DISABLED = Ending(CREDENTIAL_ENDED, "account disabled")
NOT_AT_GATE = Ending(NOT_ALLOWED_HERE, "no longer an officer of this gate")


async def ended(uow: UnitOfWork, grants: Sequence[Grant]) -> list[Ending | None]:
    """For each grant, in order: why its stream must close now, or None while it holds.
    A session is over when revoked, expired or gone; an account when disabled; an officer's
    stream when the officer no longer serves its gate."""
    now = utc_now()
    sessions = await _found(
        uow,
        {g.session_id for g in grants if g.session_id},
        lambda ids: select(UserSession.id).where(
            UserSession.id.in_(ids),
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
        ),
    )
    keys = await _found(
        uow,
        {g.api_key_id for g in grants if g.api_key_id},
        lambda ids: select(ApiKey.id).where(ApiKey.id.in_(ids), ApiKey.revoked_at.is_(None)),
    )
    users = await _found(
        uow,
        {g.user_id for g in grants if g.user_id},
        lambda ids: select(EnterpriseUser.id).where(
            EnterpriseUser.id.in_(ids), EnterpriseUser.disabled_at.is_(None)
        ),
    )
    officers = await _found(
        uow,
        {g.officer_id for g in grants if g.officer_id},
        lambda ids: select(Officer.id).where(Officer.id.in_(ids), Officer.disabled_at.is_(None)),
    )
    posts = await _officer_gates(uow, {g.officer_id for g in grants if g.officer_id and g.gate_id})
    verdicts: list[Ending | None] = []
    for grant in grants:
        if grant.session_id and grant.session_id not in sessions:
            verdicts.append(SESSION_ENDED)
        elif grant.api_key_id and grant.api_key_id not in keys:
            verdicts.append(KEY_REVOKED)
        elif (grant.user_id and grant.user_id not in users) or (
            grant.officer_id and grant.officer_id not in officers
        ):
            verdicts.append(ACCOUNT_DISABLED)
        elif grant.officer_id and grant.gate_id and (grant.officer_id, grant.gate_id) not in posts:
            verdicts.append(NOT_AT_GATE)
        else:
            verdicts.append(None)
    return verdicts


def _chunks(ids: Iterable[str]) -> Iterable[list[str]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


async def _found(
    uow: UnitOfWork, ids: set[str], query: Callable[[list[str]], Select[str]]
) -> set[str]:
    """The ids among ``ids`` that ``query`` (of a chunk of them) still finds."""
    found: set[str] = set()
    for chunk in _chunks(ids):
        found.update(await uow.session.scalars(query(chunk)))
    return found


async def _officer_gates(uow: UnitOfWork, officer_ids: set[str]) -> set[tuple[str, str]]:
    posts: set[tuple[str, str]] = set()
    for chunk in _chunks(officer_ids):
        rows = await uow.session.execute(
            select(OfficerGate.officer_id, OfficerGate.gate_id).where(
                OfficerGate.officer_id.in_(chunk)
            )
        )
        posts.update((officer_id, gate_id) for officer_id, gate_id in rows)
    return posts
