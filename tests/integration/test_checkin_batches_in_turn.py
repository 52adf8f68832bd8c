"""The differences between a batch and one event at a time that the property test
(test_checkin_batches_as_one_by_one.py) found, each as the smallest stream that showed it:
acted on together, each stream now answers and leaves what it does event by event
(gate/checkins/turns.py, and the events recorded in the reads' order)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.checkins.reads import DeviceEvent
from gate.config import Settings
from gate.domain.time import utc_now
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Device
from gate.store.unit_of_work import UnitOfWork
from tests.checkin_runs import Run, in_batches, one_by_one
from tests.checkin_streams import Sent
from tests.database_copies import DatabaseCopy
from tests.helpers import Api, book_as_of, device, open_all_day, this_hour


@pytest.fixture(autouse=True)
async def gate_open_all_day(api: Api) -> None:
    await open_all_day(api)


async def _cameras(api: Api, settings: Settings) -> list[str]:
    """An export camera, an import camera and a kiosk; their ids in that order."""
    await device(api)
    await device(api, direction="import")
    await device(api, direction=None, kind="kiosk")
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            found = {(d.kind, d.direction): d.id for d in await uow.session.scalars(select(Device))}
    finally:
        await engine.dispose()
    return [found["lpr_camera", "export"], found["lpr_camera", "import"], found["kiosk", None]]


async def _alone_and_together(
    settings: Settings, database_url: str, tmp_path: Path, ids: list[str], stream: list[Sent]
) -> tuple[Run, Run]:
    copy = DatabaseCopy(database_url, tmp_path)
    await copy.keep()
    alone = await one_by_one(replace(settings, database_url=await copy.put_back()), ids, stream)
    together = await in_batches(
        replace(settings, database_url=await copy.put_back()), ids, stream, [(0, len(stream))]
    )
    assert together.answers == alone.answers
    assert together.state == alone.state
    return alone, together


def _outcomes(run: Run) -> list[str]:
    return [answer["outcome"] for answer, _ in run.answers]


def _read(event_id: str, at: datetime, plate: str, device: int = 0) -> Sent:
    return Sent(device, DeviceEvent(event_id, at, plate=plate))


async def test_a_walk_in_read_again_in_an_hour_with_room_gets_that_hours_place(
    api: Api, settings: Settings, database_url: str, tmp_path: Path
):
    """Its first read found its hour full; alone, the second read asks its own hour."""
    await api.set_capacity(this_hour(), 0)
    ids = await _cameras(api, settings)
    now = utc_now()
    stream = [
        _read("full", now - timedelta(seconds=1), "29H-555.01"),
        _read("room", this_hour(-1) + timedelta(minutes=30), "29H-555.01"),
    ]
    alone, _ = await _alone_and_together(settings, database_url, tmp_path, ids, stream)
    assert _outcomes(alone) == ["refused", "walk_in"]


async def test_a_walk_in_read_again_at_a_kiosk_after_no_room_is_told_to_use_a_camera(
    api: Api, settings: Settings, database_url: str, tmp_path: Path
):
    await api.set_capacity(this_hour(), 0)
    ids = await _cameras(api, settings)
    now = utc_now()
    stream = [
        _read("full", now - timedelta(seconds=2), "29H-555.02"),
        _read("kiosk", now - timedelta(seconds=1), "29H-555.02", device=2),
    ]
    alone, _ = await _alone_and_together(settings, database_url, tmp_path, ids, stream)
    assert [a["refusal"] for a, _ in alone.answers] == [
        "no_room_for_walk_in",
        "no_direction_for_walk_in",
    ]


async def test_a_misread_of_a_walk_in_of_the_batch_finds_it_in_the_yard(
    api: Api, settings: Settings, database_url: str, tmp_path: Path
):
    """Alone, the walk-in is an expected truck by the second read, matched by its folded key."""
    ids = await _cameras(api, settings)
    now = utc_now()
    stream = [
        _read("walk-in", now - timedelta(seconds=2), "桂A·IZB8S", device=1),
        _read("misread", now - timedelta(seconds=1), "桂A·1288S", device=1),
    ]
    alone, _ = await _alone_and_together(settings, database_url, tmp_path, ids, stream)
    assert _outcomes(alone) == ["walk_in", "already_in_yard"]


async def test_a_place_given_back_after_a_walk_in_asked_for_it_is_not_that_walk_ins(
    api: Api, settings: Settings, database_url: str, tmp_path: Path
):
    """A backlog read asks for a full hour long past; a later read lapses a booking of that
    hour. Alone, the walk-in found no room; the place freed after it is not its."""
    lapsed_hour = this_hour(-9)
    await api.set_capacity(lapsed_hour, 1)
    enterprise = await api.enterprise()
    await book_as_of(settings, enterprise, lapsed_hour, plate="12C-301.05")
    ids = await _cameras(api, settings)
    stream = [
        _read("backlog", lapsed_hour + timedelta(minutes=10), "29H-555.03"),
        _read("lapsed", utc_now() - timedelta(seconds=1), "12C-301.05"),
    ]
    alone, _ = await _alone_and_together(settings, database_url, tmp_path, ids, stream)
    assert [a["refusal"] for a, _ in alone.answers] == ["no_room_for_walk_in", None]
    assert alone.state["slots"][0][2:] == (1, 0)  # the freed place stays free


async def test_a_read_left_for_the_officers_is_published_in_the_reads_order(
    api: Api, settings: Settings, database_url: str, tmp_path: Path
):
    enterprise = await api.enterprise()
    for plate in ("桂A·128B5", "桂A·12885", "12C-301.01"):
        await book_as_of(settings, enterprise, this_hour(), plate=plate)
    ids = await _cameras(api, settings)
    now = utc_now()
    stream = [
        _read("arrives", now - timedelta(seconds=2), "12C-301.01"),
        _read("ambiguous", now - timedelta(seconds=1), "桂A·1288S"),
    ]
    alone, _ = await _alone_and_together(settings, database_url, tmp_path, ids, stream)
    assert alone.state["published"] == ["vehicle.arrived", "checkin.needs_confirmation"]


async def test_a_misread_that_fits_a_refused_walk_in_among_other_plates_is_unreadable(
    api: Api, settings: Settings, database_url: str, tmp_path: Path
):
    """``29H-S55.O5`` reads as 29H55505 or 29HS5505: alone, with no truck of either plate
    expected (the walk-in found no room), it names no plate."""
    await api.set_capacity(this_hour(), 0)
    ids = await _cameras(api, settings)
    now = utc_now()
    stream = [
        _read("full", now - timedelta(seconds=2), "29H-555.05"),
        _read("misread", now - timedelta(seconds=1), "29H-S55.O5"),
    ]
    alone, _ = await _alone_and_together(settings, database_url, tmp_path, ids, stream)
    assert [a["refusal"] for a, _ in alone.answers] == [
        "no_room_for_walk_in",
        "unreadable_plate",
    ]
