"""The rule book, held to the routes: every action of tests/rule_book.py, taken through each
API route, stream and page form that does it, by every kind of caller. Allowed: anything but
401 and 403 (a 404 for a booking that is not there says the caller got past the book).
Refused: 403 on the API, 4403 on a stream, 403 or the sign-in page on the pages. A caller
with no credential: 401, 4401, the sign-in page.

Authorisation does not depend on the database, so this runs on SQLite only; one set of
callers serves the whole table (one test, which lists every disagreement at once)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import Any

import httpx
import pytest
from litestar import Litestar

from tests import rule_book as book
from tests.helpers import Api, admin, bearer, page_csrf, this_hour
from tests.streams import PASSWORD
from tests.yards import yard, yard_device, yard_enterprise

NOBODY = "nobody"
_ids = itertools.count(1)


@pytest.fixture
def backend() -> str:
    return "sqlite"


async def _sign_in(api: Api, email: str) -> str:
    answer = await api.client.post(
        "/api/v1/auth/sessions", json={"email": email, "password": PASSWORD}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["token"])


async def _officer(api: Api, agency: str, gate: str) -> tuple[str, str]:
    email = f"{agency}.{next(_ids)}@bien-gioi.vn"
    body = {
        "email": email,
        "full_name": "Cán bộ",
        "agency": agency,
        "password": PASSWORD,
        "gates": [gate],
    }
    created = await api.client.post("/api/v1/officers", json=body, headers=admin())
    assert created.status_code == 201, created.text
    return created.json()["id"], await _sign_in(api, email)


async def _user(api: Api, enterprise_id: str, role: str) -> str:
    email = f"{role}.{next(_ids)}@example.vn"
    body = {"email": email, "full_name": "Người dùng", "password": PASSWORD, "role": role}
    created = await api.client.post(
        f"/api/v1/enterprises/{enterprise_id}/users", json=body, headers=admin()
    )
    assert created.status_code == 201, created.text
    return await _sign_in(api, email)


async def _device(api: Api, gate: str) -> str:
    body = {"name": f"camera {next(_ids)}", "kind": "lpr_camera", "direction": "export"}
    answer = await api.client.post(f"/api/v1/gates/{gate}/devices", json=body, headers=admin())
    assert answer.status_code == 201, answer.text
    return str(answer.json()["token"])


async def _callers(api: Api) -> tuple[dict[str, str], dict[str, str]]:
    """Every caller's bearer token by name, and what the routes below are filled with."""
    a = await api.enterprise(key_scope="manager")
    b = await api.enterprise(key_scope="manager")
    booking_key = await api.client.post(
        f"/api/v1/enterprises/{a.id}/api-keys",
        json={"name": "erp", "scope": "booking"},
        headers=admin(),
    )
    assert booking_key.status_code == 201, booking_key.text
    officers = {}
    for name, agency, gate in [
        (book.OPERATOR, "gate_operator", "tan-thanh"),
        (book.BORDER_GUARD, "border_guard", "tan-thanh"),
        (book.CUSTOMS, "customs", "tan-thanh"),
        (book.QUARANTINE, "quarantine", "tan-thanh"),
        (book.OPERATOR_ELSEWHERE, "gate_operator", "huu-nghi"),
        (book.CUSTOMS_ELSEWHERE, "customs", "huu-nghi"),
    ]:
        officers[name] = (await _officer(api, agency, gate))[1]
    victim, _ = await _officer(api, "customs", "chi-ma")
    tokens = {
        book.ADMIN: admin()["Authorization"].split()[1],
        book.MANAGER_KEY: a.token,
        book.BOOKING_KEY: booking_key.json()["token"],
        book.MANAGER: await _user(api, a.id, "manager"),
        book.CLERK: await _user(api, a.id, "clerk"),
        book.OTHER_MANAGER_KEY: b.token,
        **officers,
        book.DEVICE: await _device(api, "tan-thanh"),
        book.DEVICE_ELSEWHERE: await _device(api, "huu-nghi"),
    }
    y, z = await yard_enterprise(api), await yard_enterprise(api)
    y_yard, z_yard = await yard(api, y), await yard(api, z)
    y_visit = await api.client.post(
        f"/api/v1/yards/{y_yard}/visits",
        json={"plate": "12C-999.96", "direction": "export"},
        headers=bearer(y_manager := await _user(api, y.id, "manager")),
    )
    assert y_visit.status_code == 201, y_visit.text
    tokens |= {
        book.YARD_MANAGER: y_manager,
        book.YARD_STAFF: await _user(api, y.id, "clerk"),
        book.OTHER_YARD_MANAGER_KEY: z.token,
        book.YARD_DEVICE: (await yard_device(api, y_yard))["Authorization"].split()[1],
        book.YARD_DEVICE_ELSEWHERE: (await yard_device(api, z_yard))["Authorization"].split()[1],
    }
    vehicle, driver = await a.vehicle(), await a.driver()
    slot = this_hour(26).isoformat()
    values = {
        "a": a.id,
        "b_tax": b.tax_code,
        "vehicle": vehicle["id"],
        "plate": vehicle["plate"],
        "driver": driver["id"],
        "slot": slot,
        "officer": victim,
        "yard": y_yard,
        "y": y.id,
        "visit": y_visit.json()["id"],
    }
    return tokens, values


