"""The console's outbox panel (services/web/console_outbox.py): for the console's gate, the
deliveries waiting, the longest wait of a due one, those given up in the last 24 hours and
the disabled webhook receivers its events were going to; counts only, in the officer's
language, and nothing of another gate."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy import insert, select

from gate.domain.time import utc_now
from gate.store.tables import Delivery, Gate, OutboxEvent, WebhookEndpoint
from gate.store.tables.base import table_of
from services.common.session import SESSION_COOKIE
from services.platform import Platform
from tests.helpers import Api, officer

CONSOLE = "/console/tan-thanh?direction=export"
URL = "https://erp.cong-ty-bi-mat.example.vn/hooks"
_ids = count(1)


def _panel(html: str) -> dict[str, str]:
    start = html.index('id="outbox-panel"')
    part = html[start : html.index("</section>", start)]
    return dict(re.findall(r'data-outbox="([^"]+)">([^<]*)<', part))


async def _event(platform: Platform, gate_id: str) -> int:
    n = next(_ids)
    async with platform.unit_of_work() as uow:
        seq = await uow.session.scalar(
            insert(table_of(OutboxEvent))
            .values(
                event_id=f"event-{n}",
                name="booking.created",
                occurred_at=utc_now(),
                gate_id=gate_id,
                booking_id=f"booking-{n}",
                payload={},
                expanded_at=utc_now(),
            )
            .returning(table_of(OutboxEvent).c.seq)
        )
        await uow.commit()
    assert seq is not None
    return int(seq)


async def _delivery(
    platform: Platform, seq: int, status: str, due: datetime, endpoint: str | None = None
) -> None:
    row: dict[str, Any] = {
        "id": f"msg_{next(_ids):032x}",
        "event_seq": seq,
        "channel": "webhook" if endpoint else "sms",
        "endpoint_id": endpoint,
        "recipient_kind": None if endpoint else "driver",
        "recipient_id": None if endpoint else "driver-1",
        "ordering_key": f"key-{seq}",
        "payload": {"to": "+84912345678", "text": "Xe 51C-123.45"},
        "status": status,
        "attempts": 0 if status == "pending" else 8,
        "next_attempt_at": due,
        "created_at": due,
    }
    async with platform.unit_of_work() as uow:
        await uow.session.execute(insert(table_of(Delivery)).values(row))
        await uow.commit()


async def _endpoint(platform: Platform, enterprise_id: str, enabled: bool) -> str:
    endpoint_id = f"endpoint-{next(_ids)}"
    async with platform.unit_of_work() as uow:
        await uow.session.execute(
            insert(table_of(WebhookEndpoint)).values(
                id=endpoint_id,
                enterprise_id=enterprise_id,
                url=URL,
                event_types=["booking.created"],
                enabled=enabled,
                secret="whsec_" + "A" * 43,
                created_at=utc_now(),
                updated_at=utc_now(),
            )
        )
        await uow.commit()
    return endpoint_id


async def test_the_console_shows_its_gate_s_outbox_in_counts_only(api: Api):
    platform: Platform = api.client._transport.app.state.platform  # type: ignore[attr-defined]
    async with platform.unit_of_work(read_only=True) as uow:
        gates = {g.code: g.id for g in (await uow.session.scalars(select(Gate))).all()}
    here = gates["tan-thanh"]
    elsewhere = next(gate_id for code, gate_id in gates.items() if code != "tan-thanh")
    enterprise = await api.enterprise(name="Công ty Bí Mật")
    now = utc_now()

    token = (await officer(api, "gate_operator"))["Authorization"].removeprefix("Bearer ")
    api.client.cookies.set(SESSION_COOKIE, token)
    empty = await api.client.get(CONSOLE)
    assert empty.status_code == 200, empty.text
    assert _panel(empty.text) == {
        "waiting": "0",
        "oldest": "—",
        "failed": "0",
        "endpoints-disabled": "0",
    }

    ours, theirs = await _event(platform, here), await _event(platform, elsewhere)
    await _delivery(platform, ours, "pending", now - timedelta(minutes=42))
    await _delivery(platform, ours, "pending", now - timedelta(minutes=5))
    await _delivery(platform, ours, "pending", now + timedelta(hours=1))  # not due yet
    await _delivery(platform, ours, "failed", now - timedelta(hours=3))
    await _delivery(platform, ours, "failed", now - timedelta(days=2))  # too long ago
    await _delivery(platform, ours, "delivered", now - timedelta(minutes=1))
    disabled = await _endpoint(platform, enterprise.id, enabled=False)
    await _delivery(platform, ours, "cancelled", now, endpoint=disabled)
    await _delivery(platform, ours, "delivered", now, endpoint=disabled)  # counted once
    enabled = await _endpoint(platform, enterprise.id, enabled=True)
    await _delivery(platform, ours, "delivered", now, endpoint=enabled)
    # Another gate's: none of it counts here.
    await _delivery(platform, theirs, "pending", now - timedelta(hours=5))
    await _delivery(platform, theirs, "failed", now - timedelta(hours=1))
    other_disabled = await _endpoint(platform, enterprise.id, enabled=False)
    await _delivery(platform, theirs, "cancelled", now, endpoint=other_disabled)

    page = await api.client.get(CONSOLE, headers={"Accept-Language": "en"})
    assert page.status_code == 200, page.text
    assert _panel(page.text) == {
        "waiting": "3",
        "oldest": "42",
        "failed": "1",
        "endpoints-disabled": "1",
    }
    assert "Messages going out" in page.text
    # Counts only: no receiver's URL, no enterprise, no address or text.
    for private in (URL, "erp.cong-ty-bi-mat", "Công ty Bí Mật", "+84912345678", "51C-123.45"):
        assert private not in page.text

    for language, title in (("vi", "Tin gửi đi"), ("zh", "外发消息")):
        worded = await api.client.get(CONSOLE, headers={"Accept-Language": language})
        assert title in worded.text

    # The live refresh redraws only the yard: no panel, and no query for it.
    partial = await api.client.get(CONSOLE + "&partial=1")
    assert partial.status_code == 200 and 'id="outbox-panel"' not in partial.text
