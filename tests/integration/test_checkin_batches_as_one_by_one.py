"""Batches decide as the events alone would (issue 20's acceptance): a random stream of device
events, acted on event by event, then from the same rows in batches cut anywhere and through
the group commit, gets the same answer per event and leaves the same bookings, check-in
records, pending reads, slot places, queue order per direction, audit chain and published
events.

The gate is set up once per test (bookings are slow to make through the API): trucks on time,
late, early, too early and long past their slot (their place lapses: a walk-in now), regular,
an AEO's and perishable, some with trailers, one cancelled, one in the yard already, two
whose plates a camera can confuse with each other, in both directions, with a few walk-in
places in the current and the last hour. Each example then draws a stream over them
(tests/checkin_streams.py) and the runs start from a copy of that gate
(tests/database_copies.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.time import utc_now
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Device
from gate.store.unit_of_work import UnitOfWork
from tests.checkin_runs import in_batches, one_by_one, through_the_batcher
from tests.checkin_streams import Sent, Truck, cuts, streams
from tests.database_copies import DatabaseCopy
from tests.helpers import Api, Enterprise, book_as_of, device, open_all_day, read, this_hour

# Few examples, each three runs of up to 24 events: under a minute per database on a busy
# machine. The fixture ``gate`` is shared by the examples on purpose: each run starts from its
# copy (``put_back``), never from what an earlier example left.
EXAMPLES = settings(
    max_examples=12,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
AMBIGUOUS_READS = ["桂A·1288S"]  # fits both 桂A·128B5 and 桂A·12885


class Gate:
    """The gate under test: its trucks, its devices' ids, and a copy of its rows."""

    def __init__(
        self, trucks: list[Truck], device_ids: list[str], copy: DatabaseCopy, backlog: datetime
    ) -> None:
        self.trucks = trucks
        self.backlog = backlog
        self.device_ids = device_ids
        self.copy = copy


async def _book(settings: Settings, enterprise: Enterprise, slot: datetime, **kw: Any) -> Truck:
    made = await book_as_of(settings, enterprise, slot, **kw)
    return Truck(made["plate"], made["code"], kw.get("trailer_plate"), made["id"])


@pytest.fixture
async def gate(api: Api, settings: Settings, database_url: str, tmp_path: Path) -> Gate:
    await open_all_day(api)
    await api.set_capacity(this_hour(), 8)  # seven booked, one cancelled: two walk-ins get in
    await api.set_capacity(this_hour(-1), 1)
    await api.set_capacity(this_hour(-9), 1)  # the lapsed truck's: full until it lapses
    await api.set_capacity(this_hour(), 2, direction="import")
    camera = await device(api)
    await device(api, direction="import")
    await device(api, direction=None, kind="kiosk")
    regular, trusted = await api.enterprise(), await api.enterprise(is_aeo=True)
    now, late, lapsed, early, too_early = (this_hour(h) for h in (0, -2, -9, 2, 10))
    trucks = [
        await _book(settings, regular, now, plate="12C-301.01"),
        await _book(settings, regular, now, plate="12C-301.02", trailer_plate="12R-030.12"),
        await _book(settings, trusted, now, plate="12C-301.03", perishable=True),
        await _book(settings, trusted, late, plate="12C-301.04", trailer_plate="12R-030.14"),
        await _book(settings, regular, lapsed, plate="12C-301.05"),
        await _book(settings, regular, early, plate="12C-301.06"),
        await _book(settings, regular, too_early, plate="12C-301.07"),
        await _book(settings, trusted, now, plate="15C-301.08", direction="import"),
        await _book(settings, regular, now, plate="桂A·128B5"),
        await _book(settings, regular, now, plate="桂A·12885"),
        await _book(settings, trusted, now, plate="12C-301.10"),  # in the yard already
        await _book(settings, regular, now, plate="12C-301.09"),
    ]
    cancelled = await api.client.post(
        f"/api/v1/bookings/{trucks[-1].id}/cancel", json={}, headers=regular.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    arrived = await api.client.post(
        "/api/v1/gates/tan-thanh/checkins", json=read("12C-301.10"), headers=camera
    )
    assert arrived.json()["outcome"] == "on_time", arrived.text
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            devices = {
                (d.kind, d.direction): d.id for d in await uow.session.scalars(select(Device))
            }
    finally:
        await engine.dispose()
    device_ids = [
        devices["lpr_camera", "export"],
        devices["lpr_camera", "import"],
        devices["kiosk", None],
    ]
    copy = DatabaseCopy(database_url, tmp_path)
    await copy.keep()
    return Gate(trucks, device_ids, copy, lapsed)


def _differences(one: Any, other: Any) -> dict[str, Any]:
    """Per part of the state, the first entries that differ (for a readable failure)."""
    return {
        part: (one.state[part], other.state[part])
        for part in one.state
        if one.state[part] != other.state[part]
    }


@EXAMPLES
@given(data=st.data())
async def test_batches_answer_and_leave_what_one_event_at_a_time_does(
    gate: Gate, settings: Settings, data: st.DataObject
) -> None:
    start = utc_now()
    stream: list[Sent] = data.draw(
        streams(gate.trucks, AMBIGUOUS_READS, len(gate.device_ids), start, gate.backlog),
        label="stream",
    )
    batches = data.draw(cuts(len(stream)), label="batches")
    alone = await one_by_one(
        replace(settings, database_url=await gate.copy.put_back()), gate.device_ids, stream
    )
    cut = await in_batches(
        replace(settings, database_url=await gate.copy.put_back()), gate.device_ids, stream, batches
    )
    grouped = await through_the_batcher(
        replace(settings, database_url=await gate.copy.put_back()), gate.device_ids, stream
    )
    assert alone.state["audit_verified"][0] == []
    for run in (cut, grouped):
        for n, (expected, got) in enumerate(zip(alone.answers, run.answers, strict=True)):
            assert got == expected, (n, stream[n])
        assert run.state == alone.state, _differences(alone, run)
