"""The data a load run needs, made through the platform's own API (never hand-made rows):
a gate opened around the clock with room for the run, enterprises with vehicles, drivers and
bookings in the current hour, cameras and kiosks, and officers of every agency signed in."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "load-test-password-1"


@dataclass
class RunData:
    base: str
    gate: str
    admin_token: str
    enterprises: list[dict[str, Any]] = field(default_factory=list)  # id, key, vehicles, drivers
    bookings: list[dict[str, str]] = field(default_factory=list)  # id, code, plate, key
    cameras: list[str] = field(default_factory=list)
    kiosks: list[str] = field(default_factory=list)
    officers: dict[str, str] = field(default_factory=dict)  # agency -> session token
    rush_slot: str = ""

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> RunData:
        return cls(**json.loads(path.read_text()))


def _check(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.text}")
    return dict(response.json()) if response.content else {}


def local_hour(offset: int = 0) -> str:
    """The start of the current hour (plus ``offset``) on the gates' clock, ISO 8601."""
    moment = time.gmtime(time.time() + 7 * 3600 + offset * 3600)
    return time.strftime("%Y-%m-%dT%H:00:00+07:00", moment)


def prepare(
    base: str,
    admin_token: str,
    gate: str = "tan-thanh",
    enterprises: int = 4,
    vehicles_each: int = 25,
    devices: int = 4,
) -> RunData:
    admin = {"Authorization": f"Bearer {admin_token}"}
    run = RunData(base=base, gate=gate, admin_token=admin_token)
    tag = uuid.uuid4().hex[:6]
    with httpx.Client(base_url=base, timeout=60) as client:
        for direction in ("export", "import"):
            _check(
                client.put(
                    f"/api/v1/gates/{gate}/schedules/{direction}",
                    headers=admin,
                    json={"hourly_capacity": 10_000, "opens_at": 0, "closes_at": 24},
                )
            )
        # The rush: one slot two hours ahead, opened with few places for many bookers.
        run.rush_slot = local_hour(2)
        _check(
            client.post(
                f"/api/v1/gates/{gate}/capacity-overrides",
                headers=admin,
                json={"direction": "export", "starts_at": run.rush_slot, "capacity": 20},
            )
        )
        serial = int(time.time()) % 1000
        for e in range(enterprises):
            made = _check(
                client.post(
                    "/api/v1/enterprises",
                    headers=admin,
                    json={
                        "name": f"Load {tag} {e}",
                        "tax_code": f"{(int(tag, 16) * 10 + e) % 10**10:010d}",
                        "is_aeo": e % 3 == 0,
                    },
                )
            )
            key = _check(
                client.post(
                    f"/api/v1/enterprises/{made['id']}/api-keys",
                    headers=admin,
                    json={"name": "load"},
                )
            )["token"]
            headers = {"Authorization": f"Bearer {key}"}
            vehicles, drivers = [], []
            for v in range(vehicles_each):
                province = 10 + (serial + e * 7 + v // 1000) % 89
                plate = f"{province}C-{(e * vehicles_each + v) % 1000:03d}.{(serial + v) % 100:02d}"
                vehicle = client.post(
                    "/api/v1/vehicles",
                    headers=headers,
                    json={"plate": plate, "vehicle_type": "container"},
                )
                if vehicle.status_code != 201:
                    continue
                driver = _check(
                    client.post(
                        "/api/v1/drivers",
                        headers=headers,
                        json={
                            "full_name": f"Lái xe {e}-{v}",
                            "id_number": f"{tag}{e:02d}{v:04d}",
                            "phone": "0900000000",
                        },
                    )
                )
                drivers.append(driver["id"])
                if v % 2:
                    # Half the fleet stays free for the booking and rush flows.
                    vehicles.append(vehicle.json()["id"])
                    continue
                booked = client.post(
                    "/api/v1/bookings",
                    headers=headers,
                    json={
                        "gate": gate,
                        "direction": "export",
                        "slot_start": local_hour(),
                        "vehicle_id": vehicle.json()["id"],
                        "driver_id": driver["id"],
                        "cargo": {
                            "description": "load run",
                            "weight_kg": 10_000,
                            "perishable": v % 5 == 0,
                        },
                    },
                )
                if booked.status_code == 201:
                    b = booked.json()
                    run.bookings.append(
                        {"id": b["id"], "code": b["code"], "plate": b["plate"], "key": key}
                    )
            run.enterprises.append(
                {"id": made["id"], "key": key, "vehicles": vehicles, "drivers": drivers}
            )
        for n in range(devices):
            for kind, bucket in (("lpr_camera", run.cameras), ("kiosk", run.kiosks)):
                body: dict[str, Any] = {"name": f"{kind} {tag}-{n}", "kind": kind}
                if kind == "lpr_camera":
                    body["direction"] = "export"
                bucket.append(
                    _check(client.post(f"/api/v1/gates/{gate}/devices", headers=admin, json=body))[
                        "token"
                    ]
                )
        for agency in ("gate_operator", "border_guard", "customs", "quarantine"):
            email = f"{agency}.{tag}@load.test"
            _check(
                client.post(
                    "/api/v1/officers",
                    headers=admin,
                    json={
                        "email": email,
                        "full_name": f"Load {agency}",
                        "agency": agency,
                        "password": PASSWORD,
                        "gates": [gate],
                    },
                )
            )
            run.officers[agency] = _check(
                client.post("/api/v1/auth/sessions", json={"email": email, "password": PASSWORD})
            )["token"]
    return run
