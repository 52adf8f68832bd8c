"""Idempotent writes: the first answer to an ``Idempotency-Key`` is stored in the transaction
that made it, and every retry (concurrent ones too) gets that answer and changes nothing.

Keys belong to the caller (an enterprise, or the administrator), so two enterprises never
collide. The same key with another request is refused with 422 (IETF
draft-ietf-httpapi-idempotency-key-header-06, "Error Scenarios"); "another request" is judged
by the fingerprint below, in which one instant written with two offsets is the same.

A key is remembered for GATE_IDEMPOTENCY_KEY_RETENTION_HOURS (a day, as Stripe keeps them;
the draft's "Idempotency Key Validity and Expiry" leaves the window to the server). Past it
the key is new: the claim takes the old record over in the same statement, so that holds
whether or not the sweep (``gate.retention``) has deleted it yet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request, Response
from litestar.params import HeaderParameter
from sqlalchemy import select, update

from gate.config import Settings
from gate.domain.errors import DomainError, IdempotencyKeyReused, ValidationFailed
from gate.domain.time import utc_now
from gate.store.idempotency import Claim, claim_keys
from gate.store.tables import IdempotencyRecord
from gate.store.unit_of_work import UnitOfWork
from services.common.problems import PROBLEM_MEDIA_TYPE, domain_error_answer

MAX_KEY_LENGTH = 200
REPLAY_HEADER = "Idempotent-Replayed"

# A client-chosen key that makes a write safe to retry (None when the client sent none: the
# write is then done each time it is sent).
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key", required=False, min_length=1, max_length=MAX_KEY_LENGTH
    ),
]


def fingerprint(request: Request[Any, Any, Any], data: Any) -> str:
    """What makes two requests "the same": method, path and the decoded body, with every
    datetime in it (at any depth) taken to UTC, so ``2026-12-01T08:00:00Z`` and
    ``2026-12-01T15:00:00+07:00`` are one request. SHA-256, 64 hex characters."""
    decoded = msgspec.to_builtins(data, builtin_types=(datetime,))
    body = msgspec.json.encode(_in_utc(decoded), order="sorted")
    raw = f"{request.method} {request.url.path}\n".encode() + body
    return hashlib.sha256(raw).hexdigest()


def _in_utc(value: Any) -> Any:
    """``value`` with each aware datetime moved to UTC (msgspec then writes it with ``Z``, as
    it wrote UTC times before, so the fingerprints of such requests did not change). A naive
    one names no instant and is left as it is."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.utcoffset() is not None else value
    if isinstance(value, dict):
        return {key: _in_utc(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_in_utc(item) for item in value]
    return value


async def answer_idempotently(
    uow: UnitOfWork,
    owner: str,
    key: str | None,
    request_fingerprint: str,
    produce: Callable[[], Awaitable[tuple[int, Any]]],
    *,
    retention: timedelta,
) -> Response[bytes]:
    """Run ``produce`` once per key (remembered for ``retention``); ``produce`` returns a
    status and a msgspec-encodable body. Raises IdempotencyKeyReused (422) when the key
    came with another fingerprint, ValidationFailed when the key is too long."""
    if key is None:
        status, body = await produce()
        return Response(
            msgspec.json.encode(body), status_code=status, media_type="application/json"
        )
    if not key_length_accepted(key):
        raise ValidationFailed(f"Idempotency-Key has 1 to {MAX_KEY_LENGTH} characters")

    if not await _claim(uow, owner, key, request_fingerprint, utc_now() - retention):
        stored = await uow.session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.owner_id == owner, IdempotencyRecord.key == key
            )
        )
        assert stored is not None
        if stored.fingerprint != request_fingerprint:
            raise IdempotencyKeyReused("that Idempotency-Key was used with another request")
        return stored_response(stored.status_code, stored.body, replayed=True)

    try:
        async with uow.savepoint():
            status, body = await produce()
            encoded = msgspec.json.encode(body)
    except DomainError as error:
        # A refusal is an answer too: a retry must get it again, not a second attempt.
        status, encoded = domain_error_answer(error)
    await uow.session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.owner_id == owner, IdempotencyRecord.key == key)
        .values(status_code=status, body=encoded)
    )
    return stored_response(status, encoded, replayed=False)


async def answer_once(
    request: Request[Any, Any, Any],
    data: Any,
    produce: Callable[[], Awaitable[tuple[int, Any]]],
    *,
    uow: UnitOfWork,
    owner: str,
    key: str | None,
    settings: Settings,
) -> Response[bytes]:
    """A route's write answered once per ``owner``'s Idempotency-Key ``key``: what
    answer_idempotently does, for this request with its decoded body ``data`` (None for a
    route without one) and the keys remembered for GATE_IDEMPOTENCY_KEY_RETENTION_HOURS.
    Raises as answer_idempotently does (422 for a key reused with another request)."""
    return await answer_idempotently(
        uow,
        owner,
        key,
        fingerprint(request, data),
        produce,
        retention=settings.idempotency_key_retention,
    )


async def _claim(
    uow: UnitOfWork, owner: str, key: str, request_fingerprint: str, expired_before: datetime
) -> bool:
    """Insert the key's row, or take over one created before ``expired_before`` (the key is
    new again); False when a live one exists. The statement is the booking rush's claim of
    many keys (gate/store/idempotency.py::claim_keys) with one: on PostgreSQL a concurrent
    claim of the same key waits there until the first transaction ends (the conflicting row
    is locked even when it is not taken over), then reads its committed answer; SQLite
    serialises writers anyway."""
    claimed = await claim_keys(uow, [Claim(owner, key, request_fingerprint)], expired_before)
    return (owner, key) in claimed


def key_length_accepted(key: str) -> bool:
    """Whether an Idempotency-Key has the 1 to MAX_KEY_LENGTH characters a key may have."""
    return 1 <= len(key) <= MAX_KEY_LENGTH


def stored_response(status: int, body: bytes, *, replayed: bool) -> Response[bytes]:
    """An answer as stored (a problem's media type from 400 on), marked when replayed."""
    media_type = PROBLEM_MEDIA_TYPE if status >= 400 else "application/json"
    headers = {REPLAY_HEADER: "true"} if replayed else None
    return Response(body, status_code=status, media_type=media_type, headers=headers)
