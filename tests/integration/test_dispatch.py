"""Dispatch orders (lệnh điều tiết): the control yard is kept fed from the waiting yards in the
gate's service order, the operators pause and dispatch by hand, missed deadlines put a truck
behind and then lapse it, and a truck reaching the gate meets its order. Both databases."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from gate.config import Settings
from gate.dispatch.sweeps import dispatch_all, sweep_missed_orders
from gate.domain.time import utc_now
from gate.store.tables import AuditLogEntry, DispatchOrder
from gate.sweeps import run_sweeps_once
from tests.helpers import Api, admin, device, officer, open_all_day, read, this_hour
from tests.yards import enters_yard, yard, yard_device, yard_enterprise
from tests.yards_rows import Rows, rows_of, truck_plate

GATE = "/api/v1/gates/tan-thanh"


@pytest.fixture(autouse=True)
async def gate_open_all_day(api: Api) -> None:
    await open_all_day(api)


@pytest.fixture
async def rows(settings: Settings) -> AsyncIterator[Rows]:
    async with rows_of(settings) as made:
        yield made


async def _rule(api: Api, headers: dict[str, str], **rule: Any) -> dict[str, Any]:
    body = {"target": 2, "deadline_minutes": 30, **rule}
    answer = await api.client.put(f"{GATE}/dispatch/export", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def _orders(api: Api, headers: dict[str, str], status: str = "open") -> list[dict[str, Any]]:
    answer = await api.client.get(
        f"{GATE}/dispatch-orders", params={"status": status}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json())


async def _in_a_yard(api: Api, *plates: str) -> list[str]:
    """The trucks read by the entry camera of a new yard serving Tân Thanh (made by the
    administrator through the API): each waits there, a booked one for its booking, a walk-in
    behind; their visits' ids, in order."""
    code = await yard(api, await yard_enterprise(api), capacity=50)
    entry = await yard_device(api, code, "entry")
    return [await enters_yard(api, code, plate, entry) for plate in plates]


async def _audited(rows: Rows, event: str) -> list[dict[str, Any]]:
    """The audit entries of ``event``, in chain order, with their data."""
    async with rows.new_uow() as uow:
        found = await uow.session.scalars(
            select(AuditLogEntry).where(AuditLogEntry.event == event).order_by(AuditLogEntry.seq)
        )
        return [
            {
                **json.loads(e.data),
                "actor_kind": e.actor_kind,
                "actor_id": e.actor_id,
                "to": e.to_status,
            }
            for e in found
        ]


async def test_trucks_are_dispatched_when_the_control_yard_falls_below_target_in_service_order(
    api: Api, settings: Settings, rows: Rows
):
    operator = await officer(api, "gate_operator")
    await _rule(api, operator, target=2)
    # One regular truck already waits in the control yard: one regular is wanted, two perishable.
    enterprise = await api.enterprise()
    in_yard = (
        await enterprise.book(this_hour(), cargo={"description": "Gỗ", "weight_kg": 9000})
    ).json()
    checked = await api.client.post(
        f"{GATE}/checkins", json=read(in_yard["plate"]), headers=await device(api)
    )
    assert checked.json()["outcome"] in ("on_time", "late"), checked.text
    yard = await rows.yard()
    now = utc_now()
    slot, earlier = this_hour(), this_hour(-1)
    trucks = {
        "R-behind": dict(
            queue_class="regular",
            slot_start=earlier,
            entered_at=now - timedelta(hours=3),
            behind=True,
        ),
        "R-early-slot": dict(
            queue_class="regular", slot_start=earlier, entered_at=now - timedelta(minutes=5)
        ),
        "R-later": dict(
            queue_class="regular", slot_start=slot, entered_at=now - timedelta(hours=2)
        ),
        "P-first": dict(
            queue_class="perishable", slot_start=slot, entered_at=now - timedelta(hours=2)
        ),
        "P-second": dict(
            queue_class="perishable", slot_start=slot, entered_at=now - timedelta(hours=1)
        ),
        "P-third": dict(
            queue_class="perishable", slot_start=slot, entered_at=now - timedelta(minutes=1)
        ),
    }
    names = {await rows.visit(yard, truck_plate(), **how): name for name, how in trucks.items()}  # type: ignore[arg-type]

    counts = await run_sweeps_once(rows.new_uow, settings)

    assert counts["dispatch_orders"] == 3
    issued = [names[e["visit_id"]] for e in await _audited(rows, "dispatch.issued")]
    # The cycle perishable:1,aeo:1,regular:5 from its start: a perishable, then the regulars'
    # turn (on time, earliest slot first; the one behind last), then the next perishable.
    assert issued == ["P-first", "R-early-slot", "P-second"]
    orders = await _orders(api, operator)
    assert {o["visit_id"] for o in orders} == {v for v, n in names.items() if n in issued}
    assert all(
        o["issued_by"] == "system" and not o["late"] and o["minutes_left"] >= 29 for o in orders
    )
    for visit_id, name in names.items():
        status = (await rows.visit_row(visit_id)).status
        assert status == ("dispatched" if name in issued else "waiting"), name
    # Fed to the target: another round sends nobody more.
    assert await dispatch_all(rows.new_uow, utc_now()) == 0


