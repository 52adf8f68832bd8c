"""``/metrics`` (services/common/metrics.py): the outbox's depth and the deliveries attempted
in Prometheus text, moving as events are outboxed, expanded, delivered, retried
and given up, and endpoints disabled; served to loopback and private addresses only, or to
the bearer of GATE_METRICS_TOKEN; in every part of the app and not in the OpenAPI document."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.time import utc_now
from gate.outbox.protocols import Outcome
from gate.store.tables import Delivery, WebhookEndpoint
from gate.store.tables.base import table_of
from services.app import assemble_app, build_platform
from services.platform import Platform
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.helpers import Api
from tests.outbox import CHANNEL, EveryEvent, Recorder, record_bookings

PUBLIC = ("93.184.216.34", 40000)  # not loopback, not private


def _figures(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def _scrape(http: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = await http.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return _figures(answer.text)


def _test(name: str, **labels: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return name, tuple(sorted(labels.items()))


async def test_the_figures_move_as_events_are_outboxed_delivered_retried_and_given_up(
    settings: Settings, bus: InMemoryEventBus
):
    def answer(delivery: Delivery, attempt: int) -> Outcome | None:
        if delivery.ordering_key == "refused":
            return Outcome.permanent(410, "gone")
        if delivery.ordering_key == "later":
            return Outcome.retry(503, "503")
        return None

    app = app_for(replace(settings, outbox_retry_schedule=(3600,)), bus)
    platform: Platform = app.state.platform
    assert platform.outbox is not None
    sender = Recorder(answer)
    platform.outbox.expanders[:] = [EveryEvent()]
    platform.outbox.senders.clear()
    platform.outbox.senders[CHANNEL] = sender
    async with in_process_client(app) as http:
        before = await _scrape(http)
        assert before[_test("gate_outbox_events_unexpanded")] == 0
        assert not any(name == "gate_outbox_deliveries_pending" for name, _ in before)

        await record_bookings(platform.unit_of_work, ["sent", "refused", "later"], per_booking=1)
        outboxed = await _scrape(http)
        assert outboxed[_test("gate_outbox_events_unexpanded")] == 3

        now = utc_now()
        await platform.outbox.expand_once(now)
        expanded = await _scrape(http)
        assert expanded[_test("gate_outbox_events_unexpanded")] == 0
        assert expanded[_test("gate_outbox_deliveries_pending", channel=CHANNEL)] == 3
        assert expanded[_test("gate_outbox_oldest_due_seconds", channel=CHANNEL)] >= 0

        await platform.outbox.deliver_once(now)
        after = await _scrape(http)
    assert after[_test("gate_outbox_deliveries_pending", channel=CHANNEL)] == 1
    # The one left is due in the future (the schedule's hour): none is overdue.
    assert after[_test("gate_outbox_oldest_due_seconds", channel=CHANNEL)] == 0
    # The attempts are counted as made, across the process's platforms (and, with several
    # workers, across the workers): what this test's round added.
    for result in ("delivered", "retried", "failed"):
        key = _test("gate_outbox_deliveries_total", channel=CHANNEL, result=result)
        assert after[key] - before.get(key, 0) == 1, result
    set_aside = _test("gate_outbox_events_set_aside_total")
    assert after[set_aside] - before[set_aside] == 0


async def test_the_oldest_due_delivery_s_age_and_the_disabled_endpoints_are_shown(
    api: Api, settings: Settings, bus: InMemoryEventBus
):
    enterprise = await api.enterprise()
    platform: Platform = api.client._transport.app.state.platform  # type: ignore[attr-defined]
    await record_bookings(platform.unit_of_work, ["waiting"], per_booking=1)
    async with platform.unit_of_work() as uow:
        await uow.session.execute(
            insert(table_of(WebhookEndpoint)),
            [
                {
                    "id": f"endpoint-{n}",
                    "enterprise_id": enterprise.id,
                    "url": f"https://erp-{n}.example.vn/hooks",
                    "event_types": ["booking.created"],
                    "enabled": n == 0,
                    "secret": "whsec_" + "A" * 43,
                    "created_at": utc_now(),
                    "updated_at": utc_now(),
                }
                for n in range(3)
            ],
        )
        await uow.commit()
    assert platform.outbox is not None
    platform.outbox.expanders[:] = [EveryEvent()]
    # Expanded ten minutes ago, not attempted since: due for ten minutes.
    await platform.outbox.expand_once(utc_now() - timedelta(minutes=10))
    figures = await _scrape(api.client)
    assert figures[_test("gate_webhook_endpoints_disabled")] == 2
    assert 600 <= figures[_test("gate_outbox_oldest_due_seconds", channel=CHANNEL)] < 3600


async def test_a_public_address_is_refused_without_a_token(settings: Settings):
    platform = build_platform(settings)
    app = assemble_app(platform, ["checkin"])
    try:
        transport = httpx.ASGITransport(app=app, client=PUBLIC)
        async with httpx.AsyncClient(transport=transport, base_url="http://gate") as http:
            refused = await http.get("/metrics")
        loopback = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=loopback, base_url="http://gate") as http:
            allowed = await http.get("/metrics")
    finally:
        await platform.engine.dispose()
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "gate_outbox" not in refused.text
    # A check-in process serves them too.
    assert allowed.status_code == 200 and "gate_outbox_events_unexpanded" in allowed.text


@pytest.mark.parametrize(
    ("client", "header", "status"),
    [
        (PUBLIC, "Bearer the-scrapers-token", 200),
        (PUBLIC, None, 401),
        (PUBLIC, "Bearer a-wrong-token", 401),
        (PUBLIC, "Basic the-scrapers-token", 401),
        (("127.0.0.1", 40000), None, 401),  # with a token, loopback needs it too
    ],
)
async def test_with_a_token_only_its_bearer_may_scrape(
    settings: Settings, client: tuple[str, int], header: str | None, status: int
):
    platform = build_platform(replace(settings, metrics_token="the-scrapers-token"))
    app = assemble_app(platform, ["api"])
    headers = {"Authorization": header} if header else {}
    try:
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://gate") as http:
            answer = await http.get("/metrics", headers=headers)
            schema = await http.get("/schema/openapi.json")
    finally:
        await platform.engine.dispose()
    assert answer.status_code == status, answer.text
    assert "/metrics" not in schema.json()["paths"]
