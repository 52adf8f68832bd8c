"""Ceilings of issue 20's table, built on the platform's own stack (Litestar and msgspec on
uvicorn with httptools and uvloop, asyncpg), for the benchmark to measure beside the
platform in the same run: what a check-in could cost at best on this machine.

``CEILING_MODE`` chooses what ``POST /api/v1/gates/{code}/checkins`` does (the path and body
of loadtests/wrk/checkin.lua, so the same wrk script drives it):

* ``decode``: decodes the check-in body into a typed struct and answers a walk-in;
* ``insert``: the same, plus one INSERT of the read (its own transaction, asyncpg);
* ``group``: the same, the reads of 2 ms gathered into one multi-row INSERT (a group commit),
  each answered after it committed;
* ``checkin``: the reads of 2 ms gathered into a batch shaped like a check-in's, 9 round trips
  in all (loadtests/ceiling_batch.py: event-id claim, slot row, queue counter, booking upsert,
  locked hash-chained audit head, commit, one Redis PUBLISH), each answered its position.

and with ``rush``, ``POST /api/v1/bookings`` (the body of the platform's booking, as
loadtests/workloads.py's rush sends it) is one attempt decided in one statement: 201 with the
booking, or 409 when the slot is full.

``CEILING_DATABASE``: the PostgreSQL DSN (asyncpg's form) whose tables the benchmark made
(loadtests/machine.py); ``CEILING_REDIS``: the Redis URL the check-in batch publishes to. Not
the platform: no authentication, judging, outbox or projections.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg
import msgspec
import redis.asyncio as redis
from litestar import Litestar, Response, post
from litestar.params import FromPath, RawBody

from loadtests.ceiling_batch import attempt_booking, decide_checkins

MODE = os.environ.get("CEILING_MODE", "decode")
GROUP_WAIT_S = 0.002
ANSWER = b'{"outcome":"walk_in","position":1}'
FULL = b'{"detail":"the slot is full"}'
INSERT = "INSERT INTO ceiling_reads VALUES ($1, $2, $3)"
INSERT_MANY = (
    "INSERT INTO ceiling_reads SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[])"
)


class Read(msgspec.Struct, forbid_unknown_fields=True):
    """The check-in body (services/checkins/endpoints.py's CheckinEvent, its fields)."""

    event_id: str
    observed_at: datetime
    plate: str | None = None
    booking_code: str | None = None
    trailer_plate: str | None = None


class Attempt(msgspec.Struct):
    """The booking body of the rush (services/bookings' request, the fields it decides on)."""

    gate: str
    direction: str
    slot_start: datetime
    vehicle_id: str
    driver_id: str
    cargo: dict[str, object]


_decoder = msgspec.json.Decoder(Read)
_attempts = msgspec.json.Decoder(Attempt)
_pool: asyncpg.Pool | None = None
_redis: redis.Redis | None = None
_pending: list[tuple[Read, asyncio.Future[int | None]]] = []
_flusher: asyncio.Task[None] | None = None


async def _flush_later(gate: str) -> None:
    """After the 2 ms wait, the gathered reads written together and each one's waiter told
    (its queue position in ``checkin``, none in ``group``), or all told the error."""
    global _flusher
    await asyncio.sleep(GROUP_WAIT_S)
    batch, _pending[:] = list(_pending), []
    _flusher = None
    assert _pool is not None
    reads = [(read.event_id, read.observed_at, read.plate) for read, _ in batch]
    positions: dict[str, int] = {}
    try:
        if MODE == "checkin":
            assert _redis is not None
            positions = await decide_checkins(_pool, _redis.publish, gate, reads)
        else:
            await _pool.execute(INSERT_MANY, *map(list, zip(*reads, strict=True)))
    except Exception as error:
        for _, done in batch:
            done.set_exception(error)
        return
    for read, done in batch:
        done.set_result(positions.get(read.event_id))


@post("/api/v1/gates/{code:str}/checkins", status_code=200)
async def checkin(code: FromPath[str], body: RawBody) -> Response[bytes]:
    """The mode's work for one check-in; a walk-in's answer."""
    global _flusher
    read = _decoder.decode(body)
    if MODE == "insert":
        assert _pool is not None
        await _pool.execute(INSERT, read.event_id, read.observed_at, read.plate)
    elif MODE in ("group", "checkin"):
        done: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        _pending.append((read, done))
        if _flusher is None:
            # The ceiling serves one gate: the batch is the gate of the read that opened it.
            _flusher = asyncio.create_task(_flush_later(code))
        position = await done
        if MODE == "checkin":
            answer = (
                {"outcome": "walk_in", "position": position}
                if position is not None
                else {"outcome": "already_in_yard"}
            )
            return Response(msgspec.json.encode(answer), media_type="application/json")
    return Response(ANSWER, media_type="application/json")


@post("/api/v1/bookings", status_code=201)
async def book(body: RawBody) -> Response[bytes]:
    """One rush attempt (``rush``): 201 with the booking if a place was left, else 409."""
    assert _pool is not None
    attempt = _attempts.decode(body)
    booking_id = str(uuid.uuid4())
    slot = (attempt.gate, attempt.direction, attempt.slot_start)
    if await attempt_booking(_pool, slot, booking_id, attempt.vehicle_id):
        made = {"id": booking_id, "status": "confirmed", "vehicle_id": attempt.vehicle_id}
        return Response(msgspec.json.encode(made), media_type="application/json")
    return Response(FULL, status_code=409, media_type="application/json")


async def _kept_as_is(_connection: asyncpg.Connection) -> None:
    """The pool's reset of a connection given back: none. asyncpg's default resets its
    session state (advisory locks, cursors, listeners, settings) in one more round trip per
    checkout, and the ceilings leave none of those behind."""


@asynccontextmanager
async def _database(_app: Litestar) -> AsyncIterator[None]:
    global _pool, _redis
    if MODE != "decode":
        _pool = await asyncpg.create_pool(
            os.environ["CEILING_DATABASE"], min_size=4, max_size=10, reset=_kept_as_is
        )
    if MODE == "checkin":
        _redis = redis.Redis.from_url(os.environ["CEILING_REDIS"])
    try:
        yield
    finally:
        if _pool is not None:
            await _pool.close()
        if _redis is not None:
            await _redis.aclose()


app = Litestar([checkin, book], lifespan=[_database])