async def test_nothing_is_dispatched_while_paused_but_an_operator_dispatches_by_hand(
    api: Api, settings: Settings, rows: Rows
):
    operator = await officer(api, "gate_operator")
    paused = await _rule(api, operator, target=5, paused=True, reason="Phía bạn tạm dừng")
    assert paused["paused"] and paused["reason"] == "Phía bạn tạm dừng"
    first, second = await _in_a_yard(api, truck_plate(), truck_plate())
    assert await dispatch_all(rows.new_uow, utc_now()) == 0
    assert await _orders(api, operator) == []

    by_hand = await api.client.post(
        f"{GATE}/dispatch-orders", json={"visit_id": first}, headers=operator
    )
    assert by_hand.status_code == 201, by_hand.text
    assert by_hand.json()["status"] == "open" and by_hand.json()["issued_by"] != "system"
    again = await api.client.post(
        f"{GATE}/dispatch-orders", json={"visit_id": first}, headers=operator
    )
    assert again.status_code == 409 and again.json()["type"] == "/problems/not-waiting-in-yard"
    guard = await officer(api, "border_guard")
    refused = await api.client.post(
        f"{GATE}/dispatch-orders", json={"visit_id": second}, headers=guard
    )
    assert refused.status_code == 403

    resumed = await _rule(api, admin(), target=5, paused=False)
    assert not resumed["paused"] and resumed["reason"] is None
    assert await dispatch_all(rows.new_uow, utc_now()) == 1
    assert {o["visit_id"] for o in await _orders(api, guard)} == {first, second}
    changes = await _audited(rows, "dispatch.rule_changed")
    assert [c["to"] for c in changes] == ["paused", "running"]
    assert changes[0]["actor_kind"] == "officer" and changes[1]["actor_kind"] == "admin"
    issued = await _audited(rows, "dispatch.issued")
    assert [i["actor_kind"] for i in issued] == ["officer", "system"]