def _api_routes(v: dict[str, str]) -> dict[str, list[tuple[str, str, Any]]]:
    """Each action's API routes: method, path and a valid body (an invalid one would be
    refused before the book is asked)."""
    gate = "/api/v1/gates/tan-thanh"
    ent = f"/api/v1/enterprises/{v['a']}"
    yard = f"/api/v1/yards/{v['yard']}"
    missing = "00000000000000000000000000"
    reason = {"reason": "thử quyền"}
    return {
        "manage-enterprises": [
            ("GET", "/api/v1/enterprises", None),
            ("POST", "/api/v1/enterprises", {"name": "Công ty Quyền", "tax_code": "4999999999"}),
            ("GET", "/api/v1/enterprise-applications", None),
            ("POST", f"/api/v1/enterprise-applications/{missing}/approve", None),
            ("POST", f"/api/v1/enterprise-applications/{missing}/reject", reason),
        ],
        "manage-officers": [
            ("PUT", f"/api/v1/officers/{v['officer']}/gates", {"gates": ["chi-ma"]}),
            ("POST", f"/api/v1/officers/{v['officer']}/disable", None),
        ],
        "read-officers": [
            ("GET", "/api/v1/officers", None),
            ("GET", "/api/v1/officers?gate=tan-thanh", None),
        ],
        "manage-gates": [
            ("POST", f"{gate}/lanes", {"code": "Q9", "direction": "export"}),
            ("PUT", f"{gate}/location", {"latitude": 21.959, "longitude": 106.723}),
            (
                "PUT",
                f"{gate}/yard-rules",
                {
                    "service_cycle": "perishable:1,aeo:1,regular:5",
                    "grace_early_minutes": 60,
                    "grace_late_minutes": 60,
                    "call_timeout_minutes": 15,
                },
            ),
        ],
        "issue-device-keys": [
            ("GET", f"{gate}/devices", None),
            ("DELETE", f"{gate}/devices/{missing}", None),
        ],
        "set-schedules": [
            (
                "PUT",
                f"{gate}/schedules/import",
                {"hourly_capacity": 20, "opens_at": 0, "closes_at": 24},
            )
        ],
        "close-hours": [
            (
                "POST",
                f"{gate}/closures",
                {
                    "starts_at": this_hour(30).isoformat(),
                    "ends_at": this_hour(31).isoformat(),
                    **reason,
                },
            ),
            ("DELETE", f"{gate}/closures/{missing}", None),
        ],
        "transfer-vehicles": [
            (
                "POST",
                "/api/v1/vehicle-transfers",
                {
                    "plate": v["plate"],
                    "new_holder_id": missing,
                    "registration_number": "123456",
                    **reason,
                },
            )
        ],
        "read-enterprise": [("GET", ent, None)],
        "manage-users": [
            ("GET", f"{ent}/users", None),
            ("POST", f"{ent}/users/{missing}/disable", None),
            ("GET", f"{ent}/invitations", None),
            ("DELETE", f"{ent}/invitations/{missing}", None),
            ("PUT", f"{ent}/users/{missing}/role", {"role": "clerk"}),
        ],
        "manage-keys": [
            ("GET", f"{ent}/api-keys", None),
            ("DELETE", f"{ent}/api-keys/{missing}", None),
        ],
        "manage-fleet": [
            ("GET", "/api/v1/vehicles", None),
            ("GET", "/api/v1/drivers", None),
            ("GET", "/api/v1/vehicle-grants/given", None),
            ("POST", f"/api/v1/vehicle-grants/{missing}/revoke", None),
        ],
        "book": [
            (
                "POST",
                "/api/v1/bookings",
                {
                    "gate": "tan-thanh",
                    "direction": "export",
                    "slot_start": v["slot"],
                    "vehicle_id": v["vehicle"],
                    "driver_id": v["driver"],
                    "cargo": {"description": "Vải thiều", "weight_kg": 9000},
                },
            )
        ],
        "reschedule": [
            (
                "POST",
                f"/api/v1/bookings/{missing}/reschedule",
                {"slot_start": v["slot"], "version": 1},
            )
        ],
        "cancel": [("POST", f"/api/v1/bookings/{missing}/cancel", reason)],
        "read-own-bookings": [
            ("GET", "/api/v1/bookings", None),
            ("GET", f"/api/v1/bookings/{missing}", None),
        ],
        "manage-webhooks": [
            ("GET", "/api/v1/webhooks/endpoints", None),
            ("GET", f"/api/v1/webhooks/endpoints/{missing}/deliveries", None),
            ("POST", f"/api/v1/webhooks/deliveries/{missing}/send-again", None),
        ],
        "manage-driver-links": [
            ("POST", f"/api/v1/bookings/{missing}/driver-links", None),
            ("GET", f"/api/v1/bookings/{missing}/driver-links", None),
            ("POST", f"/api/v1/bookings/{missing}/driver-links/{missing}/revoke", None),
        ],
        "override-capacity": [
            (
                "POST",
                f"{gate}/capacity-overrides",
                {"direction": "export", "starts_at": v["slot"], "capacity": 7},
            )
        ],
        "read-yard": [
            ("GET", f"{gate}/queue?direction=export", None),
            ("GET", f"{gate}/pending-reads", None),
            ("GET", f"{gate}/vehicles/{missing}", None),
        ],
        "post-notices": [
            ("POST", f"{gate}/notices", {"text": "Thử quyền"}),
            ("DELETE", f"{gate}/notices/{missing}", None),
        ],
        "pause-gate": [("POST", f"{gate}/pause", {"paused": False})],
        "open-close-lanes": [("POST", f"{gate}/lanes/X1/open", None)],
        "call-next": [("POST", f"{gate}/lanes/X1/call-next", None)],
        "start-inspection": [("POST", f"{gate}/vehicles/{missing}/inspection", None)],
        "record-decision": [
            ("POST", f"{gate}/vehicles/{missing}/decisions", {"decision": "cleared"})
        ],
        "check-in-by-hand": [
            ("POST", f"{gate}/manual-checkins", {"direction": "export", "plate": "12C-999.99"})
        ],
        "record-exit": [("POST", f"{gate}/vehicles/{missing}/exit", None)],
        "excuse-no-show": [("POST", f"{gate}/vehicles/{missing}/no-show-excuse", reason)],
        "check-in": [("POST", f"{gate}/checkins", "a camera's read")],
        "record-cash": [("POST", f"{gate}/fees/TT269999999/cash", {"amount_vnd": 1000})],
        "read-dispatch": [
            ("GET", f"{gate}/dispatch/export", None),
            ("GET", f"{gate}/dispatch-orders?status=open", None),
        ],
        "set-dispatch-rules": [
            ("PUT", f"{gate}/dispatch/import", {"target": 10, "deadline_minutes": 60}),
        ],
        "dispatch-by-hand": [
            ("POST", f"{gate}/dispatch-orders", {"visit_id": missing}),
            ("POST", f"{gate}/dispatch-orders/{missing}/cancel", {}),
        ],
        "manage-yards": [
            (
                "POST",
                "/api/v1/yards",
                {
                    "code": f"bai-quyen-{next(_ids)}",
                    "name": "Bãi thử quyền",
                    "enterprise_id": v["y"],
                    "capacity": 5,
                    "gates": ["tan-thanh"],
                },
            ),
            ("PATCH", yard, {"name": "Bãi chờ Tân Thanh"}),
            ("POST", f"/api/v1/yards/{missing.lower()}/out-of-service", None),
        ],
        "set-yard-hours": [("PUT", f"{yard}/hours", {"capacity": 50})],
        "issue-yard-device-keys": [
            ("GET", f"{yard}/devices", None),
            ("DELETE", f"{yard}/devices/{missing}", None),
        ],
        "list-yards": [("GET", "/api/v1/yards", None), ("GET", yard, None)],
        "read-yard-visits": [("GET", f"{yard}/visits", None)],
        "run-yard": [
            ("POST", f"{yard}/visits", {"plate": "12C-999.95", "direction": "export"}),
            ("POST", f"{yard}/visits/{missing}/exit", None),
        ],
        "yard-check-in": [("POST", f"{yard}/checkins", "a camera's read")],
        # The partner gate's announcements (issue 18): its capacity below ours for an hour.
        "announce-partner-capacity": [
            (
                "POST",
                f"{gate}/partner-announcements",
                {"starts_at": v["slot"], "ends_at": this_hour(27).isoformat(), "capacity": 9},
            ),
            ("POST", f"{gate}/partner-announcements/{missing}/withdraw", reason),
        ],
        "read-partner-capacity": [("GET", f"{gate}/partner-announcements", None)],
        # Monthly statements (issue 19).
        "manage-statements": [
            (
                "POST",
                f"{ent}/statement-agreements",
                {"valid_from": v["slot"][:10], "reference": "HĐ thử quyền"},
            ),
            ("POST", f"/api/v1/statement-agreements/{missing}/end", None),
            ("POST", "/api/v1/statements/issue", {"month": "2020-01"}),
            (
                "POST",
                "/api/v1/statements/SK20010001/transfers",
                {"transaction_id": "thu-quyen", "amount_vnd": 1000},
            ),
        ],
        "read-statements": [
            ("GET", f"{ent}/statement-agreements", None),
            ("GET", f"{ent}/statements", None),
        ],
    }


