"""Webhooks to enterprises (issue 15): a booking made through the API reaches a real local
receiver, signed so that the Standard Webhooks library verifies it; a receiver down for a
while gets every event after it returns, in order per booking, none twice, across a restart
of the platform; an endpoint that keeps failing is disabled after the documented attempts
and its owner told."""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.outbox.protocols import Outcome
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Delivery, OutboxEvent
from gate.store.unit_of_work import UnitOfWork
from gate.webhooks.sender import WebhookSender
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.helpers import Api, Enterprise, open_all_day, this_hour
from tests.receiver import Receiver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The dispatcher on, a short poll, private receivers allowed (the receiver is local),
    # and a schedule of twenty short retries: a receiver down for a while is waited for.
    return replace(
        settings,
        outbox=True,
        outbox_poll_s=0.05,
        webhook_allow_private=True,
        outbox_retry_schedule=(0.05,) * 20,
    )


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = await Receiver().start()
    yield receiver
    await receiver.close()


async def _endpoint(enterprise: Enterprise, url: str, *types: str) -> dict[str, Any]:
    answer = await enterprise.api.client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": url, "event_types": list(types), "description": "ERP"},
        headers=enterprise.headers,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def _until(read: Callable[[], Awaitable[Any]], done: Callable[[Any], bool]) -> Any:
    """``read()`` again until ``done`` says so (a condition, within 60 s); its last value."""
    async with asyncio.timeout(60):
        while not done(value := await read()):
            await asyncio.sleep(0.02)
    return value


def _verified(secret: str, request: Any) -> dict[str, Any]:
    return dict(Webhook(secret).verify(request.body.decode(), request.headers))


async def test_a_booking_made_through_the_api_reaches_the_receiver_signed(
    api: Api, receiver: Receiver
):
    await open_all_day(api)
    enterprise = await api.enterprise(key_scope="manager")
    endpoint = await _endpoint(enterprise, receiver.url, "booking.created")
    assert endpoint["secret"].startswith("whsec_")
    listed = await api.client.get("/api/v1/webhooks/endpoints", headers=enterprise.headers)
    assert "secret" not in listed.json()[0]  # shown once

    booking = (await enterprise.book(this_hour(1))).json()
    await receiver.wait_for(lambda: len(receiver.delivered()) == 1)
    webhook = _verified(endpoint["secret"], receiver.requests[0])
    assert webhook["type"] == "booking.created"
    data = webhook["data"]
    assert (data["booking_id"], data["booking_code"]) == (booking["id"], booking["code"])
    assert (data["gate"], data["direction"], data["status"]) == ("tan-thanh", "export", "booked")
    assert data["plate"] == booking["plate"]  # the enterprise's own truck
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "A" * 43).verify(
            receiver.requests[0].body.decode(), receiver.requests[0].headers
        )

    path = f"/api/v1/webhooks/endpoints/{endpoint['id']}/deliveries"

    async def read_log() -> list[dict[str, Any]]:
        return list((await api.client.get(path, headers=enterprise.headers)).json())

    log = await _until(read_log, lambda log: log[0]["status"] == "delivered")
    assert [d["id"] for d in log] == [receiver.requests[0].headers["webhook-id"]]
    assert log[0]["attempts"][0]["status_code"] == 200


async def _changes(api: Api, enterprise: Enterprise) -> dict[str, list[str]]:
    """Three bookings: one left, one moved, one moved and cancelled; the types each
    webhook stream should carry, in order."""
    expected: dict[str, list[str]] = {}
    for n in range(3):
        booking = (await enterprise.book(this_hour(1))).json()
        expected[booking["id"]] = ["booking.created"]
        if n >= 1:
            moved = await api.client.post(
                f"/api/v1/bookings/{booking['id']}/reschedule",
                json={"slot_start": this_hour(2).isoformat(), "version": 1},
                headers=enterprise.headers,
            )
            assert moved.status_code == 200, moved.text
            expected[booking["id"]].append("booking.rescheduled")
        if n == 2:
            cancelled = await api.client.post(
                f"/api/v1/bookings/{booking['id']}/cancel",
                json={"reason": "đổi kế hoạch"},
                headers=enterprise.headers,
            )
            assert cancelled.status_code == 200, cancelled.text
            expected[booking["id"]].append("booking.cancelled")
    return expected


