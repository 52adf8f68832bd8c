"""``/metrics`` in every process and part: Prometheus text exposition of the platform (docs/
architecture.md, "Metrics"; "The outbox", "Operators see it"), outside the OpenAPI document.

Three kinds of figures:

* counted as things happen (requests, check-ins, bookings, viewers, the bus, the database
  pools, the outbox dispatchers' attempts: ``gate/metrics.py``). With several workers
  (``gate serve --workers N``) they are kept in prometheus-client's multiprocess mode
  (``PROMETHEUS_MULTIPROC_DIR``) and a scrape of any worker adds up every worker's files:
  the figures of the whole server, not of the worker that answered;
* read from the database at the scrape, platform-wide, in one read transaction: the
  outbox's depth (``gate/outbox/depth.py``) and the yard queues per gate and direction
  (``gate/yard/lengths.py``), one statement each whatever the number of series; and what
  other parts register (``Platform.scrape_readers``: the read replica's lag);
* without the multiprocess mode, the process's own figures (CPU, memory, open files,
  garbage collector: prometheus-client's standard collectors, which describe one process
  only).

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
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from gate.addresses import is_internal
from gate.domain.errors import Forbidden, Unauthorised
from gate.domain.time import utc_now
from gate.metrics import multiprocess_dir
from gate.outbox.depth import Depth, outbox_depth
from gate.yard.lengths import waiting_by_gate
from services.common.replica_metrics import ReplicaCollector
from services.platform import Platform


class OutboxCollector:
    """A prometheus-client collector of one scrape: the outbox's ``depth`` read at ``now``.
    The dispatchers' attempts are counted as they are made (gate/metrics.py)."""

    def __init__(self, depth: Depth, now: datetime) -> None:
        self.depth = depth
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
    body = generate_latest(
        _Together(
            OutboxCollector(depth, now),
            _Read([queue_lengths(lengths), *registered]),
            counted(),
            ReplicaCollector(platform.reads.replica),
        )
    )
    return Response(body, media_type=CONTENT_TYPE_LATEST)
