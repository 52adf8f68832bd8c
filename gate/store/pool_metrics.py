"""The database pools' figures for ``/metrics`` (gate/metrics.py): connections in use, the
pool's limit and the time a checkout waited, per pool ("primary"; "replica" for the read
replica's engine, which calls the same two functions)."""

from __future__ import annotations

import functools
from time import perf_counter
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import AsyncAdaptedQueuePool, PoolProxiedConnection

from gate.metrics import DB_POOL_IN_USE, DB_POOL_LIMIT, DB_POOL_WAIT

_COUNTED = "gate.metrics.in_use"  # a connection record's mark: its checkout was counted


@functools.cache
def timed_pool(name: str) -> type[AsyncAdaptedQueuePool]:
    """SQLAlchemy's asyncio queue pool (the default of ``create_async_engine``) whose every
    checkout is timed into ``gate_db_pool_wait_seconds{pool=name}``: opening a connection when
    the pool may, waiting for a returned one when it is full (up to the pool's timeout).
    ``connect()`` is the pool's public checkout, called once per checkout (the queue's own
    ``_do_get`` calls itself again and is private). One class per name, as the pool makes its
    successor from its class when the engine is disposed."""

    child = DB_POOL_WAIT.labels(name)

    class TimedPool(AsyncAdaptedQueuePool):
        def connect(self) -> PoolProxiedConnection:
            start = perf_counter()
            try:
                return super().connect()
            finally:
                child.observe(perf_counter() - start)

    TimedPool.__name__ = f"TimedPool_{name}"
    return TimedPool


def watch_pool(engine: AsyncEngine, name: str, limit: int) -> None:
    """Count ``engine``'s checked-out connections into ``gate_db_pool_connections_in_use``
    (pool events: a checkout adds one, its return takes it away) and set ``limit`` (pool size
    and overflow: one engine per pool and process) as ``gate_db_pool_connections_limit``, both
    labelled ``name``. A return is counted only for a checkout that was: a checkout refused
    by another listener (a connection the server closed, gate/store/database.py) and retried
    fires the checkout event once and may fire the return twice."""
    in_use = DB_POOL_IN_USE.labels(name)
    DB_POOL_LIMIT.labels(name).set(limit)

    def checked_out(_dbapi: Any, record: Any, _proxy: Any) -> None:
        record.info[_COUNTED] = True
        in_use.inc()

    def checked_in(_dbapi: Any, record: Any) -> None:
        if record is not None and record.info.pop(_COUNTED, False):
            in_use.dec()

    pool = engine.sync_engine.pool
    event.listen(pool, "checkout", checked_out)
    event.listen(pool, "checkin", checked_in)
