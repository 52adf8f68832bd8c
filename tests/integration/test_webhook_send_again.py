"""The delivery log's "send again" (gate/webhooks/log.py) on both databases, against a real
receiver: a webhook waiting hours for its next retry is sent at once, and the answer is the
delivery as the log shows it (its attempts kept, no old delivered_at while pending); one
held behind an earlier webhook of the same booking says which (``waiting_for``, in the
answer, the log and the portal's page) and is sent right after that one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from gate.config import Settings
from gate.domain.time import utc_now
from tests.helpers import Api, Enterprise, browser, open_all_day, this_hour
from tests.portal_people import portal_user
from tests.receiver import Receiver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The dispatcher on with a short poll; the receiver is local. A failed attempt waits a
    # retry step of about four months (full jitter: the wait is a uniform part of it), so a
    # webhook that reaches the receiver again within a minute was sent again, not retried.
    return replace(
        settings,
        outbox=True,
        outbox_poll_s=0.05,
        webhook_allow_private=True,
        outbox_retry_schedule=(1e7,),
    )


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = await Receiver(status=503).start()
    yield receiver
    await receiver.close()


async def _until(read: Callable[[], Awaitable[Any]], done: Callable[[Any], bool]) -> Any:
    """``read()`` again until ``done`` says so (a condition, within 60 s); its last value."""
    async with asyncio.timeout(60):
        while not done(value := await read()):
            await asyncio.sleep(0.02)
    return value


async def _endpoint(enterprise: Enterprise, url: str, *types: str) -> str:
    answer = await enterprise.api.client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": url, "event_types": list(types)},
        headers=enterprise.headers,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _log_reader(
    api: Api, enterprise: Enterprise, endpoint: str
) -> Callable[[], Awaitable[list[dict[str, Any]]]]:
    async def read() -> list[dict[str, Any]]:
        path = f"/api/v1/webhooks/endpoints/{endpoint}/deliveries"
        return list((await api.client.get(path, headers=enterprise.headers)).json())

    return read


async def _send_again(api: Api, enterprise: Enterprise, delivery: str) -> dict[str, Any]:
    answer = await api.client.post(
        f"/api/v1/webhooks/deliveries/{delivery}/send-again", headers=enterprise.headers
    )
    assert answer.status_code == 202, answer.text
    return dict(answer.json())


async def test_a_webhook_waiting_for_its_retry_is_sent_again_at_once(api: Api, receiver: Receiver):
    await open_all_day(api)
    enterprise = await api.enterprise(key_scope="manager")
    endpoint = await _endpoint(enterprise, receiver.url, "booking.created")
    await enterprise.book(this_hour(1))
    read_log = _log_reader(api, enterprise, endpoint)
    log = await _until(read_log, lambda log: log and len(log[0]["attempts"]) == 1)
    assert log[0]["status"] == "pending" and log[0]["waiting_for"] is None

    receiver.status = 200
    before = utc_now()
    again = await _send_again(api, enterprise, log[0]["id"])
    # The answer is the log's view: the attempt kept, due now, never delivered yet.
    assert again["attempts"] == log[0]["attempts"]
    assert again["status"] == "pending" and again["delivered_at"] is None
    assert datetime.fromisoformat(again["next_attempt_at"]) <= max(utc_now(), before)
    await receiver.wait_for(lambda: len(receiver.delivered()) == 1)
    assert receiver.delivered()[0].headers["webhook-id"] == log[0]["id"]

    delivered = await _until(read_log, lambda log: log[0]["status"] == "delivered")
    assert delivered[0]["delivered_at"] is not None
    assert [a["status_code"] for a in delivered[0]["attempts"]] == [503, 200]
    # Sent again once delivered: pending again, without the delivery it is to repeat.
    receiver.status = 503
    repeated = await _send_again(api, enterprise, log[0]["id"])
    assert (repeated["status"], repeated["delivered_at"]) == ("pending", None)
    assert repeated["attempts"] == delivered[0]["attempts"]


async def test_a_webhook_held_behind_an_earlier_one_of_its_booking_says_which(
    api: Api, receiver: Receiver
):
    await open_all_day(api)
    enterprise = await api.enterprise(key_scope="manager")
    types = ("booking.created", "booking.rescheduled")
    endpoint = await _endpoint(enterprise, receiver.url, *types)
    booking = (await enterprise.book(this_hour(1))).json()
    moved = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/reschedule",
        json={"slot_start": this_hour(2).isoformat(), "version": 1},
        headers=enterprise.headers,
    )
    assert moved.status_code == 200, moved.text
    read_log = _log_reader(api, enterprise, endpoint)
    log = await _until(read_log, lambda log: len(log) == 2 and len(log[1]["attempts"]) == 1)
    later, earlier = log  # newest first
    assert (later["type"], earlier["type"]) == types[::-1]
    # Due long ago and never attempted, yet not overdue: it waits for the earlier one.
    assert later["attempts"] == [] and later["waiting_for"] == earlier["id"]
    assert earlier["waiting_for"] is None

    receiver.status = 200
    held = await _send_again(api, enterprise, later["id"])
    assert held["waiting_for"] == earlier["id"] and held["attempts"] == []
    _, token = await portal_user(api, enterprise, "manager")
    csrf = await browser(api, token)
    page = (await api.client.get(f"/portal/webhooks/{endpoint}")).text
    assert f'data-waiting-for="{earlier["id"]}"' in page
    assert "Đang chờ webhook trước đó" in page  # in words (Vietnamese: no language chosen)
    said = await api.client.post(
        f"/portal/webhooks/deliveries/{later['id']}/send-again", headers=csrf
    )
    assert said.status_code == 303 and earlier["id"] in said.headers["location"]

    await _send_again(api, enterprise, earlier["id"])
    await receiver.wait_for(lambda: len(receiver.delivered()) == 2)
    ids = [r.headers["webhook-id"] for r in receiver.delivered()]
    assert ids == [earlier["id"], later["id"]]  # in the booking's order
    done = await _until(read_log, lambda log: {d["status"] for d in log} == {"delivered"})
    assert [d["waiting_for"] for d in done] == [None, None]
