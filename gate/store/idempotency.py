"""Idempotency records of many requests at once: the claims, the stored answers and the new
answers of a batch, each in one statement (the booking rush, gate/bookings/rush.py). The rules
are those of services/common/idempotency.py, which answers one request at a time: a key is
claimed by inserting its row (or taking over one older than the retention); a key held by a
live row is answered from that row; the answer is written in the transaction that made it.

On PostgreSQL the claim and the answers' write are each one statement of one shape whatever
the batch's size, each column given as one array parameter (encoded by asyncpg): SQLAlchemy's
ORM built the claim's multi-row VALUES (a bound parameter per cell) and processed every
answer's parameters one by one, 7.6 % of a rush's CPU samples (issue 20, docs/benchmarks.md,
"The rush's batch in fewer calls"). SQLite keeps the statements of one row per key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, text, tuple_, update

from gate.domain.time import utc_now
from gate.store.database import conflict_insert
from gate.store.tables import IdempotencyRecord
from gate.store.types import UtcDateTime
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


# The claim on PostgreSQL: the same INSERT ... ON CONFLICT as SQLite's (a key is taken over
# only from a record created before ``expired_before``), its rows in the claims' order
# (``n``), which the caller sorts so that two batches cannot deadlock on each other's keys.
_CLAIM = text(
    """
    INSERT INTO idempotency_records (owner_id, key, fingerprint, status_code, body, created_at)
    SELECT c.owner_id, c.key, c.fingerprint, 0, CAST('' AS bytea), :now
    FROM unnest(CAST(:owners AS varchar[]), CAST(:keys AS varchar[]),
        CAST(:prints AS varchar[])) WITH ORDINALITY AS c(owner_id, key, fingerprint, n)
    ORDER BY c.n
    ON CONFLICT (owner_id, key) DO UPDATE SET fingerprint = excluded.fingerprint,
        status_code = excluded.status_code, body = excluded.body,
        created_at = excluded.created_at
    WHERE idempotency_records.created_at < :expired_before
    RETURNING idempotency_records.owner_id, idempotency_records.key
    """
).bindparams(
    bindparam("now", type_=UtcDateTime()),
    bindparam("expired_before", type_=UtcDateTime()),
)

# The answers on PostgreSQL: each claimed record's status and body, by its key (the claim
# locked the rows already, in key order).
_STORE = text(
    """
    UPDATE idempotency_records AS r SET status_code = a.status_code, body = a.body
    FROM unnest(CAST(:owners AS varchar[]), CAST(:keys AS varchar[]),
        CAST(:statuses AS integer[]), CAST(:bodies AS bytea[]))
        AS a(owner_id, key, status_code, body)
    WHERE r.owner_id = a.owner_id AND r.key = a.key
    """
)


async def claim_keys(
    uow: UnitOfWork, claims: Sequence[Claim], expired_before: datetime
) -> set[OwnedKey]:
    """Insert each claim's row, or take over one created before ``expired_before``: the keys
    claimed (the others are held by a live record). Keys must be distinct. On PostgreSQL a
    key claimed by a transaction in flight makes this wait for its end, as one claim does."""
    if not claims:
        return set()
    now = utc_now()
    if uow.session.get_bind().dialect.name == "postgresql":
        params = {
            "now": now,
            "expired_before": expired_before,
            "owners": [claim.owner for claim in claims],
            "keys": [claim.key for claim in claims],
            "prints": [claim.fingerprint for claim in claims],
        }
        return {(owner, key) for owner, key in await uow.session.execute(_CLAIM, params)}
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
    """Write each claimed key's answer (status, encoded body): one UPDATE of arrays on
    PostgreSQL, an executemany on SQLite."""
    if not answers:
        return
    if uow.session.get_bind().dialect.name == "postgresql":
        params = {
            "owners": [owner for owner, _key in answers],
            "keys": [key for _owner, key in answers],
            "statuses": [status for status, _body in answers.values()],
            "bodies": [body for _status, body in answers.values()],
        }
        await uow.session.execute(_STORE, params)
        return
    await uow.session.execute(
        update(IdempotencyRecord),
        [
            {"owner_id": owner, "key": key, "status_code": status, "body": body}
            for (owner, key), (status, body) in answers.items()
        ],
    )
