"""Idempotency records of many requests at once: the claims, the stored answers and the new
answers of a batch, each in one statement (the booking rush, gate/bookings/rush.py). The rules
are those of services/common/idempotency.py, which answers one request at a time: a key is
claimed by inserting its row (or taking over one older than the retention); a key held by a
live row is answered from that row; the answer is written in the transaction that made it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_, update

from gate.domain.time import utc_now
from gate.store.database import conflict_insert
from gate.store.tables import IdempotencyRecord
from gate.store.unit_of_work import UnitOfWork

# An Idempotency-Key as its owner (an enterprise's id) sent it.
OwnedKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Claim:
    owner: str
    key: str
    fingerprint: str  # services/common/idempotency.py::fingerprint, 64 hex characters


@dataclass(frozen=True, slots=True)
class Stored:
    fingerprint: str
    status: int
    body: bytes


async def claim_keys(
    uow: UnitOfWork, claims: Sequence[Claim], expired_before: datetime
) -> set[OwnedKey]:
    """Insert each claim's row, or take over one created before ``expired_before``: the keys
    claimed (the others are held by a live record). Keys must be distinct. On PostgreSQL a
    key claimed by a transaction in flight makes this wait for its end, as one claim does."""
    if not claims:
        return set()
    now = utc_now()
    insert = conflict_insert(uow.session)(IdempotencyRecord).values(
        [
            {
                "owner_id": claim.owner,
                "key": claim.key,
                "fingerprint": claim.fingerprint,
                "status_code": 0,
                "body": b"",
                "created_at": now,
            }
            for claim in claims
        ]
    )
    fresh = insert.excluded
    statement = insert.on_conflict_do_update(
        index_elements=["owner_id", "key"],
        set_={
            "fingerprint": fresh.fingerprint,
            "status_code": fresh.status_code,
            "body": fresh.body,
            "created_at": fresh.created_at,
        },
        where=IdempotencyRecord.created_at < expired_before,
    ).returning(IdempotencyRecord.owner_id, IdempotencyRecord.key)
    return {(row.owner_id, row.key) for row in await uow.session.execute(statement)}


async def stored_answers(uow: UnitOfWork, keys: Sequence[OwnedKey]) -> dict[OwnedKey, Stored]:
    """The stored records of ``keys`` (keys a claim found held)."""
    if not keys:
        return {}
    rows = await uow.session.execute(
        select(
            IdempotencyRecord.owner_id,
            IdempotencyRecord.key,
            IdempotencyRecord.fingerprint,
            IdempotencyRecord.status_code,
            IdempotencyRecord.body,
        ).where(tuple_(IdempotencyRecord.owner_id, IdempotencyRecord.key).in_(list(keys)))
    )
    return {
        (row.owner_id, row.key): Stored(row.fingerprint, row.status_code, row.body) for row in rows
    }


async def store_answers(uow: UnitOfWork, answers: dict[OwnedKey, tuple[int, bytes]]) -> None:
    """Write each claimed key's answer (status, encoded body) in one executemany."""
    if not answers:
        return
    await uow.session.execute(
        update(IdempotencyRecord),
        [
            {"owner_id": owner, "key": key, "status_code": status, "body": body}
            for (owner, key), (status, body) in answers.items()
        ],
    )