async def test_a_missed_deadline_puts_the_truck_behind_and_the_second_lapses_it_and_its_booking(
    api: Api, settings: Settings, rows: Rows
):
    operator = await officer(api, "gate_operator")
    await _rule(api, operator, target=1, deadline_minutes=30)
    enterprise = await api.enterprise()
    slot = this_hour(2)
    booking = (await enterprise.book(slot)).json()
    assert (await api.slot(slot))["booked"] == 1
    yard = await rows.yard()
    now = utc_now() - timedelta(minutes=31)  # the first order was issued 31 minutes ago
    late_one = await rows.visit(
        yard,
        booking["plate"],
        queue_class="perishable",
        slot_start=slot,
        entered_at=now - timedelta(hours=1),
        booking_id=booking["id"],
    )
    other = await rows.visit(
        yard,
        truck_plate(),
        queue_class="perishable",
        slot_start=slot + timedelta(hours=1),
        entered_at=now,
    )
    assert await dispatch_all(rows.new_uow, now) == 1
    (order,) = await _orders(api, operator)
    assert order["visit_id"] == late_one

    # Not yet: the deadline has not passed. Past it, but not swept: shown late.
    async with rows.new_uow() as uow:
        assert await sweep_missed_orders(uow, now + timedelta(minutes=29)) == 0
    (shown,) = await _orders(api, operator)
    assert (shown["late"], shown["minutes_left"]) == (True, 0)
    async with rows.new_uow() as uow:
        assert await sweep_missed_orders(uow, now + timedelta(minutes=31)) == 1
        await uow.commit()
    visit = await rows.visit_row(late_one)
    assert (visit.status, visit.behind, visit.missed_orders) == ("waiting", True, 1)
    assert visit.active_plate is not None
    missed = await _orders(api, operator, status="missed")
    assert [o["id"] for o in missed] == [order["id"]]
    # Behind its class now: the on-time truck with the later slot goes first.
    assert await dispatch_all(rows.new_uow, now + timedelta(minutes=31)) == 1
    assert [o["visit_id"] for o in await _orders(api, operator)] == [other]

    again = await api.client.post(
        f"{GATE}/dispatch-orders", json={"visit_id": late_one}, headers=operator
    )
    assert again.status_code == 201, again.text
    async with rows.new_uow() as uow:
        assert await sweep_missed_orders(uow, utc_now() + timedelta(minutes=62)) == 2
        await uow.commit()
    visit = await rows.visit_row(late_one)
    assert (visit.status, visit.active_plate, visit.missed_orders) == ("lapsed", None, 2)
    assert visit.ended_at is not None
    state = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=enterprise.headers)
    assert state.json()["status"] == "no_show"
    assert (await api.slot(slot))["booked"] == 0  # its place given back
    lapsed = [m for m in await _audited(rows, "dispatch.missed") if m["lapsed"]]
    assert [m["visit_id"] for m in lapsed] == [late_one]
    assert any(e["to"] == "no_show" for e in await _audited(rows, "booking.lapsed"))


async def test_a_dispatched_truck_checking_in_at_the_gate_meets_its_order_by_camera_and_by_hand(
    api: Api, settings: Settings, rows: Rows
):
    operator = await officer(api, "gate_operator")
    await _rule(api, operator, target=5)
    enterprise = await api.enterprise()
    by_camera, by_hand = [(await enterprise.book(this_hour())).json() for _ in range(2)]
    *booked, never_dispatched = await _in_a_yard(
        api, by_camera["plate"], by_hand["plate"], truck_plate()
    )
    visits = dict(zip((by_camera["id"], by_hand["id"]), booked, strict=True))
    assert await dispatch_all(rows.new_uow, utc_now()) == 3

    camera = await api.client.post(
        f"{GATE}/checkins", json=read(by_camera["plate"]), headers=await device(api)
    )
    assert camera.json()["outcome"] in ("on_time", "late"), camera.text
    manual = await api.client.post(
        f"{GATE}/manual-checkins", json={"booking_id": by_hand["id"]}, headers=operator
    )
    assert manual.json()["outcome"] in ("on_time", "late"), manual.text

    arrived = await _orders(api, operator, status="arrived")
    assert {o["visit_id"] for o in arrived} == set(visits.values())
    assert [o["visit_id"] for o in await _orders(api, operator)] == [never_dispatched]
    for visit_id in visits.values():
        visit = await rows.visit_row(visit_id)
        assert (visit.status, visit.active_plate) == ("arrived", None)
        assert visit.ended_at is not None
    met = await _audited(rows, "dispatch.arrived")
    assert sorted(m["actor_kind"] for m in met) == ["device", "officer"]


async def test_a_withdrawn_order_puts_the_truck_back_without_a_miss(
    api: Api, settings: Settings, rows: Rows
):
    operator = await officer(api, "gate_operator")
    await _rule(api, operator, target=1, paused=True)
    booking = (await (await api.enterprise()).book(this_hour(1))).json()
    (visit_id,) = await _in_a_yard(api, booking["plate"])
    order = (
        await api.client.post(
            f"{GATE}/dispatch-orders", json={"visit_id": visit_id}, headers=operator
        )
    ).json()

    url = f"{GATE}/dispatch-orders/{order['id']}/cancel"
    cancelled = await api.client.post(url, json={"reason": "Nhầm xe"}, headers=operator)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    visit = await rows.visit_row(visit_id)
    assert (visit.status, visit.missed_orders, visit.behind) == ("waiting", 0, False)
    twice = await api.client.post(url, json={}, headers=operator)
    assert twice.status_code == 409
    assert [c["to"] for c in await _audited(rows, "dispatch.cancelled")] == ["cancelled"]


