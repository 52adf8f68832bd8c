"""Helpers for the waiting yards' tests: a yard enterprise, a yard, its devices, a read."""

from __future__ import annotations

import itertools
from typing import Any

from gate.domain.time import utc_now
from tests.helpers import Api, Enterprise, admin, bearer, officer

_ids = itertools.count(1)


async def yard_enterprise(api: Api) -> Enterprise:
    """A new yard enterprise (kind ``yard``) and a manager API key of it."""
    return await api.enterprise(
        name=f"Bến bãi Đồng Đăng {next(_ids)}", key_scope="manager", kind="yard"
    )


async def yard(
    api: Api,
    owner: Enterprise,
    *,
    capacity: int = 10,
    gates: tuple[str, ...] = ("tan-thanh",),
    **extra: Any,
) -> str:
    """A new yard of ``owner``, open round the clock; its code (``code`` in ``extra`` names
    it)."""
    code = f"bai-{next(_ids)}"
    body = {
        "code": code,
        "name": f"Bãi chờ {code}",
        "enterprise_id": owner.id,
        "capacity": capacity,
        "gates": list(gates),
        "latitude": 21.93,
        "longitude": 106.70,
        **extra,
    }
    answer = await api.client.post("/api/v1/yards", json=body, headers=admin())
    assert answer.status_code == 201, answer.text
    return str(body["code"])


async def yard_device(
    api: Api, code: str, watches: str = "entry", direction: str | None = "export", **extra: Any
) -> dict[str, str]:
    """A yard device's auth headers."""
    body: dict[str, Any] = {
        "name": f"camera {next(_ids)}",
        "kind": "lpr_camera",
        "watches": watches,
    }
    if direction:
        body["direction"] = direction
    body.update(extra)
    answer = await api.client.post(f"/api/v1/yards/{code}/devices", json=body, headers=admin())
    assert answer.status_code == 201, answer.text
    return bearer(answer.json()["token"])


def yard_read(
    plate: str | None = None, event_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": event_id or f"yard-evt-{next(_ids)}",
        "observed_at": utc_now().isoformat(),
        **extra,
    }
    if plate is not None:
        body["plate"] = plate
    return body


async def enters_yard(
    api: Api, code: str, plate: str, entry: dict[str, str] | None = None, **extra: Any
) -> str:
    """The truck read by the yard's entry camera (a new one unless ``entry`` is given): it
    waits in the yard; its visit's id."""
    headers = entry or await yard_device(api, code, "entry")
    answer = await api.client.post(
        f"/api/v1/yards/{code}/checkins", json=yard_read(plate, **extra), headers=headers
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "entered", answer.text
    return str(answer.json()["visit_id"])


async def dispatched_by_hand(
    api: Api, visit_id: str, operator: dict[str, str] | None = None, gate: str = "tan-thanh"
) -> dict[str, Any]:
    """A dispatch order for the waiting truck of ``visit_id``, issued by the gate's operator
    (a new one unless ``operator`` is given) through the API; the order."""
    headers = operator or await officer(api, "gate_operator", (gate,))
    answer = await api.client.post(
        f"/api/v1/gates/{gate}/dispatch-orders", json={"visit_id": visit_id}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())
