"""Officers work the yard: the queue order follows the gate's policy, vehicles are called to
lanes, inspected, decided on by each required agency, and leave only when cleared."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from gate.bookings.sweeps import sweep_expired_queue_entries, sweep_no_shows
from gate.config import Settings
from gate.domain.time import utc_now
from gate.store.unit_of_work import UnitOfWork
from gate.yard.service import sweep_missed_calls
from tests.helpers import Api, admin, book_as_of, device, officer, open_all_day, read, this_hour

GATE = "/api/v1/gates/tan-thanh"


@pytest.fixture(autouse=True)
async def gate_open_all_day(api: Api) -> None:
    await open_all_day(api)


async def _arrive(
    api: Api, camera: dict[str, str], plate: str, minutes_ago: float
) -> dict[str, Any]:
    observed = utc_now() - timedelta(minutes=minutes_ago)
    answer = await api.client.post(f"{GATE}/checkins", json=read(plate, observed), headers=camera)
    assert answer.status_code == 200 and answer.json()["outcome"] != "refused", answer.text
    return dict(answer.json())


async def _call(
    api: Api, operator: dict[str, str], lane: str = "X1", force: bool = False
) -> dict[str, Any] | None:
    params = {"force": "true"} if force else {}
    answer = await api.client.post(
        f"{GATE}/lanes/{lane}/call-next", headers=operator, params=params
    )
    assert answer.status_code == 200, answer.text
    called: dict[str, Any] | None = answer.json()["called"]
    return called


async def test_the_queue_is_served_in_the_exact_order_of_the_gate_policy(
    api: Api, settings: Settings
):
    """Cycle 1 perishable : 1 AEO : 2 regular; on time before late; then slot, then arrival."""
    rules = {
        "service_cycle": "perishable:1,aeo:1,regular:2",
        "grace_early_minutes": 30,
        "grace_late_minutes": 60,
        "call_timeout_minutes": 10,
    }
    assert (
        await api.client.put(f"{GATE}/yard-rules", json=rules, headers=admin())
    ).status_code == 200
    trader = await api.enterprise()
    trusted = await api.enterprise(is_aeo=True)
    camera = await device(api)
    now_slot, past_slot = this_hour(), this_hour(-2)
    # name -> (enterprise, slot, perishable, minutes ago it arrived)
    yard = {
        "R1": (trader, now_slot, False, 30),
        "R2": (trader, now_slot, False, 20),
        "R-late": (trader, past_slot, False, 40),  # late: behind every on-time regular
        "R3": (trader, now_slot, False, 10),
        "P1": (trader, now_slot, True, 5),
        "P2": (trader, now_slot, True, 2),
        "A1": (trusted, now_slot, False, 25),
        "A-early-slot": (trusted, past_slot, False, 1),  # AEO, late arrival
    }
    names: dict[str, str] = {}
    for name, (enterprise, slot, perishable, _) in yard.items():
        booking = await book_as_of(settings, enterprise, slot, perishable=perishable)
        names[booking["id"]] = name
        yard[name] = (*yard[name][:3], yard[name][3], booking["plate"])  # type: ignore[assignment]
    for _name, entry in sorted(yard.items(), key=lambda item: -item[1][3]):
        await _arrive(api, camera, entry[4], entry[3])  # type: ignore[misc]

    operator = await officer(api, "gate_operator")
    queue = (
        await api.client.get(f"{GATE}/queue", params={"direction": "export"}, headers=operator)
    ).json()
    shown = [names[v["vehicle"]["booking_id"]] for v in queue["waiting"]]
    served = []
    # The order, not the lanes: every truck to X1, each call forced past the truck before.
    while (called := await _call(api, operator, force=True)) is not None:
        served.append(names[called["booking_id"]])

    expected = ["P1", "A1", "R1", "R2", "P2", "A-early-slot", "R3", "R-late"]
    assert served == expected
    assert shown == expected


async def _vehicle_at_lane(api: Api, **booking: Any) -> tuple[str, dict[str, str]]:
    enterprise = await api.enterprise()
    made = (await enterprise.book(this_hour(), **booking)).json()
    camera = await device(api)
    await _arrive(api, camera, made["plate"], 1)
    operator = await officer(api, "gate_operator")
    called = await _call(api, operator)
    assert called is not None and called["booking_id"] == made["id"]
    started = await api.client.post(f"{GATE}/vehicles/{made['id']}/inspection", headers=operator)
    assert started.json()["vehicle"]["status"] == "in_inspection"
    return made["id"], operator


async def test_a_vehicle_cannot_exit_before_every_required_agency_cleared_it(api: Api):
    booking_id, operator = await _vehicle_at_lane(api)  # perishable fruit: quarantine too
    url = f"{GATE}/vehicles/{booking_id}"
    guard, customs, quarantine = (
        await officer(api, "border_guard"),
        await officer(api, "customs"),
        await officer(api, "quarantine"),
    )
    detail = (await api.client.get(url, headers=operator)).json()
    assert detail["required_agencies"] == ["border_guard", "customs", "quarantine"]

    for agency, headers, body in (
        ("border_guard", guard, {"decision": "cleared"}),
        ("customs", customs, {"decision": "cleared", "channel": "yellow"}),
    ):
        assert (
            await api.client.post(f"{url}/decisions", json=body, headers=headers)
        ).status_code == 200
        refused = await api.client.post(f"{url}/exit", headers=operator)
        assert refused.status_code == 409, agency
        assert "quarantine" in refused.json()["missing_clearances"]

    cleared = await api.client.post(
        f"{url}/decisions", json={"decision": "cleared"}, headers=quarantine
    )
    assert cleared.json()["vehicle"]["status"] == "cleared"
    assert cleared.json()["vehicle"]["customs_channel"] == "yellow"
    exited = await api.client.post(f"{url}/exit", headers=operator)
    assert exited.status_code == 200 and exited.json()["vehicle"]["status"] == "exited"


async def test_a_hold_stops_the_vehicle_until_the_agency_clears_it_and_a_rejection_is_final(
    api: Api,
):
    booking_id, operator = await _vehicle_at_lane(api)
    url = f"{GATE}/vehicles/{booking_id}"
    guard, customs, quarantine = (
        await officer(api, "border_guard"),
        await officer(api, "customs"),
        await officer(api, "quarantine"),
    )
    no_reason = await api.client.post(
        f"{url}/decisions", json={"decision": "held"}, headers=customs
    )
    assert no_reason.status_code == 422
    held = await api.client.post(
        f"{url}/decisions",
        json={"decision": "held", "reason": "seal number differs"},
        headers=customs,
    )
    assert held.json()["vehicle"]["status"] == "held"
    assert held.json()["vehicle"]["status_reason"] == "seal number differs"
    for headers in (guard, quarantine, customs):
        await api.client.post(f"{url}/decisions", json={"decision": "cleared"}, headers=headers)
    assert (await api.client.get(url, headers=operator)).json()["vehicle"]["status"] == "cleared"

    other_id, _ = await _vehicle_at_lane(api)
    rejected = await api.client.post(
        f"{GATE}/vehicles/{other_id}/decisions",
        json={"decision": "rejected", "reason": "phytosanitary certificate missing"},
        headers=quarantine,
    )
    assert rejected.json()["vehicle"]["status"] == "rejected"
    again = await api.client.post(
        f"{GATE}/vehicles/{other_id}/decisions", json={"decision": "cleared"}, headers=quarantine
    )
    assert again.status_code == 409


async def test_officers_act_only_at_their_gates_and_within_their_agency(api: Api):
    booking_id, operator = await _vehicle_at_lane(api)
    url = f"{GATE}/vehicles/{booking_id}"
    elsewhere = await officer(api, "customs", gates=("huu-nghi",))
    customs = await officer(api, "customs")
    enterprise = await api.enterprise()
    camera = await device(api)

    cases = [
        ("POST", f"{url}/decisions", elsewhere, {"decision": "cleared"}),  # another gate
        ("GET", f"{GATE}/queue?direction=export", elsewhere, None),
        ("POST", f"{url}/decisions", operator, {"decision": "cleared"}),  # operators don't decide
        ("POST", f"{GATE}/lanes/X1/call-next", customs, None),  # customs doesn't call
        ("POST", f"{GATE}/lanes/X1/close", customs, None),
        ("POST", f"{url}/exit", customs, None),
        ("POST", f"{url}/decisions", enterprise.headers, {"decision": "cleared"}),
        ("POST", f"{GATE}/lanes/X1/call-next", enterprise.headers, None),
        ("GET", f"{GATE}/queue?direction=export", enterprise.headers, None),
        ("POST", f"{url}/decisions", camera, {"decision": "cleared"}),
    ]
    for method, path, headers, body in cases:
        answer = await api.client.request(method, path, json=body, headers=headers)
        assert answer.status_code == 403, (method, path, answer.text)
    detail = (await api.client.get(url, headers=operator)).json()
    assert detail["decisions"] == [] and detail["vehicle"]["status"] == "in_inspection"


async def test_a_closed_lane_calls_nobody_and_an_open_one_does(api: Api):
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour())).json()
    await _arrive(api, await device(api), booking["plate"], 1)
    operator = await officer(api, "gate_operator")
    closed = await api.client.post(f"{GATE}/lanes/X1/close", headers=operator)
    assert closed.json()["is_open"] is False
    refused = await api.client.post(f"{GATE}/lanes/X1/call-next", headers=operator)
    assert refused.status_code == 409
    await api.client.post(f"{GATE}/lanes/X1/open", headers=operator)
    assert (await _call(api, operator)) is not None


async def test_a_retried_call_with_its_key_calls_one_vehicle(api: Api):
    enterprise = await api.enterprise()
    camera = await device(api)
    for _ in range(2):
        booking = (await enterprise.book(this_hour())).json()
        await _arrive(api, camera, booking["plate"], 1)
    operator = await officer(api, "gate_operator")
    headers = {**operator, "Idempotency-Key": "call-0001"}
    first = await api.client.post(f"{GATE}/lanes/X1/call-next", headers=headers)
    retry = await api.client.post(f"{GATE}/lanes/X1/call-next", headers=headers)
    assert first.content == retry.content
    queue = (
        await api.client.get(f"{GATE}/queue", params={"direction": "export"}, headers=operator)
    ).json()
    assert len(queue["waiting"]) == 1 and len(queue["at_lanes"]) == 1


async def test_a_called_vehicle_that_does_not_come_is_requeued_once_then_marked_no_show(
    api: Api, uow: UnitOfWork
):
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour())).json()
    await _arrive(api, await device(api), booking["plate"], 1)
    operator = await officer(api, "gate_operator")
    url = f"/api/v1/bookings/{booking['id']}"

    await _call(api, operator)
    assert await sweep_missed_calls(uow, utc_now() + timedelta(minutes=5)) == 0
    assert await sweep_missed_calls(uow, utc_now() + timedelta(minutes=11)) == 1
    await uow.commit()
    assert (await api.client.get(url, headers=enterprise.headers)).json()["status"] == "arrived"

    await _call(api, operator)
    assert await sweep_missed_calls(uow, utc_now() + timedelta(minutes=11)) == 1
    await uow.commit()
    assert (await api.client.get(url, headers=enterprise.headers)).json()["status"] == "no_show"


async def test_the_no_show_sweep_releases_the_places_of_vehicles_that_never_came(
    api: Api, settings: Settings, uow: UnitOfWork
):
    enterprise = await api.enterprise()
    slot = this_hour(-4)
    gone = await book_as_of(settings, enterprise, slot)
    assert (await api.slot(slot))["booked"] == 1

    assert await sweep_no_shows(uow, utc_now()) == 1
    await uow.commit()

    assert (await api.slot(slot))["booked"] == 0
    answer = await api.client.get(f"/api/v1/bookings/{gone['id']}", headers=enterprise.headers)
    assert answer.json()["status"] == "no_show"
    assert await sweep_no_shows(uow, utc_now()) == 0


async def test_a_bad_cycle_is_refused_and_only_the_administrator_sets_yard_rules(api: Api):
    rules = {
        "service_cycle": "vip:1,regular:5",
        "grace_early_minutes": 30,
        "grace_late_minutes": 60,
        "call_timeout_minutes": 10,
    }
    refused = await api.client.put(f"{GATE}/yard-rules", json=rules, headers=admin())
    assert refused.status_code == 422
    assert refused.json()["field"] == "service_cycle"  # as the client wrote it
    operator = await officer(api, "gate_operator")
    rules["service_cycle"] = "regular:1"
    assert (
        await api.client.put(f"{GATE}/yard-rules", json=rules, headers=operator)
    ).status_code == 403


async def test_a_queue_entry_waiting_a_whole_day_expires(api: Api, uow: UnitOfWork):
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour())).json()
    await _arrive(api, await device(api), booking["plate"], 1)
    assert await sweep_expired_queue_entries(uow, utc_now() + timedelta(hours=23)) == 0
    assert await sweep_expired_queue_entries(uow, utc_now() + timedelta(hours=25)) == 1
    await uow.commit()
    answer = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=enterprise.headers)
    assert answer.json()["status"] == "expired"
