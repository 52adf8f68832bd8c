"""A perishable load's spoil-by (issue 18), on SQLite and PostgreSQL: given at booking through
the API and the portal's form, refused (422 problem details, nothing stored) for other cargo,
in the past, before the booked hour or over 30 days ahead; and when a waiting truck's
forecast call passes it, the console flags the truck and its enterprise is told once (the
``cargo.spoil_risk`` webhook and a message to its managers), however often the sweep runs."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.time import LOCAL_TZ, as_utc, utc_now
from gate.messages.expander import MessageExpander
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import AuditLogEntry, Booking, EnterpriseUser, OutboxEvent
from gate.store.unit_of_work import UnitOfWork
from gate.webhooks.expander import WebhookExpander
from gate.yard.spoilage import sweep_spoil_risks
from services.common.session import SESSION_COOKIE
from tests.helpers import (
    Api,
    browser,
    device,
    enterprise_user,
    officer,
    open_all_day,
    read,
    this_hour,
)

GATE = "/api/v1/gates/tan-thanh"
HOURS_5 = timedelta(hours=5)
FRUIT = {
    "description": "Sầu riêng Đắk Lắk",
    "weight_kg": 18000,
    "perishable": True,
    "hs_code": "0810.60",
}


async def test_a_spoil_by_is_kept_with_perishable_cargo_and_refused_where_it_makes_no_sense(
    api: Api, settings: Settings
):
    await open_all_day(api)
    enterprise = await api.enterprise()
    vehicle = await enterprise.vehicle()
    slot, now = this_hour(2), utc_now()
    cases = {
        "spoil-by-not-perishable": {**FRUIT, "perishable": False, "spoil_by": slot + HOURS_5},
        "spoil-by-past": {**FRUIT, "spoil_by": now - timedelta(minutes=1)},
        "spoil-by-before-slot": {**FRUIT, "spoil_by": slot - timedelta(minutes=10)},
        "spoil-by-too-far": {**FRUIT, "spoil_by": now + timedelta(days=30, minutes=5)},
    }  # fmt: skip
    for why, cargo in cases.items():
        cargo = {**cargo, "spoil_by": cargo["spoil_by"].isoformat()}
        refused = await enterprise.book(slot, vehicle, cargo=cargo)
        assert refused.status_code == 422, (why, refused.text)
        problem = refused.json()
        assert problem["type"] == "/problems/validation" and problem["field"] == "spoil_by", why
    # Nothing was stored: the truck is free to book, and then carries its spoil-by.
    spoil_by = slot + timedelta(hours=7, minutes=30)
    made = await enterprise.book(slot, vehicle, cargo={**FRUIT, "spoil_by": spoil_by.isoformat()})
    assert made.status_code == 201, made.text
    assert made.json()["cargo"]["spoil_by"] is not None
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            rows = list(await uow.session.scalars(select(Booking.spoil_by)))
    finally:
        await engine.dispose()
    assert [as_utc(moment) for moment in rows if moment] == [spoil_by]
    assert len(rows) == 1


async def test_the_portal_form_takes_the_spoil_by_on_the_gates_clock(api: Api, settings: Settings):
    await open_all_day(api)
    enterprise = await api.enterprise()
    vehicle, driver = await enterprise.vehicle(), await enterprise.driver()
    csrf = await browser(api, await enterprise_user(api, enterprise))
    form = await api.client.get("/portal/book")
    assert form.status_code == 200 and 'name="spoil_by"' in form.text
    slot = this_hour(3)
    spoil_by = slot + timedelta(hours=6)
    fields = {
        **_hidden(form.text),
        "gate": "tan-thanh",
        "direction": "export",
        "slot_start": slot.isoformat(),
        "vehicle_id": vehicle["id"],
        "driver_id": driver["id"],
        "description": "Thanh long",
        "weight_kg": "20000",
        "perishable": "on",
        # A datetime-local field: the gates' clock (UTC+7), no offset.
        "spoil_by": spoil_by.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M"),
    }
    answer = await api.client.post("/portal/book", data=fields, headers=csrf)
    assert answer.status_code == 303, answer.text
    # Refused for cargo that is not perishable: the form again with the reason, nothing kept.
    fresh = _hidden((await api.client.get("/portal/book")).text)
    again = {**fields, **fresh, "perishable": ""}
    refused = await api.client.post("/portal/book", data=again, headers=csrf)
    assert refused.status_code == 422 and 'name="spoil_by"' in refused.text
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            stored = list(await uow.session.scalars(select(Booking.spoil_by)))
    finally:
        await engine.dispose()
    assert [as_utc(moment) for moment in stored if moment] == [spoil_by]
    assert len(stored) == 1


def _hidden(page: str) -> dict[str, str]:
    """The booking form's hidden fields as the page drew them."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))


