"""Acceptance (issue 15): a failing endpoint is disabled after the documented attempts (one
and a retry per step of GATE_OUTBOX_RETRY_SCHEDULE, short here) and its enterprise's managers
are e-mailed through a real SMTP server (aiosmtpd on 127.0.0.1) naming the endpoint's URL;
the portal's webhooks page shows it disabled by the platform with the reason. On both
databases, through the platform's own dispatcher loop."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.store.tables import Delivery
from gate.store.unit_of_work import UnitOfWork
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.helpers import Api, browser, open_all_day, this_hour
from tests.message_receivers import smtp_server
from tests.portal_people import portal_user
from tests.receiver import Receiver

SCHEDULE = (0.01, 0.01)  # the first attempt and two retries


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = await Receiver(status=500).start()
    yield receiver
    await receiver.close()


async def test_a_failing_endpoint_is_disabled_and_its_managers_emailed_and_the_portal_says_so(
    settings: Settings, bus: InMemoryEventBus, receiver: Receiver, uow: UnitOfWork
):
    async with smtp_server() as (smtp_port, mails):
        told = replace(
            settings,
            outbox=True,
            outbox_poll_s=0.05,
            outbox_retry_schedule=SCHEDULE,
            webhook_allow_private=True,
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            smtp_from="Cửa khẩu số <gate@example.vn>",
            smtp_security="none",
        )
        async with in_process_client(app_for(told, bus)) as client:
            api = Api(client)
            await open_all_day(api)
            enterprise = await api.enterprise()
            await portal_user(api, enterprise, "clerk")  # not a manager: not told
            manager, token = await portal_user(api, enterprise, "manager")
            csrf = await browser(api, token)
            form = {"url": receiver.url, "event_types": ["booking.created"]}
            added = await client.post("/portal/webhooks", data=form, headers=csrf)
            assert added.status_code == 200, added.text
            found = re.search(r'href="/portal/webhooks/([^"/]+)">', added.text)
            assert found is not None
            here = f"/portal/webhooks/{found.group(1)}"

            await enterprise.book(this_hour(1))
            await mails.wait_for(lambda got: len(got) >= 1)
            assert len(receiver.requests) == 1 + len(SCHEDULE)  # then no more: disabled
            page = (await client.get(here)).text
            listed = (await client.get("/portal/webhooks")).text

    [(recipients, mail)] = mails.items
    assert recipients == [manager]
    assert mail["Subject"] == "Webhook bị tắt"  # a user's language by default: Vietnamese
    assert receiver.url in mail.get_content()
    # Why, in the manager's language, and how to turn it on again.
    assert (
        "một webhook gửi thất bại cả 3 lần thử (lần cuối: trả lời HTTP 500)" in mail.get_content()
    )
    assert f"PATCH /api/v1/webhooks/endpoints/{found.group(1)}" in mail.get_content()
    for shown in (page, listed):
        assert 'data-state="disabled-by-platform"' in shown
        assert "Nền tảng đã tắt điểm nhận này" in shown
        assert "một lần gửi thất bại 3 lần; lần cuối: máy nhận trả lời lỗi" in shown
    assert 'data-status="failed"' in page and page.count("trả lời 500") == 3
    emails = (await uow.session.scalars(select(Delivery).where(Delivery.channel == "email"))).all()
    assert [d.status for d in emails] == ["delivered"]  # the managers only, once
