"""A small client of the platform's own API, so tests read as what a user does."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta
from typing import Any

import httpx

from gate.domain.no_shows import DEFAULT_POLICY
from gate.domain.time import LOCAL_TZ, utc_now

ADMIN_TOKEN = "test-admin-token"
_counter = itertools.count(1)


def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def tomorrow_at(hour: int, days: int = 1) -> datetime:
    """A slot start on the gates' clock, ``days`` ahead."""
    local = (utc_now() + timedelta(days=days)).astimezone(LOCAL_TZ)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def unique_plate(prefix: str = "12C") -> str:
    """A fresh Vietnamese truck plate such as ``12C-100.07``."""
    n = next(_counter)
    return f"{prefix}-{100 + n // 100:03d}.{n % 100:02d}"


class Enterprise:
    def __init__(self, api: Api, enterprise_id: str, token: str, tax_code: str = "") -> None:
        self.api = api
        self.id = enterprise_id
        self.token = token
        self.headers = bearer(token)
        self.tax_code = tax_code

    async def vehicle(self, plate: str | None = None, **extra: Any) -> dict[str, Any]:
        body = {"plate": plate or unique_plate(), "vehicle_type": "container", **extra}
        response = await self.api.client.post("/api/v1/vehicles", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def driver(self) -> dict[str, Any]:
        n = next(_counter)
        body = {"full_name": f"Nguyễn Văn {n}", "id_number": f"0012{n:08d}", "phone": "0912345678"}
        response = await self.api.client.post("/api/v1/drivers", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def grant(
        self, vehicle: dict[str, Any], to: Enterprise, until: datetime, **headers: str
    ) -> httpx.Response:
        """Let ``to`` book one of this enterprise's vehicles until ``until``."""
        body = {
            "vehicle_id": vehicle["id"],
            "grantee_tax_code": to.tax_code,
            "valid_until": until.isoformat(),
        }
        return await self.api.client.post(
            "/api/v1/vehicle-grants", json=body, headers={**self.headers, **headers}
        )

    def booking_body(
        self, vehicle: dict[str, Any], driver: dict[str, Any], slot: datetime, **extra: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "gate": "tan-thanh",
            "direction": "export",
            "slot_start": slot.isoformat(),
            "vehicle_id": vehicle["id"],
            "driver_id": driver["id"],
            "cargo": {
                "description": "Thanh long (dragon fruit), 20 t",
                "weight_kg": 20000,
                "perishable": True,
                "hs_code": "0810.90",
                "declaration_number": "305123456789",
            },
        }
        body.update(extra)
        return body

    async def book(
        self, slot: datetime, vehicle: dict[str, Any] | None = None, **extra: Any
    ) -> httpx.Response:
        vehicle = vehicle or await self.vehicle()
        driver = await self.driver()
        body = self.booking_body(vehicle, driver, slot, **extra)
        return await self.api.client.post("/api/v1/bookings", json=body, headers=self.headers)


class Api:
    def __init__(self, client: Any) -> None:
        self.client = client

    async def enterprise(
        self, name: str | None = None, key_scope: str = "booking", **extra: Any
    ) -> Enterprise:
        """A new enterprise and an API key of ``key_scope`` (``manager`` to manage its users
        and keys)."""
        n = next(_counter)
        body = {"name": name or f"Công ty TNHH Xuất nhập khẩu {n}", "tax_code": f"{4900000000 + n}"}
        body.update(extra)
        response = await self.client.post("/api/v1/enterprises", json=body, headers=admin())
        assert response.status_code == 201, response.text
        enterprise_id = response.json()["id"]
        key = await self.client.post(
            f"/api/v1/enterprises/{enterprise_id}/api-keys",
            json={"name": "erp", "scope": key_scope},
            headers=admin(),
        )
        assert key.status_code == 201, key.text
        return Enterprise(self, enterprise_id, key.json()["token"], body["tax_code"])

    async def set_capacity(
        self, slot: datetime, capacity: int, gate: str = "tan-thanh", direction: str = "export"
    ) -> None:
        body = {"direction": direction, "starts_at": slot.isoformat(), "capacity": capacity}
        response = await self.client.post(
            f"/api/v1/gates/{gate}/capacity-overrides", json=body, headers=admin()
        )
        assert response.status_code == 200, response.text

    async def slot(
        self, slot: datetime, gate: str = "tan-thanh", direction: str = "export"
    ) -> dict[str, Any]:
        response = await self.client.get(
            f"/api/v1/gates/{gate}/availability",
            params={"direction": direction, "from": slot.isoformat(), "hours": 1},
        )
        assert response.status_code == 200, response.text
        return dict(response.json()["slots"][0])


def page_csrf(html: str) -> dict[str, str]:
    """The CSRF header a page's forms carry (bound to the browser's session or pre-session)."""
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert found is not None, html[:500]
    return {"x-csrftoken": found.group(1)}


def this_hour(offset_hours: int = 0) -> datetime:
    """The start of the current hour (plus ``offset_hours``) on the gates' clock."""
    local = utc_now().astimezone(LOCAL_TZ).replace(minute=0, second=0, microsecond=0)
    return local + timedelta(hours=offset_hours)


async def open_all_day(api: Api, gate: str = "tan-thanh", capacity: int = 50) -> None:
    """Tests run at any hour: open the gate around the clock."""
    for direction in ("export", "import"):
        response = await api.client.put(
            f"/api/v1/gates/{gate}/schedules/{direction}",
            json={"hourly_capacity": capacity, "opens_at": 0, "closes_at": 24},
            headers=admin(),
        )
        assert response.status_code == 200, response.text


async def device(
    api: Api, gate: str = "tan-thanh", direction: str | None = "export", kind: str = "lpr_camera"
) -> dict[str, str]:
    """Register a device and return its auth headers."""
    body: dict[str, Any] = {"name": f"{kind} {next(_counter)}", "kind": kind}
    if direction:
        body["direction"] = direction
    response = await api.client.post(f"/api/v1/gates/{gate}/devices", json=body, headers=admin())
    assert response.status_code == 201, response.text
    return bearer(response.json()["token"])


async def officer(api: Api, agency: str, gates: tuple[str, ...] = ("tan-thanh",)) -> dict[str, str]:
    """Create an officer, sign them in, return their auth headers."""
    email = f"{agency}.{next(_counter)}@bien-gioi.vn"
    body = {
        "email": email,
        "full_name": f"Cán bộ {agency}",
        "agency": agency,
        "password": "một-mật-khẩu-dài",
        "gates": list(gates),
    }
    created = await api.client.post("/api/v1/officers", json=body, headers=admin())
    assert created.status_code == 201, created.text
    session = await api.client.post(
        "/api/v1/auth/sessions", json={"email": email, "password": "một-mật-khẩu-dài"}
    )
    assert session.status_code == 201, session.text
    return bearer(session.json()["token"])


def read(
    plate: str, observed_at: datetime | None = None, event_id: str | None = None
) -> dict[str, Any]:
    """A camera's read of a plate."""
    return {
        "event_id": event_id or f"evt-{next(_counter)}",
        "observed_at": (observed_at or utc_now()).isoformat(),
        "plate": plate,
    }


async def book_as_of(
    settings: Any,
    enterprise: Enterprise,
    slot: datetime,
    *,
    plate: str | None = None,
    perishable: bool = False,
    hs_code: str | None = None,
    gate: str = "tan-thanh",
    direction: str = "export",
    trailer_plate: str | None = None,
) -> dict[str, Any]:
    """A booking made as if at the slot's own start, so tests can have vehicles whose slot is
    already past (late arrivals, no-shows) without waiting for the clock; ``trailer_plate``
    is the trailer declared with the vehicle."""
    from gate.bookings.service import BookingRules, Cargo, NewBooking, create_booking
    from gate.bus.events import InMemoryEventBus
    from gate.domain.events import Actor
    from gate.domain.slots import Direction
    from gate.store.database import create_engine, create_session_factory
    from gate.store.unit_of_work import UnitOfWork

    trailer = {"trailer_plate": trailer_plate} if trailer_plate is not None else {}
    vehicle = await enterprise.vehicle(plate, **trailer)
    driver = await enterprise.driver()
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            new = NewBooking(
                gate=gate,
                direction=Direction(direction),
                slot_start=slot,
                vehicle_id=vehicle["id"],
                driver_id=driver["id"],
                cargo=Cargo("Hàng tổng hợp", 12000, perishable=perishable, hs_code=hs_code),
            )
            rules = BookingRules(now=slot, horizon=timedelta(days=14), no_shows=DEFAULT_POLICY)
            actor = Actor("enterprise", enterprise.id, "enterprise")
            booking = await create_booking(uow, enterprise.id, new, rules, actor)
            await uow.commit()
            return {"id": booking.id, "code": booking.code, "plate": vehicle["plate"]}
    finally:
        await engine.dispose()


async def browser(api: Api, token: str) -> dict[str, str]:
    """Sign the client's browser in with a session ``token``; the CSRF header its forms send."""
    api.client.cookies.set("gate_session", token)
    return page_csrf((await api.client.get("/sign-in")).text)


async def enterprise_user(api: Api, enterprise: Enterprise) -> str:
    """A session token of a new user of ``enterprise``, for its portal."""
    n = next(_counter)
    user = {"email": f"ke-toan.{n}@xnk.vn", "full_name": "Kế toán", "password": "một-mật-khẩu-dài"}
    created = await api.client.post(
        f"/api/v1/enterprises/{enterprise.id}/users", json=user, headers=admin()
    )
    assert created.status_code == 201, created.text
    session = await api.client.post(
        "/api/v1/auth/sessions", json={"email": user["email"], "password": user["password"]}
    )
    assert session.status_code == 201, session.text
    return str(session.json()["token"])
