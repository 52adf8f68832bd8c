"""Helpers for the waiting yards' tests: a yard enterprise, a yard, its devices, a read."""

from __future__ import annotations

import itertools
from typing import Any

from gate.domain.time import utc_now
from tests.helpers import Api, Enterprise, admin, bearer

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
    """A new yard of ``owner``, open round the clock; its code."""
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
    return code


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
