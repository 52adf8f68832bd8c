"""Who gets which message and when, through the outbox's expansion on both databases: a
user is told only what they chose and within their quiet hours, a driver's dispatch order
ignores the driver's quiet hours, the rate limit defers the excess (never drops it), and no
message to anyone but the driver carries the driver's plate or phone. The platform's own
dispatcher is off; the test expands with a dispatcher of its own at a fixed instant."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_skeleton, format_time
from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.plates import format_plate
from gate.domain.time import LOCAL_TZ, utc_now
from gate.messages.expander import MessageExpander
from gate.outbox.dispatcher import OutboxDispatcher
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Delivery
from gate.store.unit_of_work import UnitOfWork
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.helpers import ADMIN_TOKEN, Api, bearer, enterprise_user, open_all_day, this_hour
from tests.yards import dispatched_by_hand, enters_yard, yard, yard_enterprise


@dataclass
class World:
    api: Api
    settings: Settings
    bus: InMemoryEventBus

    async def expand(self, now: datetime) -> list[Delivery]:
        """Expand every outbox event with the messages' expander as of ``now``; every
        delivery made so far, oldest first."""
        engine = create_engine(self.settings)
        try:
            factory = create_session_factory(engine)
            dispatcher = OutboxDispatcher(
                lambda: UnitOfWork(factory, self.bus),
                [MessageExpander(self.settings, clock=lambda: now)],
                {},
                schedule=(1.0,),
                poll_s=1.0,
            )
            while await dispatcher.expand_once(now):
                pass
            async with UnitOfWork(factory, self.bus) as uow:
                query = select(Delivery).order_by(Delivery.event_seq, Delivery.id)
                made = list(await uow.session.scalars(query))
                uow.session.expunge_all()  # kept as read: the unit of work rolls back
                return made
        finally:
            await engine.dispose()


@pytest.fixture
async def world(database_url: str, tmp_path: Path, bus: InMemoryEventBus) -> AsyncIterator[World]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        admin_token=ADMIN_TOKEN,
        sweep_seconds=0,
        outbox=False,  # the test expands at instants of its choosing
        message_rate_limit=2,
        smtp_host="127.0.0.1",
        smtp_from="gate@example.vn",
        sms_url="http://127.0.0.1:9/sms",
        sms_token="t",
    )
    async with in_process_client(app_for(settings, bus)) as client:
        yield World(Api(client), settings, bus)


async def _user(api: Api, enterprise: Any, **choices: Any) -> dict[str, str]:
    headers = bearer(await enterprise_user(api, enterprise))
    body = {"channels": ["email"], "language": "en", **choices}
    answer = await api.client.put("/api/v1/me/notifications", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return headers


async def _user_id(api: Api, headers: dict[str, str]) -> str:
    return str((await api.client.get("/api/v1/auth/me", headers=headers)).json()["user_id"])


def _clock(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M")


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


async def test_users_get_what_they_chose_within_quiet_hours_and_never_the_plate(world: World):
    api = world.api
    now = utc_now()
    await open_all_day(api)
    enterprise, other = await api.enterprise(), await api.enterprise()
    quiet_end = _minute(now + timedelta(hours=1))
    chooser = await _user(
        api,
        enterprise,
        language="zh",
        channels=["email", "sms"],
        phone="0987 654 321",
        events=["booking.created", "truck.dispatched"],
        quiet_start=_clock(now - timedelta(hours=1)),
        quiet_end=_clock(quiet_end),
    )
    await _user(api, enterprise)  # chose nothing
    await _user(api, other, events=["booking.created", "truck.dispatched"])
    booked = await enterprise.book(this_hour(2))
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    driver_choices = await api.client.put(
        f"/api/v1/drivers/{booking['driver_id']}/notifications",
        json={
            "channels": ["sms"],
            "language": "vi",
            "quiet_start": _clock(now - timedelta(hours=1)),
            "quiet_end": _clock(quiet_end),
        },
        headers=enterprise.headers,
    )
    assert driver_choices.status_code == 200, driver_choices.text
    vehicle = (
        await api.client.get(
            f"/api/v1/vehicles/{booking['vehicle_id']}", headers=enterprise.headers
        )
    ).json()
    code = await yard(api, await yard_enterprise(api))
    order = await dispatched_by_hand(api, await enters_yard(api, code, vehicle["plate"]))

    made = await world.expand(now)

    chooser_id = await _user_id(api, chooser)
    to_users = [d for d in made if d.recipient_kind == "user"]
    assert {d.recipient_id for d in to_users} == {chooser_id}
    # booking.created and truck.dispatched, each by e-mail and SMS, all held to the quiet end.
    assert sorted((d.payload["kind"], d.channel) for d in to_users) == [
        ("booking.created", "email"),
        ("booking.created", "sms"),
        ("truck.dispatched", "email"),
        ("truck.dispatched", "sms"),
    ]
    assert {d.next_attempt_at for d in to_users} == {quiet_end}
    assert [d.payload["to"] for d in to_users if d.channel == "sms"] == ["0987 654 321"] * 2
    # In the reader's language: the gate's Chinese name, the hour as CLDR writes it in zh.
    [mail] = [d for d in to_users if (d.payload["kind"], d.channel) == ("booking.created", "email")]
    local = this_hour(2).astimezone(LOCAL_TZ)
    on, at = format_skeleton("MMMd", local, locale="zh"), format_time(local, "HH:mm", locale="zh")
    hour = f"{on} {at}"  # zh's medium date-time: "{1} {0}"
    assert "新清口岸（浦寨）" in mail.payload["text"] and hour in mail.payload["text"], mail.payload

    [to_driver] = [d for d in made if d.recipient_kind == "driver"]
    assert to_driver.payload["kind"] == "driver.dispatch"
    assert to_driver.next_attempt_at == now  # urgent: the driver's quiet hours do not hold it
    plate = format_plate(vehicle["plate"])
    assert plate in to_driver.payload["text"] and order["code"] in to_driver.payload["text"]

    driver = (
        await api.client.get(f"/api/v1/drivers/{booking['driver_id']}", headers=enterprise.headers)
    ).json()
    for delivery in to_users:
        said = json.dumps(delivery.payload, ensure_ascii=False)
        assert plate not in said and vehicle["plate"] not in said
        assert driver["phone"] not in said


async def test_the_rate_limit_defers_the_excess_and_drops_nothing(world: World):
    api = world.api
    now = utc_now()
    await open_all_day(api)
    enterprise = await api.enterprise()
    await _user(api, enterprise, events=["booking.created"])
    for _ in range(3):
        answer = await enterprise.book(this_hour(2))
        assert answer.status_code == 201, answer.text

    made = await world.expand(now)

    # Two an hour: the third waits for the first to leave the hour.
    assert [d.next_attempt_at for d in made] == [now, now, now + timedelta(hours=1)]

    # A fourth half an hour later waits for the same room: the hour from then holds two.
    answer = await enterprise.book(this_hour(3))
    assert answer.status_code == 201, answer.text
    later = await world.expand(now + timedelta(minutes=30))
    assert len(later) == 4
    assert later[-1].next_attempt_at == now + timedelta(hours=1)


async def test_a_channel_the_platform_does_not_offer_makes_no_delivery(
    database_url: str, tmp_path: Path, bus: InMemoryEventBus
):
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, admin_token=ADMIN_TOKEN, outbox=False
    )
    async with in_process_client(app_for(settings, bus)) as client:
        world = World(Api(client), settings, bus)
        await open_all_day(world.api)
        enterprise = await world.api.enterprise()
        await _user(world.api, enterprise, events=["booking.created"])
        assert (await enterprise.book(this_hour(2))).status_code == 201
        assert await world.expand(utc_now()) == []
