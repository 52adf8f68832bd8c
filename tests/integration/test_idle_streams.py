"""A yard where nothing happens sends nothing: rebuilding a channel every couple of seconds
(the projector's periodic refresh) publishes a delta only when something a viewer sees has
changed, and a forecast sliding with the clock by seconds is not such a change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import msgspec
import pytest

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.time import utc_now
from gate.live import projector as projector_module
from gate.live.backends import MemoryLiveBackend
from gate.live.channels import enterprise_channel, officer_channel
from gate.live.messages import ChannelMessage
from gate.live.projector import Projector
from gate.store.database import create_engine, create_session_factory
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, device, open_all_day, read, this_hour


class _Recorded(MemoryLiveBackend):
    """The in-process backend, watched on ``channels``, keeping every message published."""

    def __init__(self, channels: list[str]) -> None:
        super().__init__(lambda: channels)
        self.sent: list[ChannelMessage] = []

    async def publish(self, channel: str, message: bytes, snapshot: bytes) -> None:
        await super().publish(channel, message, snapshot)
        self.sent.append(msgspec.json.decode(message, type=ChannelMessage))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[datetime]]:
    """The projector's clock, moved by the test: a few seconds into the current minute."""
    now = [utc_now().replace(second=5, microsecond=0)]
    monkeypatch.setattr(projector_module, "utc_now", lambda: now[0])
    yield now


async def test_an_idle_yard_publishes_no_delta_over_several_rebuilds(
    api: Api, settings: Settings, bus: InMemoryEventBus, clock: list[datetime]
):
    await open_all_day(api)
    enterprise = await api.enterprise()
    booked = await enterprise.book(this_hour())
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    camera = await device(api)
    checkin = "/api/v1/gates/tan-thanh/checkins"
    arrived = await api.client.post(checkin, json=read(booking["plate"]), headers=camera)
    assert arrived.status_code == 200, arrived.text

    watched = [enterprise_channel(enterprise.id), officer_channel("tan-thanh")]
    backend = _Recorded(watched)
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    # Every tick rebuilds every channel, as the 2 s refresh does when nothing marks them.
    projector = Projector(lambda: UnitOfWork(factory, bus), backend, min_interval=0, refresh=0)
    try:
        for tick in range(6):
            clock[0] += timedelta(seconds=2 if tick else 0)
            await projector.tick()
    finally:
        await engine.dispose()

    for channel in watched:
        kinds = [m.kind for m in backend.sent if m.channel == channel]
        assert kinds == ["snapshot"], f"{channel}: {kinds}"
    first = next(m for m in backend.sent if m.channel == watched[0])
    vehicle = first.data["vehicles"][0]  # type: ignore[index]
    assert vehicle["booking_id"] == booking["id"]
    forecast = datetime.fromisoformat(vehicle["estimated_call_at"])
    assert (forecast.second, forecast.microsecond) == (0, 0)  # to the minute
