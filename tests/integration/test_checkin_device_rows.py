"""A check-in reads its device's columns, never the mapped device (issue 20: no ORM object on
the hot path): no transaction that decides a check-in, through the gate's pipeline or on its
own, a single read or a backlog, has a ``Device`` in its session at the commit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from gate.config import Settings
from gate.store.tables import Device
from tests.helpers import Api, device, open_all_day, read

CHECKINS = "/api/v1/gates/tan-thanh/checkins"


@pytest.fixture(params=["group commit", "a transaction per request"])
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Check-ins through the gate's pipeline (the default), or each request in a transaction
    of its own (GATE_CHECKIN_BATCH_MS=0, services/checkins/endpoints.py)."""
    return replace(settings, checkin_batch_ms=2.0 if request.param == "group commit" else 0)


@pytest.fixture
def committed_devices() -> Iterator[list[list[Any]]]:
    """The mapped ``Device``s in each session's identity map at its commit, from now on (a
    read-only session, such as the device key's lookup, commits nothing and is not seen)."""
    seen: list[list[Any]] = []

    def before_commit(session: Session) -> None:
        seen.append([o for o in session.identity_map.values() if isinstance(o, Device)])

    event.listen(Session, "before_commit", before_commit)
    try:
        yield seen
    finally:
        event.remove(Session, "before_commit", before_commit)


async def test_a_check_in_loads_no_mapped_device(api: Api, committed_devices: list[list[Any]]):
    await open_all_day(api)
    camera = await device(api)  # its registration commits a Device: before the listening
    committed_devices.clear()
    single = await api.client.post(CHECKINS, json=read("29H-556.01"), headers=camera)
    assert single.status_code == 200, single.text
    assert single.json()["outcome"] == "walk_in"
    events = [read("29H-556.02"), read("29H-556.03")]
    backlog = await api.client.post(f"{CHECKINS}/batch", json={"events": events}, headers=camera)
    assert backlog.status_code == 200, backlog.text
    assert [a["outcome"] for a in backlog.json()["answers"]] == ["walk_in", "walk_in"]
    assert committed_devices, "no check-in was committed"
    assert all(devices == [] for devices in committed_devices), committed_devices
