"""The series of gate/metrics.py in one process, moving with what they count: requests by
route template (a request for no route too, and never a raw path), check-ins counted once
committed (a replay is not a second check-in), bookings by outcome, the pool's checkouts,
a failed publish to Redis, and a figure another part registers for the scrape. Across worker
processes: tests/e2e/test_metrics_workers.py."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families

from gate.bus.events import RedisEventBus, append_ms
from gate.domain.events import AccessChange, AccessChanged
from services.platform import Platform
from tests.helpers import Api, device, open_all_day, read, tomorrow_at

Figures = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def _scrape(http: httpx.AsyncClient) -> Figures:
    answer = await http.get("/metrics")
    assert answer.status_code == 200, answer.text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def _at(figures: Figures, name: str, **labels: str) -> float:
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


def _platform(api: Api) -> Platform:
    return api.client._transport.app.state.platform  # type: ignore[attr-defined,no-any-return]


async def test_requests_are_counted_by_route_template_and_unmatched_ones_too(api: Api):
    before = await _scrape(api.client)
    assert (await api.client.get("/api/v1/gates/tan-thanh")).status_code == 200
    assert (await api.client.get("/api/v1/gates/no-such-gate")).status_code == 404
    assert (await api.client.get("/no/such/route/29H12345")).status_code == 404
    after = await _scrape(api.client)

    def moved(name: str, **labels: str) -> float:
        return _at(after, name, **labels) - _at(before, name, **labels)

    route = "/api/v1/gates/{code}"
    assert moved("gate_http_requests_total", method="GET", route=route, status="200") == 1
    assert moved("gate_http_requests_total", method="GET", route=route, status="404") == 1
    assert moved("gate_http_request_duration_seconds_count", method="GET", route=route) == 2
    assert moved("gate_http_requests_total", method="GET", route="unmatched", status="404") == 1
    routes = {dict(labels).get("route", "") for _, labels in after}
    assert not any("tan-thanh" in r or "29H" in r or "no-such" in r for r in routes), routes


async def test_a_check_in_is_counted_once_committed_and_not_again_when_replayed(api: Api):
    await open_all_day(api)
    camera = await device(api)
    before = await _scrape(api.client)
    event = read("29H54321")
    for _ in range(2):  # the second is a replay of the first answer
        answer = await api.client.post(
            "/api/v1/gates/tan-thanh/checkins", json=event, headers=camera
        )
        assert answer.status_code == 200, answer.text
    after = await _scrape(api.client)
    assert answer.headers.get("idempotent-replayed") == "true"
    walk_ins = ("gate_checkins_total", "walk_in")
    assert (
        _at(after, walk_ins[0], outcome=walk_ins[1]) - _at(before, walk_ins[0], outcome=walk_ins[1])
        == 1
    )
    # Two transactions committed, one event each (the replay's claims nothing new).
    batches = _at(after, "gate_checkin_batch_size_count") - _at(
        before, "gate_checkin_batch_size_count"
    )
    assert batches == 2
    assert _at(after, "gate_queue_length", gate="tan-thanh", direction="export") == 1
    assert _at(after, "gate_queue_length", gate="tan-thanh", direction="import") == 0


async def test_bookings_are_counted_by_outcome(api: Api):
    slot = tomorrow_at(11)
    await api.set_capacity(slot, 1)
    enterprise = await api.enterprise()
    bodies = [
        enterprise.booking_body(await enterprise.vehicle(), await enterprise.driver(), slot)
        for _ in range(2)
    ]
    before = await _scrape(api.client)
    keyed = {**enterprise.headers, "Idempotency-Key": "metrics-first-booking"}
    first = await api.client.post("/api/v1/bookings", json=bodies[0], headers=keyed)
    again = await api.client.post("/api/v1/bookings", json=bodies[0], headers=keyed)
    full = await api.client.post("/api/v1/bookings", json=bodies[1], headers=enterprise.headers)
    after = await _scrape(api.client)
    assert (first.status_code, again.status_code, full.status_code) == (201, 201, 409)

    def moved(outcome: str) -> float:
        return _at(after, "gate_bookings_total", outcome=outcome) - _at(
            before, "gate_bookings_total", outcome=outcome
        )

    assert (moved("booked"), moved("replayed"), moved("slot-full")) == (1, 1, 1)


async def test_the_pool_s_checkouts_are_timed_and_returned(api: Api):
    before = await _scrape(api.client)
    assert (await api.client.get("/api/v1/gates")).status_code == 200
    after = await _scrape(api.client)
    waits = "gate_db_pool_wait_seconds_count"
    assert _at(after, waits, pool="primary") > _at(before, waits, pool="primary")
    # Every connection the requests took is back (the scrape's own is back once answered).
    in_use = "gate_db_pool_connections_in_use"
    assert _at(after, in_use, pool="primary") == _at(before, in_use, pool="primary")
    assert _at(after, "gate_db_pool_connections_limit", pool="primary") == 50


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A port of 127.0.0.1 bound by this test and not listening: connections are refused."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield int(bound.getsockname()[1])


async def test_a_failed_publish_is_counted_with_the_events_it_did_not_carry(
    api: Api, refusing_port: int
):
    bus = RedisEventBus(f"redis://127.0.0.1:{refusing_port}/0", publish_timeout_s=1)
    before = await _scrape(api.client)
    events = [AccessChanged(kind=AccessChange.API_KEY_REVOKED, subject_id=f"k{n}") for n in (1, 2)]
    try:
        await bus.publish(events)
    finally:
        await bus.close()
    after = await _scrape(api.client)
    failures = "gate_bus_publish_failures_total"
    assert _at(after, failures) - _at(before, failures) == 1
    lost = "gate_bus_events_unpublished_total"
    assert _at(after, lost) - _at(before, lost) == 2


async def test_what_is_counted_after_commit_is_dropped_on_rollback(api: Api):
    platform = _platform(api)
    counted: list[str] = []
    async with platform.unit_of_work() as uow:
        uow.after_commit(lambda: counted.append("rolled back"))
        await uow.rollback()
        uow.after_commit(lambda: counted.append("committed"))
        with contextlib.suppress(RuntimeError):
            async with uow.savepoint():
                uow.after_commit(lambda: counted.append("in a failed savepoint"))
                raise RuntimeError("the savepoint fails")
        await uow.commit()
    async with platform.unit_of_work() as uow:
        uow.after_commit(lambda: counted.append("never committed"))
    assert counted == ["committed"]


def test_a_stream_entry_s_id_names_the_millisecond_of_its_append():
    assert append_ms(b"1764489600123-0") == 1764489600123
    assert append_ms("1764489600123-7") == 1764489600123


async def test_another_part_s_figure_is_read_at_each_scrape(api: Api):
    lag = [0.0]

    async def replica_lag() -> list[Metric]:
        lag[0] += 1.5
        return [GaugeMetricFamily("gate_replica_lag_seconds", "How far behind", value=lag[0])]

    _platform(api).scrape_readers.append(replica_lag)
    assert _at(await _scrape(api.client), "gate_replica_lag_seconds") == 1.5
    assert _at(await _scrape(api.client), "gate_replica_lag_seconds") == 3.0
