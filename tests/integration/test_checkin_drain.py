"""A process that is shutting down answers the check-ins it can no longer decide within its
bound (GATE_SHUTDOWN_TIMEOUT) with 503, acting on none of them: the device sends the event
again, to another process (services/draining.py, gate/checkins/batcher.py ``drain``)."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from gate.store.tables import CheckinRecord
from gate.store.unit_of_work import UnitOfWork
from services.platform import Platform
from tests.helpers import Api, device, open_all_day, read

CHECKINS = "/api/v1/gates/tan-thanh/checkins"


def _platform(api: Api) -> Platform:
    transport = api.client._transport
    assert isinstance(transport, httpx.ASGITransport)
    platform: Platform = transport.app.state.platform  # type: ignore[attr-defined]
    return platform


async def test_past_the_drain_bound_a_check_in_is_answered_503_and_not_acted_on(
    api: Api, uow: UnitOfWork
):
    await open_all_day(api)
    camera = await device(api)
    before = await api.client.post(CHECKINS, json=read("29C-123.45"), headers=camera)
    assert before.status_code == 200, before.text

    checkins = _platform(api).checkins
    assert checkins is not None
    checkins.drain(0)  # the server's bound has come
    late = read("29C-678.90")
    answer = await api.client.post(CHECKINS, json=late, headers=camera)
    assert answer.status_code == 503, answer.text
    assert answer.json()["type"].endswith("service-unavailable")
    stored = await uow.session.scalars(
        select(CheckinRecord.event_id).where(CheckinRecord.event_id == late["event_id"])
    )
    assert list(stored) == []
