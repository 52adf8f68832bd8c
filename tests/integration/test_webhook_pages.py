"""The portal's webhooks page (services/web/webhooks.py), on both databases: a manager adds an
endpoint and sees its secret once, the list never shows it; a booking reaches a real local
receiver signed with it; the secret is rotated (the old one's grace said), a webhook sent
again under its id, the endpoint disabled, enabled and deleted after a confirmation. A
refused URL comes back to the form with the reason in the page's language. Another
enterprise's endpoint is never reachable (404); a clerk is refused (403)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
from standardwebhooks import Webhook

from gate.config import Settings
from tests.helpers import Api, Enterprise, browser, open_all_day, this_hour
from tests.portal_people import portal_user
from tests.receiver import Receiver

HTML = {"accept": "text/html"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The dispatcher on with a short poll; the receiver is local (private addresses allowed).
    return replace(settings, outbox=True, outbox_poll_s=0.05, webhook_allow_private=True)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = await Receiver().start()
    yield receiver
    await receiver.close()


def _secret(html: str) -> str:
    found = re.search(r'<code id="secret">(whsec_[^<]+)</code>', html)
    assert found is not None, html
    return found.group(1)


def _endpoint_id(html: str) -> str:
    found = re.search(r'href="/portal/webhooks/([^"/]+)">', html)
    assert found is not None, html
    return found.group(1)


async def _until(read: Callable[[], Awaitable[str]], done: Callable[[str], bool]) -> str:
    """``read()`` again until ``done`` says so (a condition, within 60 s); its last value."""
    async with asyncio.timeout(60):
        while not done(value := await read()):
            await asyncio.sleep(0.02)
    return value


async def _manager(api: Api, enterprise: Enterprise) -> dict[str, str]:
    _, token = await portal_user(api, enterprise, "manager")
    return await browser(api, token)


async def test_a_manager_adds_an_endpoint_sees_its_secret_once_and_runs_it(
    api: Api, receiver: Receiver
):
    await open_all_day(api)
    enterprise = await api.enterprise()
    csrf = await _manager(api, enterprise)
    listed = await api.client.get("/portal/webhooks")
    assert listed.status_code == 200
    assert 'href="/portal/webhooks"' in listed.text  # the portal's navigation leads here
    assert "Đặt chỗ mới" in listed.text  # the events in words (Vietnamese: no language chosen)

    form = {"url": receiver.url, "event_types": ["booking.created"], "description": "ERP"}
    added = await api.client.post("/portal/webhooks", data=form, headers=csrf)
    assert added.status_code == 200, added.text
    secret = _secret(added.text)
    endpoint_id = _endpoint_id(added.text)
    assert "Standard Webhooks" in added.text  # how to verify the signatures
    listed = await api.client.get("/portal/webhooks")
    assert receiver.url in listed.text and secret not in listed.text
    assert "Đang bật" in listed.text

    booking = (await enterprise.book(this_hour(1))).json()
    await receiver.wait_for(lambda: len(receiver.delivered()) == 1)
    first = receiver.requests[0]
    webhook = Webhook(secret).verify(first.body.decode(), first.headers)
    assert webhook["data"]["booking_id"] == booking["id"]
    here = f"/portal/webhooks/{endpoint_id}"

    async def read_page() -> str:
        return (await api.client.get(here)).text

    shown = await _until(read_page, lambda html: 'data-status="delivered"' in html)
    assert first.headers["webhook-id"] in shown and "đã gửi" in shown
    assert "trả lời 200" in shown and secret not in shown

    rotated = await api.client.post(f"{here}/rotate", headers=csrf)
    assert rotated.status_code == 200, rotated.text
    new_secret = _secret(rotated.text)
    assert new_secret != secret
    assert 'id="grace"' in rotated.text  # until when the old secret still signs
    assert new_secret not in (await api.client.get(here)).text

    again = await api.client.post(
        f"/portal/webhooks/deliveries/{first.headers['webhook-id']}/send-again", headers=csrf
    )
    assert again.status_code == 303 and again.headers["location"].startswith(here)
    await receiver.wait_for(lambda: len(receiver.delivered()) == 2)
    second = receiver.requests[1]
    assert second.headers["webhook-id"] == first.headers["webhook-id"]
    for key in (secret, new_secret):  # both sign while the old one's grace lasts
        Webhook(key).verify(second.body.decode(), second.headers)

    disabled = await api.client.post(f"{here}/enabled", data={"enabled": "off"}, headers=csrf)
    assert disabled.status_code == 303
    page = (await api.client.get(here)).text
    assert 'data-state="disabled"' in page and "do doanh nghiệp tắt" in page
    assert "send-again" not in page  # nothing is sent to a disabled endpoint
    enabled = await api.client.post(f"{here}/enabled", data={"enabled": "on"}, headers=csrf)
    assert enabled.status_code == 303
    assert 'data-state="enabled"' in (await api.client.get(here)).text

    confirm = await api.client.get(f"{here}/delete")
    assert confirm.status_code == 200 and 'id="delete-form"' in confirm.text
    deleted = await api.client.post(f"{here}/delete", headers=csrf)
    assert deleted.status_code == 303
    assert receiver.url not in (await api.client.get("/portal/webhooks")).text
    assert (await api.client.get(here)).status_code == 404


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("vi", "Cần một địa chỉ https:// có tên máy chủ"),
        ("en", "An https:// address with a host is needed"),
        ("zh", "需要带主机名的 HTTPS 地址"),
    ],
)
async def test_a_refused_url_comes_back_to_the_form_with_the_reason_in_the_pages_language(
    api: Api, language: str, reason: str
):
    enterprise = await api.enterprise()
    csrf = await _manager(api, enterprise)
    api.client.cookies.set("gate_lang", language)
    form = {"url": "ftp://erp.example.vn/hooks", "event_types": ["truck.called"]}
    refused = await api.client.post("/portal/webhooks", data=form, headers=csrf)
    assert refused.status_code == 422
    assert reason in refused.text
    assert 'value="ftp://erp.example.vn/hooks"' in refused.text  # the typed value kept
    assert re.search(r'value="truck.called" checked', refused.text)
    assert "whsec_" not in refused.text
    assert 'id="no-endpoints"' in (await api.client.get("/portal/webhooks")).text


async def test_another_enterprises_endpoint_is_never_reachable(api: Api, receiver: Receiver):
    owner = await api.enterprise(key_scope="manager")
    made = await api.client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": receiver.url, "event_types": ["booking.created"]},
        headers=owner.headers,
    )
    assert made.status_code == 201, made.text
    endpoint = made.json()
    csrf = await _manager(api, await api.enterprise())
    here = f"/portal/webhooks/{endpoint['id']}"
    assert receiver.url not in (await api.client.get("/portal/webhooks")).text
    for method, path, form in [
        ("GET", here, None),
        ("GET", f"{here}/delete", None),
        ("POST", f"{here}/rotate", {}),
        ("POST", f"{here}/enabled", {"enabled": "off"}),
        ("POST", f"{here}/delete", {}),
    ]:
        answer = await api.client.request(method, path, data=form, headers={**csrf, **HTML})
        assert answer.status_code == 404, (method, path)
        assert receiver.url not in answer.text
    after = await api.client.get(
        f"/api/v1/webhooks/endpoints/{endpoint['id']}", headers=owner.headers
    )
    assert after.json()["enabled"] is True and after.json()["previous_secret_until"] is None


async def test_a_clerk_is_refused_the_webhooks_page(api: Api):
    enterprise = await api.enterprise()
    _, token = await portal_user(api, enterprise, "clerk")
    csrf = await browser(api, token)
    assert 'href="/portal/webhooks"' not in (await api.client.get("/portal")).text
    refused = await api.client.get("/portal/webhooks", headers=HTML)
    assert refused.status_code == 403
    assert "Không được phép" in refused.text
    form: dict[str, Any] = {"url": "http://127.0.0.1:9/x", "event_types": ["booking.created"]}
    posted = await api.client.post("/portal/webhooks", data=form, headers={**csrf, **HTML})
    assert posted.status_code == 403