async def test_an_order_is_withdrawn_with_no_body_at_all_as_with_an_empty_one(
    api: Api, settings: Settings, rows: Rows
):
    operator = await officer(api, "gate_operator")
    await _rule(api, operator, target=1, paused=True)
    booking = (await (await api.enterprise()).book(this_hour(1))).json()
    (visit_id,) = await _in_a_yard(api, booking["plate"])
    order = (
        await api.client.post(
            f"{GATE}/dispatch-orders", json={"visit_id": visit_id}, headers=operator
        )
    ).json()

    cancelled = await api.client.post(
        f"{GATE}/dispatch-orders/{order['id']}/cancel", headers=operator
    )

    assert cancelled.status_code == 200, cancelled.text
    # No reason given: the order records the default one, as for a body of {}.
    assert (cancelled.json()["status"], cancelled.json()["reason"]) == (
        "cancelled",
        "withdrawn by an officer",
    )
    assert (await rows.visit_row(visit_id)).status == "waiting"


async def test_an_order_whose_booking_is_cancelled_is_withdrawn_by_the_sweep(
    api: Api, settings: Settings, rows: Rows
):
    operator = await officer(api, "gate_operator")
    await _rule(api, operator, target=1)
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour(3))).json()
    (visit_id,) = await _in_a_yard(api, booking["plate"])
    assert await dispatch_all(rows.new_uow, utc_now()) == 1
    cancel = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/cancel",
        json={"reason": "Hủy"},
        headers=enterprise.headers,
    )
    assert cancel.status_code == 200, cancel.text
    async with rows.new_uow() as uow:
        assert await sweep_missed_orders(uow, utc_now()) == 1
        await uow.commit()
    async with rows.new_uow() as uow:
        order = await uow.session.scalar(select(DispatchOrder))
        assert order is not None and (order.status, order.active_visit_id) == ("cancelled", None)
    assert (await rows.visit_row(visit_id)).missed_orders == 0


async def test_rules_are_read_with_defaults_and_refused_out_of_bounds(api: Api):
    customs = await officer(api, "customs")
    rule = await api.client.get(f"{GATE}/dispatch/import", headers=customs)
    assert rule.status_code == 200
    assert rule.json() == {
        "gate": "tan-thanh",
        "direction": "import",
        "target": 10,
        "deadline_minutes": 60,
        "paused": False,
        "reason": None,
    }
    refused = await api.client.put(
        f"{GATE}/dispatch/import", json={"target": 1, "deadline_minutes": 30}, headers=customs
    )
    assert refused.status_code == 403
    bad = await api.client.put(
        f"{GATE}/dispatch/import", json={"target": -1, "deadline_minutes": 0}, headers=admin()
    )
    assert bad.status_code == 422


async def test_a_truck_whose_booking_was_cancelled_is_never_dispatched_again(
    api: Api, settings: Settings, rows: Rows
):
    operator = await officer(api, "gate_operator")
    await _rule(api, operator, target=1)
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour(3))).json()
    yard = await rows.yard()
    visit_id = await rows.visit(
        yard,
        booking["plate"],
        slot_start=this_hour(3),
        entered_at=utc_now(),
        booking_id=booking["id"],
    )
    assert await dispatch_all(rows.new_uow, utc_now()) == 1
    cancel = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/cancel",
        json={"reason": "Hủy"},
        headers=enterprise.headers,
    )
    assert cancel.status_code == 200, cancel.text
    async with rows.new_uow() as uow:
        assert await sweep_missed_orders(uow, utc_now()) == 1
        await uow.commit()

    # The truck stays in the yard (it may leave), but no order sends it to the gate again.
    assert await dispatch_all(rows.new_uow, utc_now()) == 0
    by_hand = await api.client.post(
        f"{GATE}/dispatch-orders", json={"visit_id": visit_id}, headers=operator
    )
    assert by_hand.status_code == 409, by_hand.text
    assert by_hand.json()["type"].endswith("not-waiting-in-yard")
    assert (await rows.visit_row(visit_id)).status == "waiting"
    assert await _orders(api, operator) == []
