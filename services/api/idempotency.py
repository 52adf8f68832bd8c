"""Idempotent writes: the first answer to an ``Idempotency-Key`` is stored in the transaction
that made it, and every retry (concurrent ones too) gets that answer and changes nothing.

Keys belong to the caller (an enterprise, or the administrator), so two enterprises never
collide. The same key with another request is refused with 422.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request, Response
from sqlalchemy import select, update

from gate.domain.errors import DomainError, IdempotencyKeyReused, ValidationFailed
from gate.store.database import conflict_insert
from gate.store.tables import IdempotencyRecord
from gate.store.unit_of_work import UnitOfWork
from services.api.problems import PROBLEM_MEDIA_TYPE, domain_error_answer

MAX_KEY_LENGTH = 200
REPLAY_HEADER = "Idempotent-Replayed"


def fingerprint(request: Request[Any, Any, Any], data: Any) -> str:
    """What makes two requests "the same": method, path and the decoded body."""
    body = msgspec.json.encode(msgspec.to_builtins(data), order="sorted")
    raw = f"{request.method} {request.url.path}\n".encode() + body
    return hashlib.sha256(raw).hexdigest()


async def answer_idempotently(
    uow: UnitOfWork,
    owner: str,
    key: str | None,
    request_fingerprint: str,
    produce: Callable[[], Awaitable[tuple[int, Any]]],
) -> Response[bytes]:
    """Run ``produce`` once per key; ``produce`` returns a status and a msgspec-encodable body."""
    if key is None:
        status, body = await produce()
        return Response(
            msgspec.json.encode(body), status_code=status, media_type="application/json"
        )
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise ValidationFailed(f"Idempotency-Key has 1 to {MAX_KEY_LENGTH} characters")

    if not await _claim(uow, owner, key, request_fingerprint):
        stored = await uow.session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.owner_id == owner, IdempotencyRecord.key == key
            )
        )
        assert stored is not None
        if stored.fingerprint != request_fingerprint:
            raise IdempotencyKeyReused("that Idempotency-Key was used with another request")
        return _stored_response(stored.status_code, stored.body, replayed=True)

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
    return _stored_response(status, encoded, replayed=False)


async def _claim(uow: UnitOfWork, owner: str, key: str, request_fingerprint: str) -> bool:
    """Insert the key's row; False when it exists. On PostgreSQL a concurrent claim of the same
    key waits here until the first transaction ends, then reads its committed answer."""
    insert = conflict_insert(uow.session)
    statement = (
        insert(IdempotencyRecord)
        .values(owner_id=owner, key=key, fingerprint=request_fingerprint, status_code=0, body=b"")
        .on_conflict_do_nothing(index_elements=["owner_id", "key"])
        .returning(IdempotencyRecord.key)
    )
    return (await uow.session.execute(statement)).first() is not None


def _stored_response(status: int, body: bytes, *, replayed: bool) -> Response[bytes]:
    media_type = PROBLEM_MEDIA_TYPE if status >= 400 else "application/json"
    headers = {REPLAY_HEADER: "true"} if replayed else None
    return Response(body, status_code=status, media_type=media_type, headers=headers)
