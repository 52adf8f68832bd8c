"""The platform's Prometheus series counted as things happen (``/metrics``, services/common/
metrics.py, exposes them with the figures read from the database at each scrape).

One module for every series, so that their names, help and labels are read in one place
(docs/architecture.md, "Metrics"). The core counts through these objects and nothing else of
prometheus-client; what the web floor counts (requests, bookings) is defined here too.

Several worker processes report as one through prometheus-client's multiprocess mode: with
``PROMETHEUS_MULTIPROC_DIR`` set before prometheus-client is first imported (``gate serve``
sets it for its workers), every value lives in a memory-mapped file of its process and a
scrape adds the files up. Counters and histograms are summed; the gauges say how they
combine (``multiprocess_mode``): ``livesum`` adds the values of the processes alive (a
process's files are dropped when it stops, ``forget_process``).

Labels never carry a plate, an id or a raw path: routes are templates, gates their codes
(a few dozen), outcomes their enumerations' values.

Figures another module measures at scrape time (the read replica's lag) are added with
``ScrapeReader``s (see ``services.platform.Platform.scrape_readers``)."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterable

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.metrics_core import Metric

# What a scrape also asks of another part (an async function yielding metric families): the
# hook for figures read at scrape time, e.g. the read replica's lag.
ScrapeReader = Callable[[], Awaitable[Iterable[Metric]]]

# Seconds: a fast API answer takes about a millisecond; a batched check-in a few (2 ms of
# gathering); a slow page or export hundreds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "gate_http_requests",
    "HTTP requests answered, by method, route template ('unmatched': no route) and status",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "gate_http_request_duration_seconds",
    "Time from a request's arrival in the app to its last byte handed to the server, by "
    "method and route template",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)

CHECKINS = Counter(
    "gate_checkins",
    "Check-ins decided and committed, by outcome (gate.domain.checkin's CheckinOutcome); "
    "replays of an answer already given are not counted again",
    ["outcome"],
)
CHECKIN_BATCH_SIZE = Histogram(
    "gate_checkin_batch_size",
    "Device events per committed check-in transaction (the group commit's batch)",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
)

BOOKINGS = Counter(
    "gate_bookings",
    "Booking attempts answered, by outcome: booked, replayed (an Idempotency-Key's first "
    "answer again) or the refusal's problem type (slot-full, plate-already-booked, ...)",
    ["outcome"],
)

WEBSOCKET_VIEWERS = Gauge(
    "gate_websocket_viewers",
    "Open websockets, by part (realtime: the app's websocket routes; boards: the public "
    "boards' broadcast server)",
    ["part"],
    multiprocess_mode="livesum",
)

BUS_PUBLISH_FAILURES = Counter(
    "gate_bus_publish_failures",
    "Publishes to the Redis event stream that failed or timed out (their events are rebuilt "
    "from the database by the readers)",
)
BUS_EVENTS_UNPUBLISHED = Counter(
    "gate_bus_events_unpublished",
    "Events the failed publishes did not carry",
)
BUS_LAG = Histogram(
    "gate_bus_lag_seconds",
    "Time from an event's append to the Redis stream to its reading by a process's boards "
    "(the stream entry's id is the append's millisecond)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)

# The outbox dispatcher's work (its depth is read from the database at each scrape).
OUTBOX_ATTEMPTS = Counter(
    "gate_outbox_deliveries",
    "Delivery attempts made, by channel and result (delivered; retried: failed, to be "
    "tried again; failed: given up)",
    ["channel", "result"],
)
OUTBOX_SET_ASIDE = Counter(
    "gate_outbox_events_set_aside",
    "Outbox events set aside after repeated failed expansions",
)

DB_POOL_IN_USE = Gauge(
    "gate_db_pool_connections_in_use",
    "Database connections checked out of the pools, by pool (primary; replica)",
    ["pool"],
    multiprocess_mode="livesum",
)
DB_POOL_LIMIT = Gauge(
    "gate_db_pool_connections_limit",
    "Connections the pools may hold at most (size and overflow), by pool",
    ["pool"],
    multiprocess_mode="livesum",
)
DB_POOL_WAIT = Histogram(
    "gate_db_pool_wait_seconds",
    "Time to get a connection from a pool (opening one when the pool may, waiting for one "
    "when it is full), by pool",
    ["pool"],
    buckets=(0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0),
)


def multiprocess_dir() -> str | None:
    """The folder of the multiprocess mode's files, when this process runs in it."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def forget_process() -> None:
    """Drop this process's ``livesum`` gauges from the sums (at a worker's shutdown: its
    sockets and connections are gone). Nothing without the multiprocess mode."""
    if multiprocess_dir() is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
