"""The two ceilings of issue 20 shaped like the platform's work, for loadtests/ceilings.py:
what a check-in batch and a booking attempt could cost at best on this machine, written
straight in asyncpg (statements prepared once per connection by asyncpg's cache).

* ``decide_checkins``: one batch of check-ins in one transaction, 9 round trips whatever its
  size: BEGIN, the event-id claim, the slot row, the queue counter, the booking upsert, the
  locked head of the hash-chained audit, the entries appended, COMMIT, one Redis PUBLISH.
* ``attempt_booking``: one booking attempt decided in one statement (the slot's place taken
  only while one is left, and the booking inserted with it), its own transaction.

The tables are made by loadtests/machine.py (``CEILING_TABLES``) in the ceiling's scratch
database. Not the platform: no authentication, judging, outbox or projections.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import asyncpg

CHAIN = "ceiling"
CLAIM = (
    "INSERT INTO ceiling_events SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING event_id"
)
# The walk-ins' hour: its row made by the first batch of the hour, its count raised after.
SLOT = (
    "INSERT INTO ceiling_slots VALUES ($1, 'walk-in', $2, $3, 1000000)"
    " ON CONFLICT (gate, direction, starts_at)"
    " DO UPDATE SET taken = ceiling_slots.taken + excluded.taken RETURNING taken"
)
QUEUE = (
    "INSERT INTO ceiling_queue VALUES ($1, $2)"
    " ON CONFLICT (gate) DO UPDATE SET last = ceiling_queue.last + excluded.last RETURNING last"
)
BOOKINGS = (
    "INSERT INTO ceiling_bookings"
    " SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[])"
    " ON CONFLICT (plate) DO UPDATE SET event_id = excluded.event_id,"
    " position = excluded.position, arrived_at = excluded.arrived_at"
)
HEAD = "SELECT seq, hash FROM ceiling_audit_head WHERE chain = $1 FOR UPDATE"
# The head moved and the entries appended in one statement: one round trip.
APPEND = (
    "WITH moved AS (UPDATE ceiling_audit_head SET seq = $2, hash = $3 WHERE chain = $1)"
    " INSERT INTO ceiling_audit SELECT $1, * FROM unnest($4::bigint[], $5::text[], $6::text[])"
)
# One statement per attempt: a place taken only while one is left, the booking with it.
ATTEMPT = (
    "WITH place AS (UPDATE ceiling_slots SET taken = taken + 1"
    " WHERE gate = $1 AND direction = $2 AND starts_at = $3 AND taken < capacity"
    " RETURNING gate)"
    " INSERT INTO ceiling_rush_bookings SELECT $4, $5, $1, $2, $3 FROM place RETURNING id"
)


async def decide_checkins(
    pool: asyncpg.Pool,
    publish: Any,
    gate: str,
    reads: list[tuple[str, datetime, str | None]],
) -> dict[str, int]:
    """Admit ``reads`` (event id, observed at, plate) of one ``gate`` as walk-ins, together:
    each new event id's queue position (1-based), in 9 round trips; a read whose event id
    was claimed before has none. ``publish`` is an awaitable callable taking the channel and
    the message (redis-py's ``publish``), called once after the commit. asyncpg's errors
    are raised as they come (the transaction rolled back)."""
    async with pool.acquire() as connection, connection.transaction():
        claimed = {row[0] for row in await connection.fetch(CLAIM, [r[0] for r in reads])}
        fresh = [read for read in reads if read[0] in claimed]
        positions: dict[str, int] = {}
        if fresh:
            hour = fresh[0][1].replace(minute=0, second=0, microsecond=0)
            await connection.fetchval(SLOT, gate, hour, len(fresh))
            last = await connection.fetchval(QUEUE, gate, len(fresh))
            positions = {read[0]: last - len(fresh) + n + 1 for n, read in enumerate(fresh)}
            # One booking per plate (a batch reading one plate twice keeps its last read).
            by_plate = {(read[2] or read[0]): read for read in fresh}
            await connection.execute(
                BOOKINGS,
                [read[0] for read in by_plate.values()],
                list(by_plate),
                [positions[read[0]] for read in by_plate.values()],
                [read[1] for read in by_plate.values()],
            )
            seq, digest = await connection.fetchrow(HEAD, CHAIN)
            seqs, digests, records = [], [], []
            for read in fresh:
                record = json.dumps(
                    {"event_id": read[0], "plate": read[2], "position": positions[read[0]]},
                    sort_keys=True,
                )
                seq += 1
                digest = hashlib.sha256(f"{digest}|{record}".encode()).hexdigest()
                seqs.append(seq)
                digests.append(digest)
                records.append(record)
            await connection.execute(APPEND, CHAIN, seq, digest, seqs, digests, records)
    if fresh:
        await publish(f"ceiling:{gate}", json.dumps({"waiting": last}))
    return positions


async def attempt_booking(
    pool: asyncpg.Pool,
    slot: tuple[str, str, datetime],
    booking_id: str,
    vehicle_id: str,
) -> bool:
    """One attempt at a place of ``slot`` (gate, direction, start) for ``vehicle_id``: True
    if a place was left and the booking ``booking_id`` now holds it, False if the slot was
    full (nothing written). One statement, its own transaction."""
    made = await pool.fetchval(ATTEMPT, *slot, booking_id, vehicle_id)
    return made is not None
