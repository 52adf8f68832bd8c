"""Every HTTP request counted and timed for ``/metrics`` (``gate_http_requests``,
``gate_http_request_duration_seconds``, gate/metrics.py), by method, route template and status.

The count is taken around the app's whole handler (``Litestar.asgi_handler``: routing,
middleware, handler, exception handlers; by the edge, services/edge.py), not in a route's
middleware: Litestar runs middleware for matched
routes only, and a request for no route (404, 405) must be counted too, as ``unmatched``. The
route is the template the router matched (``/api/v1/bookings/{booking_id}``), never the
raw path: no plate, code or id becomes a label, and the number of series stays the number of
routes.

Cost per request: two dictionary look-ups of the labels' children, one counter increment,
one histogram observation (docs/benchmarks.md, "Metrics per request")."""

from __future__ import annotations

from time import perf_counter
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from gate.metrics import HTTP_LATENCY, HTTP_REQUESTS

UNMATCHED = "unmatched"  # the route of a request that matched none
# Methods kept as they are; anything else a client invents is counted as "other".
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# The labelled children, made once per (method, route[, status]): ``labels()`` validates and
# takes a lock each time.
_counted: dict[tuple[str, str, int], Any] = {}
_timed: dict[tuple[str, str], Any] = {}


def count_request(method: str, route: str | None, status: int, elapsed: float) -> None:
    """One HTTP request answered ``status`` after ``elapsed`` seconds, on ``route`` (the
    template the router matched; None: it matched none) by ``method``, counted and timed.
    Called by the app's edge (services/edge.py) when the request is over."""
    method = method if method in _METHODS else "other"
    route = route or UNMATCHED
    count = _counted.get((method, route, status))
    if count is None:
        count = _counted[(method, route, status)] = HTTP_REQUESTS.labels(method, route, str(status))
    count.inc()
    timer = _timed.get((method, route))
    if timer is None:
        timer = _timed[(method, route)] = HTTP_LATENCY.labels(method, route)
    timer.observe(elapsed)


def observed(handler: ASGIApp) -> ASGIApp:
    """``handler`` with its HTTP requests counted and timed (``count_request``) and nothing
    else; other scopes pass untouched. The app counts at its edge (services/edge.py), with
    the request id and the headers in one wrapper; this one measures the count's own cost
    (loadtests/bench_metrics.py)."""

    async def observe(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await handler(scope, receive, send)
            return
        start = perf_counter()
        status = 500  # an exception through every handler: the server answers 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await handler(scope, receive, sending)
        finally:
            elapsed = perf_counter() - start
            count_request(scope["method"], scope.get("path_template"), status, elapsed)

    return observe
