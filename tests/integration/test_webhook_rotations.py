"""A secret rotated twice within its grace (gate/webhooks/endpoints.py, on both databases):
a receiver still on the first secret verifies the webhooks until the first one's own grace
ends, as do receivers on the second and the new one; the endpoint shows the latest grace's
end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from standardwebhooks import Webhook

from gate.config import Settings
from gate.domain.time import utc_now
from gate.domain.webhooks import ROTATION_GRACE
from tests.helpers import Api, open_all_day, this_hour
from tests.receiver import Receiver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The dispatcher on with a short poll; the receiver is local.
    return replace(settings, outbox=True, outbox_poll_s=0.05, webhook_allow_private=True)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = await Receiver().start()
    yield receiver
    await receiver.close()


async def test_every_secret_rotated_out_within_its_grace_still_signs(api: Api, receiver: Receiver):
    await open_all_day(api)
    enterprise = await api.enterprise(key_scope="manager")
    made = await api.client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": receiver.url, "event_types": ["booking.created"]},
        headers=enterprise.headers,
    )
    assert made.status_code == 201, made.text
    secrets = [made.json()["secret"]]
    path = f"/api/v1/webhooks/endpoints/{made.json()['id']}"
    for _ in range(2):
        rotated = await api.client.post(f"{path}/rotate-secret", headers=enterprise.headers)
        assert rotated.status_code == 200, rotated.text
        secrets.append(rotated.json()["secret"])
    # The latest grace's end: about a day after the second rotation.
    until = datetime.fromisoformat(rotated.json()["previous_secret_until"])
    assert utc_now() + ROTATION_GRACE - timedelta(minutes=5) < until <= utc_now() + ROTATION_GRACE

    await enterprise.book(this_hour(1))
    await receiver.wait_for(lambda: len(receiver.delivered()) == 1)
    request = receiver.delivered()[0]
    assert len(request.headers["webhook-signature"].split()) == 3
    for secret in secrets:  # the first one too: its grace has not ended
        Webhook(secret).verify(request.body.decode(), request.headers)
