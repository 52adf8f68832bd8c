"""A day at Tân Thanh with one of everything a page can show, set once through the platform's
own API for the pages that are only read (the accessibility walk, the README's screenshots):
trucks waiting, called, under inspection and waiting for an officer to confirm a misread
plate; a notice; a waiting yard with a truck in it, one dispatched and one on the road; an
enterprise with vehicles, drivers, grants given and received, bookings, an API key, a webhook
endpoint and links to its driver's page, one of them revoked; a fee schedule, so the bookings
ahead show their fee; and the people who sign in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from gate.domain.time import utc_now
from tests.helpers import Api, admin, device, officer, read, this_hour
from tests.portal_people import portal_user
from tests.yards import dispatched_by_hand, enters_yard, yard, yard_enterprise

GATE = "/api/v1/gates/tan-thanh"
PASSWORD = "một-mật-khẩu-dài"


@dataclass(frozen=True)
class Scene:
    """What the pages need to be found: the session tokens of the people who sign in
    (``gate_session`` cookies), and the ids and paths that are the scene's own."""

    manager: str  # a carrier's manager: the portal, its keys and webhooks
    operator: str  # Tân Thanh's gate operator: the console, the statistics
    customs: str  # a customs officer at Tân Thanh: the console's decision forms
    guard: str  # a border guard at two gates: the lists of gates of the console, statistics
    clerk: str  # a waiting yard's clerk: the yard console
    booking_id: str  # the carrier's booking still to come (reschedule, cancel, driver links)
    other_booking_id: str  # another enterprise's: the portal's "not found"
    driver_id: str
    endpoint_id: str
    yard_code: str
    driver_page: str  # /d/<secret> of a live link
    gone_page: str  # /d/<secret> of a revoked one


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def _ok(answer: Any, status: int = 201) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    return dict(answer.json()) if answer.content else {}


async def set_scene(api: Api, base: str) -> Scene:
    """The scene on the platform behind ``api`` (at ``base``); see the module's docstring."""
    client = api.client
    operator = await officer(api, "gate_operator")
    customs = await officer(api, "customs")
    guard = await officer(api, "border_guard", ("tan-thanh", "huu-nghi"))
    camera = await device(api)

    # The gate's fee schedule (its API, issue 19), in force from now: every booking carries a
    # fee (this hour's too: a crossing still to happen is priced by the schedule in force now),
    # shown on their pages.
    _ok(
        await client.post(
            f"{GATE}/fee-schedules",
            json={
                "effective_from": (utc_now() + timedelta(seconds=1)).isoformat(),
                "decision": "Nghị quyết 01/2026/NQ-HĐND (thử nghiệm)",
                "rates": [
                    {"direction": d, "vehicle_type": "*", "load_class": "*", "amount_vnd": v}
                    for d, v in (("export", 1_500_000), ("import", 1_200_000))
                ],
            },
            headers=admin(),
        )
    )
    carrier = await api.enterprise(key_scope="manager")
    _, manager = await portal_user(api, carrier, "manager")
    shipper = await api.enterprise()
    truck = await carrier.vehicle("12C-246.80", trailer_plate="12R-012.34")
    driver = await carrier.driver()
    ahead = _ok(await carrier.book(this_hour(2), vehicle=truck))
    waiting = _ok(await carrier.book(this_hour()))
    inspected = _ok(await carrier.book(this_hour()))
    for booking in (inspected, waiting):
        checked = _ok(
            await client.post(f"{GATE}/checkins", json=read(booking["plate"]), headers=camera),
            200,
        )
        assert checked["outcome"] == "on_time", checked
    # The truck to inspect has its fee taken in cash (the unpaid-fee rule would pass it
    # over); the other waits unpaid, held in its place: the console shows both states.
    fee = inspected["fee"]
    _ok(
        await client.post(
            f"{GATE}/fees/{fee['invoice_number']}/cash",
            json={"amount_vnd": fee["amount_vnd"]},
            headers={**operator, "Idempotency-Key": "scene-cash-1"},
        )
    )
    _ok(await client.post(f"{GATE}/lanes/X1/call-next", headers=operator), 200)
    _ok(await client.post(f"{GATE}/vehicles/{inspected['id']}/inspection", headers=operator), 200)
    # Two trucks whose plates a camera confuses, and a read that fits both: it waits for an
    # officer in the console.
    for plate in ("桂A·128B5", "桂A·12885"):
        _ok(await carrier.book(this_hour(), vehicle=await carrier.vehicle(plate)))
    pending = _ok(
        await client.post(f"{GATE}/checkins", json=read("桂A·1288S"), headers=camera), 200
    )
    assert pending["outcome"] == "needs_confirmation", pending
    _ok(
        await client.post(
            f"{GATE}/notices",
            json={"text": "Xe lạnh ưu tiên làn X2 / 冷藏车优先X2车道"},
            headers=operator,
        )
    )

    _ok(await carrier.grant(truck, shipper, this_hour(72)))
    theirs = await shipper.vehicle()
    _ok(await shipper.grant(theirs, carrier, this_hour(48)))
    other = _ok(await shipper.book(this_hour(3), vehicle=theirs))

    endpoint = _ok(
        await client.post(
            "/api/v1/webhooks/endpoints",
            json={
                "url": "https://erp.example.vn/hooks",
                "event_types": ["booking.created", "truck.called"],
                "description": "ERP kho Đồng Đăng",
            },
            headers=carrier.headers,
        )
    )
    links = f"/api/v1/bookings/{ahead['id']}/driver-links"
    live = _ok(await client.post(links, headers=carrier.headers))
    gone = _ok(await client.post(links, headers=carrier.headers))
    _ok(await client.post(f"{links}/{gone['id']}/revoke", headers=carrier.headers), 200)

    owner = await yard_enterprise(api)
    yard_code = await yard(api, owner, capacity=6)
    clerk_email = f"bai.{owner.id[:8]}@benbai.vn"
    _ok(
        await client.post(
            f"/api/v1/enterprises/{owner.id}/users",
            json={"email": clerk_email, "full_name": "Nhân viên bãi", "password": PASSWORD},
            headers=admin(),
        )
    )
    clerk = _ok(
        await client.post(
            "/api/v1/auth/sessions", json={"email": clerk_email, "password": PASSWORD}
        )
    )
    visits = [await enters_yard(api, yard_code, plate) for plate in ("12C-771.01", "12C-771.02")]
    await enters_yard(api, yard_code, "12C-771.03")
    for visit in visits:
        await dispatched_by_hand(api, visit, operator)
    _ok(
        await client.post(
            f"/api/v1/yards/{yard_code}/visits/{visits[0]}/exit", headers=owner.headers
        ),
        200,
    )
    return Scene(
        manager=manager,
        operator=_token(operator),
        customs=_token(customs),
        guard=_token(guard),
        clerk=str(clerk["token"]),
        booking_id=ahead["id"],
        other_booking_id=other["id"],
        driver_id=driver["id"],
        endpoint_id=endpoint["id"],
        yard_code=yard_code,
        driver_page=live["url"].removeprefix(base),
        gone_page=gone["url"].removeprefix(base),
    )
