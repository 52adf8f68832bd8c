"""A part that never finishes stopping does not hold the process: each step of the shutdown
has a bound, the next steps still run, and the log names the step that hung."""

from __future__ import annotations

import asyncio
import logging

import pytest

import services.app
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from services.app import create_app
from tests.asgi import in_process_client


@pytest.mark.parametrize("backend", ["sqlite"])  # the lifespan's order, not the database
async def test_a_step_that_hangs_is_given_up_and_the_rest_still_stop(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    monkeypatch.setattr(services.app, "STOP_STEP_S", 0.2)
    app = create_app(settings, bus=InMemoryEventBus())
    platform = app.state.platform
    assert platform.checkins is not None
    stopped: list[str] = []

    async def never_stops() -> None:
        await asyncio.Event().wait()

    async def bus_closed() -> None:
        stopped.append("bus")

    monkeypatch.setattr(platform.checkins, "stop", never_stops)
    monkeypatch.setattr(platform.bus, "close", bus_closed)
    caplog.set_level(logging.ERROR, logger="gate.app")

    async def serve_once() -> None:
        async with in_process_client(app) as client:
            assert (await client.get("/health/live")).status_code == 200

    # A guard against hanging the suite, not a measure: without the bound this never ends.
    await asyncio.wait_for(serve_once(), 60)
    assert stopped == ["bus"]
    [record] = [r for r in caplog.records if r.getMessage() == "platform.stop.step_timed_out"]
    assert record.step == "check-in batcher"  # type: ignore[attr-defined]
