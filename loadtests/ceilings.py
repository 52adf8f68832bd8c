"""Ceilings of issue 20's table, built on the platform's own stack (Litestar and msgspec on
uvicorn with httptools and uvloop, asyncpg), for the benchmark to measure beside the
platform in the same run: what a check-in could cost at best on this machine.

``CEILING_MODE`` chooses what ``POST /api/v1/gates/{code}/checkins`` does (the path and body
of loadtests/wrk/checkin.lua, so the same wrk script drives it):

* ``decode``: decodes the check-in body into a typed struct and answers a walk-in;
* ``insert``: the same, plus one INSERT of the read (its own transaction, asyncpg);
* ``group``: the same, the reads of 2 ms gathered into one multi-row INSERT (a group commit),
  each answered after it committed.

``CEILING_DATABASE``: the PostgreSQL DSN (asyncpg's form) whose ``ceiling_reads`` table the
benchmark made. Not the platform: no authentication, judging, queue or audit.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg
import msgspec
from litestar import Litestar, Response, post

MODE = os.environ.get("CEILING_MODE", "decode")
GROUP_WAIT_S = 0.002
ANSWER = b'{"outcome":"walk_in","position":1}'
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


_decoder = msgspec.json.Decoder(Read)
_pool: asyncpg.Pool | None = None
_pending: list[tuple[Read, asyncio.Future[None]]] = []
_flusher: asyncio.Task[None] | None = None


async def _flush_later() -> None:
    global _flusher
    await asyncio.sleep(GROUP_WAIT_S)
    batch, _pending[:] = list(_pending), []
    _flusher = None
    assert _pool is not None
    try:
        await _pool.execute(
            INSERT_MANY,
            [read.event_id for read, _ in batch],
            [read.observed_at for read, _ in batch],
            [read.plate for read, _ in batch],
        )
    except Exception as error:
        for _, done in batch:
            done.set_exception(error)
        return
    for _, done in batch:
        done.set_result(None)


@post("/api/v1/gates/{code:str}/checkins", status_code=200)
async def checkin(code: str, body: bytes) -> Response[bytes]:
    """The mode's work for one check-in; a walk-in's answer."""
    global _flusher
    read = _decoder.decode(body)
    if MODE == "insert":
        assert _pool is not None
        await _pool.execute(INSERT, read.event_id, read.observed_at, read.plate)
    elif MODE == "group":
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        _pending.append((read, done))
        if _flusher is None:
            _flusher = asyncio.create_task(_flush_later())
        await done
    return Response(ANSWER, media_type="application/json")


@asynccontextmanager
async def _database(_app: Litestar) -> AsyncIterator[None]:
    global _pool
    if MODE != "decode":
        _pool = await asyncpg.create_pool(os.environ["CEILING_DATABASE"], min_size=4, max_size=10)
    try:
        yield
    finally:
        if _pool is not None:
            await _pool.close()


app = Litestar([checkin], lifespan=[_database])
