"""Every route that takes a time, found in the OpenAPI document (so routes added later are
swept too), answers any datetime Python can hold (year 1 to 9999, naive or aware, offsets
-23:59 to +23:59, written as ISO 8601 or otherwise, inside a cursor) with no 5xx, and its 4xx
answers are problem details. Each route is called as the caller it serves, so the answer
comes from its inner code, not from a 401."""

from __future__ import annotations

import base64
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import Api, admin, device, officer, tomorrow_at
from tests.openapi import AnyName, Example, Pointer, is_time, with_value

SOME_TIME = tomorrow_at(9).isoformat()

offsets = st.none() | st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
# The ends of the range, where conversions overflow, and anything between.
ends = st.sampled_from([datetime.min, datetime.max]).flatmap(
    lambda end: offsets.map(lambda zone: end.replace(tzinfo=zone))
)
moments = st.one_of(ends, st.datetimes(datetime.min, datetime.max, timezones=offsets))
WRITINGS: dict[str, Callable[[datetime], str]] = {
    "iso": datetime.isoformat,
    "iso with a space": lambda m: m.isoformat(sep=" "),
    "date only": lambda m: m.date().isoformat(),
    "ctime": datetime.ctime,
    "day first": lambda m: m.strftime("%d/%m/%Y %H:%M"),
    "rfc 2822": lambda m: m.strftime("%a, %d %b %Y %H:%M:%S %z"),
    "digits": lambda m: m.strftime("%Y%m%d%H%M%S"),
}
writings = st.sampled_from(sorted(WRITINGS))


@dataclass(frozen=True)
class Target:
    """One place a route takes a time: a query parameter, or a field of its JSON body."""

    method: str
    path: str
    query: str | None
    pointer: Pointer
    body: Any
    headers: dict[str, str]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.query or '/'.join(map(str, self.pointer))}"


def _targets(
    document: dict[str, Any], known: dict[str, Any], paths: dict[str, str]
) -> list[tuple[str, str, str | None, Pointer, Any]]:
    found = []
    for template, operations in document["paths"].items():
        path = template.format_map(paths)
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            example = Example(document, known, SOME_TIME)
            sample = example.of(body["schema"]) if body else None
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and (
                    is_time(parameter["schema"], document) or parameter["name"] == "cursor"
                ):
                    found.append((method.upper(), path, parameter["name"], (), sample))
            found += [(method.upper(), path, None, at, sample) for at in example.times]
    return found


_ids = itertools.count()


def _fresh(body: Any) -> Any:
    """Each check-in event a new id, so that it is acted on, not answered as a replay."""
    if isinstance(body, dict):
        return {k: f"sweep-{next(_ids)}" if k == "event_id" else _fresh(v) for k, v in body.items()}
    if isinstance(body, list):
        return [_fresh(b) for b in body]
    return body


async def _send(api: Api, target: Target, value: str) -> Any:
    if target.query is not None:
        body = _fresh(target.body)
        params = {target.query: value}
    else:
        body = _fresh(with_value(target.body, target.pointer, value))
        params = None
    return await api.client.request(
        target.method, target.path, params=params, json=body, headers=target.headers
    )


@pytest.fixture
async def targets(api: Api) -> list[Target]:
    enterprise = await api.enterprise()
    vehicle, driver = await enterprise.vehicle(), await enterprise.driver()
    booked = await enterprise.book(tomorrow_at(9))
    assert booked.status_code == 201, booked.text
    callers = [
        enterprise.headers,
        await device(api),
        await officer(api, "gate_operator"),
        admin(),
    ]
    document = (await api.client.get("/schema/openapi.json")).json()
    known = {
        "gate": "tan-thanh",
        "direction": "export",
        "vehicle_id": vehicle["id"],
        "driver_id": driver["id"],
        "plate": "12C-123.45",
        "version": 1,
    }
    paths = {
        "code": "tan-thanh",
        "booking_id": booked.json()["id"],
        "direction": "export",
        "enterprise_id": enterprise.id,
        "lane": "x",
    }
    found = []
    for method, path, query, pointer, body in _targets(document, known, AnyName(paths)):
        probe = Target(method, path, query, pointer, body, {})
        # The first caller the route lets in; else the administrator's answer is swept.
        headers = callers[-1]
        for caller in callers:
            answer = await _send(api, Target(**{**probe.__dict__, "headers": caller}), SOME_TIME)
            if answer.status_code not in (401, 403):
                headers = caller
                break
        found.append(Target(method, path, query, pointer, body, headers))
    # What the issue names must be among them; anything added later joins by itself.
    names = {str(t) for t in found}
    for expected in (
        "POST /api/v1/gates/tan-thanh/checkins observed_at",
        "POST /api/v1/gates/tan-thanh/checkins/batch events/0/observed_at",
        "POST /api/v1/bookings slot_start",
        "GET /api/v1/bookings cursor",
        "GET /api/v1/bookings slot_from",
        "GET /api/v1/gates/tan-thanh/availability from",
    ):
        assert expected in names, sorted(names)
    return found


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), moment=moments, writing=writings)
async def test_no_time_anyone_can_write_makes_a_route_fail(
    api: Api,
    targets: list[Target],
    data: st.DataObject,
    moment: datetime,
    writing: str,
) -> None:
    target = data.draw(st.sampled_from(targets), label="route")
    value = WRITINGS[writing](moment)
    if target.query == "cursor":
        value = base64.urlsafe_b64encode(f"{value}|{uuid.uuid4()}".encode()).decode().rstrip("=")
    answer = await _send(api, target, value)
    assert answer.status_code < 500, (str(target), value, answer.text)
    if answer.status_code >= 400:
        assert answer.headers["content-type"].startswith("application/problem+json"), (
            str(target),
            value,
            answer.text,
        )
