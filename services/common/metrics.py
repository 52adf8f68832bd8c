"""``/metrics`` in every process: Prometheus text exposition of the outbox (docs/
architecture.md, "The outbox", "Operators see it"), outside the OpenAPI document.

Figures read from the database (the outbox's depth) cost one statement per scrape
(``gate/outbox/depth.py``), whatever the number of series; the counters are this process's
dispatcher's (``OutboxDispatcher.tally``): each process counts what it did and Prometheus
adds the processes up. The process's own figures (CPU, memory, open files, garbage
collector) come from prometheus-client's standard collectors.

Who may scrape: with GATE_METRICS_TOKEN, whoever sends it as a bearer token (401 without
it); without, only clients on loopback or private addresses (403 for others), since the
figures tell an outsider how busy the platform is. The client's address is uvicorn's: the
peer's, or the one a trusted proxy names (``FORWARDED_ALLOW_IPS``)."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from gate.addresses import is_internal
from gate.domain.errors import Forbidden, Unauthorised
from gate.domain.time import utc_now
from gate.metrics import multiprocess_dir
from gate.outbox.depth import Depth, outbox_depth
from gate.outbox.tally import Tally
from gate.yard.lengths import waiting_by_gate
from services.platform import Platform


class OutboxCollector:
    """A prometheus-client collector of one scrape: the outbox's ``depth`` read at ``now``
    and the process's dispatcher's ``tally`` (None: no dispatcher in this process)."""

    def __init__(self, depth: Depth, tally: Tally | None, now: datetime) -> None:
        self.depth = depth
        self.tally = tally
        self.now = now

    def collect(self) -> Iterator[Metric]:
        depth = self.depth
        yield GaugeMetricFamily(
            "gate_outbox_events_unexpanded",
            "Outbox events not yet expanded into deliveries",
            value=depth.unexpanded,
        )
        yield GaugeMetricFamily(
            "gate_outbox_events_failing",
            "Unexpanded outbox events whose expansion failed at least once",
            value=depth.failing,
        )
        pending = GaugeMetricFamily(
            "gate_outbox_deliveries_pending",
            "Deliveries still to make, by channel",
            labels=["channel"],
        )
        oldest = GaugeMetricFamily(
            "gate_outbox_oldest_due_seconds",
            "How long the longest-waiting due delivery has been due, by channel (0: none due)",
            labels=["channel"],
        )
        for channel, count in sorted(depth.pending.items()):
            pending.add_metric([channel], count)
            due = depth.oldest_due.get(channel)
            oldest.add_metric([channel], max(0.0, (self.now - due).total_seconds()) if due else 0)
        yield pending
        yield oldest
        yield GaugeMetricFamily(
            "gate_webhook_endpoints_disabled",
            "Webhook endpoints disabled (a delivery given up, or by their owner)",
            value=depth.disabled_endpoints,
        )
        attempts = CounterMetricFamily(
            "gate_outbox_deliveries",
            "Delivery attempts made by this process, by channel and result "
            "(delivered; retried: failed, to be tried again; failed: given up)",
            labels=["channel", "result"],
        )
        set_aside = CounterMetricFamily(
            "gate_outbox_events_set_aside",
            "Outbox events this process set aside after repeated failed expansions",
        )
        if self.tally is not None:
            for (channel, result), count in sorted(self.tally.attempts.items()):
                attempts.add_metric([channel, result], count)
            set_aside.add_metric([], self.tally.events_set_aside)
        else:
            set_aside.add_metric([], 0)
        yield attempts
        yield set_aside


def queue_lengths(lengths: dict[tuple[str, str], int]) -> Metric:
    """``gate_queue_length``: vehicles waiting in the yard, by gate code and direction."""
    family = GaugeMetricFamily(
        "gate_queue_length",
        "Vehicles waiting in the yard, by gate (code) and direction",
        labels=["gate", "direction"],
    )
    for (gate, direction), waiting in lengths.items():
        family.add_metric([gate, direction], waiting)
    return family


class _Read:
    """Metric families read before the exposition, as one collector."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


def counted() -> Any:
    """The figures counted as things happen: every worker's (added up from the multiprocess
    mode's files) when this process runs in that mode, else this process's default registry
    (its series and the standard process collectors)."""
    path = multiprocess_dir()
    if path is None:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path)  # type: ignore[no-untyped-call]
    return registry


class _Together:
    """Several collectors as one, for one exposition."""

    def __init__(self, *collectors: Any) -> None:
        self.collectors = collectors

    def collect(self) -> Iterable[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def check_scraper(request: Request[Any, Any, Any], token: str | None) -> None:
    """Let the scrape in, or raise: Unauthorised when ``token`` is set and the request does
    not carry it as a bearer token; Forbidden when no token is set and the client's
    address is not loopback or private."""
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            raise Unauthorised("the metrics need the bearer token of GATE_METRICS_TOKEN")
        return
    client = request.client
    if not is_internal(client.host if client else None):
        raise Forbidden("the metrics are served to loopback and private addresses only")


@get("/metrics", include_in_schema=False)
async def metrics(
    request: Request[Any, Any, Any], platform: NamedDependency[Platform]
) -> Response[bytes]:
    """The Prometheus text exposition (module docstring)."""
    check_scraper(request, platform.settings.metrics_token)
    now = utc_now()
    async with platform.unit_of_work(read_only=True) as uow:
        depth = await outbox_depth(uow.session, now)
        lengths = await waiting_by_gate(uow.session)
    registered = [family for read in platform.scrape_readers for family in await read()]
    tally = platform.outbox.tally if platform.outbox is not None else None
    body = generate_latest(
        _Together(
            OutboxCollector(depth, tally, now),
            _Read([queue_lengths(lengths), *registered]),
            counted(),
        )
    )
    return Response(body, media_type=CONTENT_TYPE_LATEST)