STREAMS = {
    "watch-officer-stream": "/ws/v1/gates/tan-thanh/officer",
    "watch-enterprise-stream": "/ws/v1/enterprise/vehicles",
}


def _page_routes(v: dict[str, str]) -> dict[str, list[tuple[str, str, dict[str, str] | None]]]:
    """Each action's page and form, where one exists (the pages are for people: sessions)."""
    console = "/console/tan-thanh"
    missing = "00000000000000000000000000"
    return {
        "read-own-bookings": [("GET", "/portal/", None), ("GET", "/portal/bookings.csv", None)],
        "manage-fleet": [
            ("GET", "/portal/fleet", None),
            (
                "POST",
                "/portal/drivers",
                {"full_name": "Lê Văn Tài", "id_number": "001299000111", "phone": "0912345678"},
            ),
            ("GET", f"/portal/drivers/{missing}/messages", None),
            ("POST", f"/portal/drivers/{missing}/messages", {"channels": "sms", "language": "vi"}),
        ],
        "book": [
            ("GET", "/portal/book", None),
            ("POST", "/portal/book", {"gate": "tan-thanh", "direction": "export"}),
        ],
        "reschedule": [
            (
                "POST",
                f"/portal/bookings/{missing}/reschedule",
                {"slot_start": v["slot"], "version": "1"},
            )
        ],
        "cancel": [("POST", f"/portal/bookings/{missing}/cancel", {"reason": "thử"})],
        "manage-driver-links": [
            ("POST", f"/portal/bookings/{missing}/driver-links", {}),
            ("POST", f"/portal/bookings/{missing}/driver-links/{missing}/revoke", {}),
        ],
        "manage-keys": [
            ("GET", "/portal/keys/", None),
            ("POST", f"/portal/keys/{missing}/revoke", {}),
        ],
        # The portal's users page (services/web/people.py).
        "manage-users": [
            ("GET", "/portal/users", None),
            ("POST", f"/portal/users/{missing}/role", {"role": "clerk"}),
            ("POST", f"/portal/users/{missing}/disable", {}),
            ("POST", f"/portal/users/invitations/{missing}/withdraw", {}),
        ],
        # The portal's webhooks page (services/web/webhooks.py).
        "manage-webhooks": [
            ("GET", "/portal/webhooks", None),
            ("GET", f"/portal/webhooks/{missing}", None),
            ("POST", f"/portal/webhooks/{missing}/rotate", {}),
            ("POST", f"/portal/webhooks/{missing}/enabled", {"enabled": "off"}),
            ("POST", f"/portal/webhooks/{missing}/delete", {}),
            ("POST", f"/portal/webhooks/deliveries/{missing}/send-again", {}),
        ],
        # The console, and the gate's statistics page and its exports (services/web/statistics.py).
        "read-yard": [
            ("GET", console, None),
            ("GET", "/statistics/tan-thanh", None),
            ("GET", "/statistics/tan-thanh/xlsx", None),
            ("GET", "/statistics/tan-thanh/csv/trucks", None),
        ],
        "override-capacity": [
            (
                "POST",
                f"{console}/capacity",
                {"direction": "export", "starts_at": v["slot"], "capacity": "7"},
            )
        ],
        "post-notices": [
            ("POST", f"{console}/notices", {"text": "Thử quyền"}),
            ("POST", f"{console}/notices/{missing}/withdraw", {}),
        ],
        "pause-gate": [("POST", f"{console}/pause", {"paused": "false"})],
        "open-close-lanes": [("POST", f"{console}/lanes/X1/open", {})],
        "call-next": [("POST", f"{console}/lanes/X1/call", {})],
        "start-inspection": [("POST", f"{console}/vehicles/{missing}/inspection", {})],
        "record-decision": [
            ("POST", f"{console}/vehicles/{missing}/decision", {"decision": "cleared"})
        ],
        "check-in-by-hand": [("POST", f"{console}/checkins", {"plate": "12C-999.98"})],
        "record-exit": [("POST", f"{console}/vehicles/{missing}/exit", {})],
        "record-cash": [("POST", f"{console}/fees/TT269999999/cash", {"amount_vnd": "1000"})],
        # The console's no-shows (services/web/console_no_shows.py).
        "excuse-no-show": [
            ("GET", f"{console}/no-shows", None),
            ("POST", f"{console}/no-shows/{missing}/excuse", {"reason": "thử quyền"}),
        ],
        "set-dispatch-rules": [
            (
                "POST",
                f"{console}/dispatch-rule",
                {"direction": "export", "target": "4", "deadline_minutes": "30"},
            )
        ],
        "dispatch-by-hand": [
            ("POST", f"{console}/dispatch", {"visit_id": missing}),
            ("POST", f"{console}/dispatch-orders/LDT-MISSING/cancel", {}),
        ],
        # The partner gate's announcements (services/web/console_partner.py).
        "read-partner-capacity": [("GET", f"{console}/partner", None)],
        "announce-partner-capacity": [
            (
                "POST",
                f"{console}/partner",
                {"starts_at": v["slot"][:16], "ends_at": v["slot"][:13] + ":59", "capacity": "9"},
            ),
            ("POST", f"{console}/partner/{missing}/withdraw", {"reason": "thử quyền"}),
        ],
        # The portal's statements (services/web/statements.py).
        "read-statements": [
            ("GET", "/portal/statements", None),
            ("GET", "/portal/statements/SK20010001", None),
        ],
        # The yard console (services/web/yards.py).
        "read-yard-visits": [("GET", f"/yards/{v['yard']}", None)],
        "run-yard": [
            ("POST", f"/yards/{v['yard']}/visits", {"plate": "12C-999.94", "direction": "export"}),
            ("POST", f"/yards/{v['yard']}/visits/{missing}/exit", {}),
        ],
    }


