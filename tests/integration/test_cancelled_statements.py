"""A statement PostgreSQL gives up on (an operator's ``pg_cancel_backend``, or a
``statement_timeout`` / ``lock_timeout`` a DBA set on the role) answers 503 naming it, with
Retry-After, and changes nothing; it was a 500."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from gate.config import Settings
from tests.helpers import Api, tomorrow_at
from tests.live import eventually

pytestmark = pytest.mark.parametrize("backend", ["postgres"])


async def test_a_statement_cancelled_by_an_operator_answers_503_and_changes_nothing(
    api: Api, settings: Settings
):
    enterprise = await api.enterprise()
    booking = (await enterprise.book(tomorrow_at(9))).json()
    holder = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        # Another session holds the booking's row: the cancel below waits on its lock.
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute("SELECT 1 FROM bookings WHERE id = $1 FOR UPDATE", booking["id"])
        cancel = asyncio.create_task(
            api.client.post(
                f"/api/v1/bookings/{booking['id']}/cancel",
                json={"reason": "no truck"},
                headers=enterprise.headers,
            )
        )
        waiting: list[int] = []

        async def a_request_waits_on_the_lock() -> bool:
            waiting[:] = (
                await holder.fetchval(
                    "SELECT array_agg(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                or []
            )
            return bool(waiting)

        await eventually(a_request_waits_on_the_lock)
        await holder.execute("SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid", waiting)
        answer = await asyncio.wait_for(cancel, 10)
        await transaction.rollback()
    finally:
        await holder.close()
    assert answer.status_code == 503, answer.text
    assert answer.json()["reason"] == "cancelled"
    assert answer.headers["retry-after"] == "1"
    stored = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=enterprise.headers)
    assert stored.json()["status"] == "booked"
