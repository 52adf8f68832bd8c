"""The webhooks an ERP developer receives are in the app's OpenAPI document (OpenAPI 3.1's
top-level ``webhooks``): every public type of gate/domain/outbox.py with its headers, a body
schema whose ``data`` fields are those the expander builds, and an example that passes it;
a real webhook, delivered to a receiver on 127.0.0.1, carries the documented fields."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from gate.config import Settings
from gate.domain.outbox import WEBHOOK_TYPES
from gate.webhooks.expander import ADDED_FIELDS
from tests.helpers import Api, admin, open_all_day, this_hour
from tests.receiver import Receiver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, outbox=True, outbox_poll_s=0.05, webhook_allow_private=True)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = await Receiver().start()
    yield receiver
    await receiver.close()


async def _document(api: Api) -> dict[str, Any]:
    answer = await api.client.get("/schema/openapi.json")
    assert answer.status_code == 200
    return dict(answer.json())


def _passes(value: Any, schema: dict[str, Any]) -> None:
    """``value`` is of the schema's type(s), in its enum, with its required properties, each
    property passing its own schema (the keywords this section uses)."""
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    python = {"object": dict, "string": str, "null": type(None), "array": list, "integer": int}
    assert any(isinstance(value, python[kind]) for kind in kinds), (value, schema)
    if "enum" in schema:
        assert value in schema["enum"], (value, schema["enum"])
    if "const" in schema:
        assert value == schema["const"]
    if isinstance(value, str) and schema.get("format") == "date-time":
        assert datetime.fromisoformat(value).utcoffset() is not None  # an offset: UTC
    if isinstance(value, list):
        for each in value:
            _passes(each, schema["items"])
    if isinstance(value, dict):
        assert set(schema.get("required", [])) <= set(value), (value, schema)
        assert set(value) <= set(schema["properties"]), (value, schema)
        for name, each in value.items():
            _passes(each, schema["properties"][name])


async def test_the_document_lists_every_webhook_type_with_its_body(api: Api):
    section = (await _document(api))["webhooks"]
    assert set(section) == set(WEBHOOK_TYPES.values())
    for kind, item in section.items():
        post = item["post"]
        headers = {p["name"] for p in post["parameters"] if p["in"] == "header"}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
        media = post["requestBody"]["content"]["application/json"]
        body = media["schema"]
        assert body["properties"]["type"]["const"] == kind
        data = body["properties"]["data"]["properties"]
        assert set(ADDED_FIELDS.get(kind, ())) <= set(data), kind  # what the expander adds
        _passes(media["examples"]["sample"]["value"], body)
        assert "410" in post["responses"] and "UTC" in post["description"]


async def test_a_delivered_webhook_carries_the_documented_fields(api: Api, receiver: Receiver):
    section = (await _document(api))["webhooks"]
    await open_all_day(api)
    enterprise = await api.enterprise(key_scope="manager")
    types = [
        "booking.created",
        "booking.rescheduled",
        "booking.cancelled",
        "capacity.changed",
        "booking.rebooked",
    ]
    made = await api.client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": receiver.url, "event_types": types},
        headers=enterprise.headers,
    )
    assert made.status_code == 201, made.text
    booking = (await enterprise.book(this_hour(1))).json()
    path = f"/api/v1/bookings/{booking['id']}"
    moved = await api.client.post(
        f"{path}/reschedule",
        json={"slot_start": this_hour(2).isoformat(), "version": 1},
        headers=enterprise.headers,
    )
    assert moved.status_code == 200, moved.text
    cancelled = await api.client.post(
        f"{path}/cancel", json={"reason": "đổi kế hoạch"}, headers=enterprise.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    kept = (await enterprise.book(this_hour(3))).json()
    # A closure over the hour of the booking kept: a capacity.changed listing it, and the
    # booking.rebooked of its move to the next hour (docs/architecture.md, "Fair rebooking")
    closure = await api.client.post(
        "/api/v1/gates/tan-thanh/closures",
        json={
            "starts_at": this_hour(3).isoformat(),
            "ends_at": this_hour(4).isoformat(),
            "reason": "Sửa đường",
            "direction": kept["direction"],
        },
        headers=admin(),
    )
    assert closure.status_code == 201, closure.text
    await receiver.wait_for(lambda: len(receiver.delivered()) == 6)
    kinds = [json.loads(r.body)["type"] for r in receiver.delivered()]
    assert kinds.count("capacity.changed") == 1 and kinds.count("booking.rebooked") == 1, kinds
    for request in receiver.delivered():
        body = json.loads(request.body)
        documented = section[body["type"]]["post"]["requestBody"]["content"]["application/json"]
        _passes(body, documented["schema"])