async def test_a_forecast_past_the_spoil_by_is_flagged_and_told_once(api: Api, settings: Settings):
    await open_all_day(api)
    enterprise = await api.enterprise(key_scope="manager")
    endpoint = await api.client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": "https://erp.example.vn/hooks", "event_types": ["cargo.spoil_risk"]},
        headers=enterprise.headers,
    )
    assert endpoint.status_code == 201, endpoint.text
    now = utc_now()
    soon, later = now + timedelta(minutes=20), now + timedelta(days=1)
    camera = await device(api)
    bookings = []
    for spoil_by in (soon, later):
        made = await enterprise.book(this_hour(), cargo={**FRUIT, "spoil_by": spoil_by.isoformat()})
        assert made.status_code == 201, made.text
        arrived = await api.client.post(
            f"{GATE}/checkins", json=read(made.json()["plate"]), headers=camera
        )
        assert arrived.json()["outcome"] == "on_time", arrived.text
        bookings.append(made.json())
    await enterprise_user(api, enterprise)  # to be its manager
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    try:
        # The forecast at check-in: the first load's call an hour after it spoils (a long
        # queue ahead), the second's well before its spoil-by.
        async with UnitOfWork(factory, InMemoryEventBus()) as uow:
            for booking, call in zip(bookings, (soon + timedelta(hours=1), now), strict=True):
                await uow.session.execute(
                    update(Booking)
                    .where(Booking.id == booking["id"])
                    .values(predicted_call_at=call)
                )
            await uow.commit()
        told = []
        for _ in range(3):  # the sweep runs again and again: told once
            async with UnitOfWork(factory, InMemoryEventBus()) as uow:
                told.append(await sweep_spoil_risks(uow, utc_now()))
                await uow.commit()
        assert told == [1, 0, 0]
        async with UnitOfWork(factory, InMemoryEventBus()) as uow:
            events = list(
                await uow.session.scalars(
                    select(OutboxEvent).where(OutboxEvent.name == "booking.spoil_risk")
                )
            )
            assert [e.booking_id for e in events] == [bookings[0]["id"]]
            audited = await uow.session.scalar(
                select(func.count())
                .select_from(AuditLogEntry)
                .where(AuditLogEntry.event == "booking.spoil_risk")
            )
            assert audited == 1
            [webhook] = await WebhookExpander().expand(uow.session, events[0])
            data = webhook.payload["data"]
            assert webhook.payload["type"] == "cargo.spoil_risk"
            assert data["booking_code"] == bookings[0]["code"]
            assert as_utc(_instant(data["spoil_by"])) == soon
            assert _instant(data["forecast_call_at"]) > _instant(data["spoil_by"])
            # A message to the enterprise's manager, who chose no topic: told all the same.
            await uow.session.execute(update(EnterpriseUser).values(role="manager"))
            mail = dataclasses.replace(settings, smtp_host="mail.test", smtp_from="gate@test")
            [message] = await MessageExpander(mail).expand(uow.session, events[0])
            assert message.payload["kind"] == "cargo.spoil_risk"
            assert bookings[0]["code"] in message.payload["text"]
    finally:
        await engine.dispose()
    # The console flags the truck at risk, and only that one.
    token = (await officer(api, "gate_operator"))["Authorization"].removeprefix("Bearer ")
    api.client.cookies.set(SESSION_COOKIE, token)
    page = await api.client.get("/console/tan-thanh?direction=export")
    assert page.status_code == 200
    rows = {b["id"]: _row(page.text, b["id"]) for b in bookings}
    assert "spoil-risk" in rows[bookings[0]["id"]]
    assert "spoil-risk" not in rows[bookings[1]["id"]]
    assert "spoil-by" in rows[bookings[1]["id"]]


def _instant(text: Any) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(str(text))


def _row(html: str, booking_id: str) -> str:
    """The queue's row of ``booking_id`` on the console page."""
    queue = html[html.index('id="queue"') :]
    start = queue.index(f'data-booking="{booking_id}"')
    return queue[start : queue.index("</tr>", start)]