async def test_a_receiver_down_for_a_while_gets_everything_in_order_across_a_restart(
    settings: Settings, receiver: Receiver
):
    receiver.status = 503
    types = ("booking.created", "booking.rescheduled", "booking.cancelled")
    async with in_process_client(app_for(settings, InMemoryEventBus())) as client:
        api = Api(client)
        await open_all_day(api)
        enterprise = await api.enterprise(key_scope="manager")
        endpoint = await _endpoint(enterprise, receiver.url, *types)
        expected = await _changes(api, enterprise)
        # Down: some webhooks were tried and refused before the platform stops.
        await receiver.wait_for(lambda: len(receiver.requests) >= 3)
    # A new platform on the same database; the receiver is back.
    receiver.status = 200
    async with in_process_client(app_for(settings, InMemoryEventBus())):
        await receiver.wait_for(lambda: len(receiver.delivered()) == 6)

    ids = [r.headers["webhook-id"] for r in receiver.delivered()]
    assert len(set(ids)) == len(ids)  # none twice
    got: dict[str, list[str]] = defaultdict(list)
    for request in receiver.delivered():
        webhook = _verified(endpoint["secret"], request)
        got[webhook["data"]["booking_id"]].append(webhook["type"])
    assert dict(got) == expected
    # Every refused attempt was of a webhook delivered later, under the same id.
    assert set(Counter(r.headers["webhook-id"] for r in receiver.requests)) == set(ids)


async def test_a_failing_endpoint_is_disabled_after_its_attempts_and_its_owner_told(
    settings: Settings, receiver: Receiver, uow: UnitOfWork
):
    receiver.status = 500
    short = replace(settings, outbox_retry_schedule=(0.01, 0.01))  # three attempts
    async with in_process_client(app_for(short, InMemoryEventBus())) as client:
        api = Api(client)
        await open_all_day(api)
        enterprise = await api.enterprise(key_scope="manager")
        endpoint = await _endpoint(enterprise, receiver.url, "booking.created")
        await enterprise.book(this_hour(1))
        await receiver.wait_for(lambda: len(receiver.requests) >= 3)
        path = f"/api/v1/webhooks/endpoints/{endpoint['id']}"

        async def read_endpoint() -> dict[str, Any]:
            return dict((await client.get(path, headers=enterprise.headers)).json())

        state = await _until(read_endpoint, lambda state: not state["enabled"])
        assert "failed 3 times" in state["disabled_reason"]
        log = (await client.get(f"{path}/deliveries", headers=enterprise.headers)).json()
    assert [(d["status"], len(d["attempts"])) for d in log] == [("failed", 3)]
    assert [a["status_code"] for a in log[0]["attempts"]] == [500] * 3
    assert len(receiver.requests) == 3
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    told = (
        await uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.name == "webhook.endpoint_disabled")
        )
    ).all()
    assert [(row.enterprise_id, row.payload["endpoint_id"]) for row in told] == [
        (enterprise.id, endpoint["id"])
    ]
    assert json.dumps(told[0].payload).find(receiver.url) == -1  # no URL in the event


async def test_an_answer_whose_body_never_ends_is_judged_by_its_status_alone(
    api: Api, settings: Settings
):
    # A receiver that answers 200 at once and then streams a body without end: the status
    # decides the attempt, the body is never read (a huge one would fill the memory, an
    # endless one would hold the attempt until its timeout and count a delivered webhook
    # as failed).
    answered = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        try:
            while not writer.is_closing():
                writer.write(b"10000\r\n" + b"x" * 0x10000 + b"\r\n")
                await writer.drain()
                answered.set()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        enterprise = await api.enterprise(key_scope="manager")
        endpoint = await _endpoint(enterprise, f"http://127.0.0.1:{port}/", "booking.created")
        engine = create_engine(settings)
        factory = create_session_factory(engine, read_only=True)
        sender = WebhookSender(lambda: UnitOfWork(factory, InMemoryEventBus()), allow_private=True)
        delivery = Delivery(id="msg_" + "0" * 32, endpoint_id=endpoint["id"], payload={"a": 1})
        try:
            outcome = await sender.send(delivery)
        finally:
            await engine.dispose()
    finally:
        server.close()
    assert answered.is_set()
    assert outcome == Outcome.delivered(200)