async def _stream_close_code(app: Litestar, path: str, token: str | None) -> int | None:
    """How the app answers a websocket opened on ``path`` with ``token``: the close code it
    sends, or None when it starts streaming. Spoken in ASGI directly, without a server."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    headers = [(b"host", b"gate.test")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "scheme": "ws",
        "server": ("gate.test", 80),
        "client": ("127.0.0.1", 40000),
        "subprotocols": [],
        "state": {},
    }
    await inbox.put({"type": "websocket.connect"})
    task = asyncio.create_task(app(scope, inbox.get, outbox.put))  # type: ignore[arg-type]
    try:
        async with asyncio.timeout(10):
            while True:
                message = await outbox.get()
                if message["type"] == "websocket.close":
                    return int(message.get("code", 1000))
                if message["type"] == "websocket.send":
                    return None
    finally:
        await inbox.put({"type": "websocket.disconnect", "code": 1000})
        with contextlib.suppress(Exception, asyncio.CancelledError):
            async with asyncio.timeout(10):
                await task


def _api_verdict(status: int, refused: bool, anonymous: bool) -> bool:
    """Whether an API answer is what the book says."""
    if anonymous:
        return status == 401
    return status == 403 if refused else status not in (401, 403)


async def test_every_action_answers_every_kind_of_caller_as_the_rule_book_says(
    api: Api, client: httpx.AsyncClient
):
    tokens, values = await _callers(api)
    app: Litestar = client._transport.app  # type: ignore[attr-defined]
    wrong: list[str] = []

    api_routes = _api_routes(values)
    assert set(api_routes) | set(STREAMS) == set(book.EXPECTED)
    for action, routes in api_routes.items():
        for name in (*book.EVERYONE, NOBODY):
            refused = name not in book.EXPECTED[action]
            for method, path, body in routes:
                if body == "a camera's read":
                    body = {
                        "event_id": f"perm-{next(_ids)}",
                        "observed_at": this_hour().isoformat(),
                        "plate": "12C-999.97",
                    }
                headers = bearer(tokens[name]) if name != NOBODY else {}
                answer = await client.request(method, path, json=body, headers=headers)
                if not _api_verdict(answer.status_code, refused, name == NOBODY):
                    said = f"{answer.status_code} {answer.text[:120]}"
                    wrong.append(f"API {action} {method} {path} by {name}: {said}")

    for action, path in STREAMS.items():
        for name in (*book.EVERYONE, NOBODY):
            code = await _stream_close_code(app, path, tokens.get(name))
            expected = (
                4401 if name == NOBODY else 4403 if name not in book.EXPECTED[action] else None
            )
            if code != expected:
                wrong.append(f"stream {action} by {name}: closed with {code}, not {expected}")

    # The pages: people only, each with their session cookie (or none) and its CSRF token.
    # Y's manager is left out: the portal's key pages act on the caller's own enterprise,
    # which a manager of any enterprise may manage (the API rows above ask about A's).
    people = [book.MANAGER, book.CLERK, *book.OFFICERS, book.YARD_STAFF, NOBODY]
    for name in people:
        client.cookies.clear()
        if name != NOBODY:
            client.cookies.set("gate_session", tokens[name])
        csrf = page_csrf((await client.get("/sign-in")).text)
        for action, routes in _page_routes(values).items():
            refused = name not in book.EXPECTED[action]
            for method, path, form in routes:
                answer = await client.request(
                    method, path, data=form, headers=csrf if form is not None else {}
                )
                to_sign_in = answer.status_code == 303 and answer.headers["location"].startswith(
                    "/sign-in"
                )
                ok = (
                    (answer.status_code == 403 or to_sign_in)
                    if refused
                    else (answer.status_code not in (401, 403) and not to_sign_in)
                )
                if not ok:
                    where = answer.headers.get("location", answer.text[:120])
                    wrong.append(
                        f"page {action} {method} {path} by {name}: {answer.status_code} {where}"
                    )
    client.cookies.clear()

    assert not wrong, "\n".join(wrong)
