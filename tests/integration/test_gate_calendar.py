"""The slot calendar: schedules, overrides and closures set what each hour offers."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.helpers import Api, admin, tomorrow_at


async def test_the_four_lang_son_gates_are_seeded_with_lanes_and_capacities(api: Api):
    gates = (await api.client.get("/api/v1/gates")).json()
    assert {g["code"] for g in gates} == {"huu-nghi", "tan-thanh", "coc-nam", "chi-ma"}
    huu_nghi = (await api.client.get("/api/v1/gates/huu-nghi")).json()
    assert "Youyiguan" in huu_nghi["counterpart"] or "友谊关" in huu_nghi["counterpart"]
    assert huu_nghi["timezone"] == "Asia/Ho_Chi_Minh"
    assert {s["direction"] for s in huu_nghi["schedules"]} == {"export", "import"}
    assert len(huu_nghi["lanes"]) >= 2


async def test_availability_is_public_and_shown_on_the_gates_clock(api: Api):
    answer = await api.client.get(
        "/api/v1/gates/tan-thanh/availability",
        params={"from": tomorrow_at(5).isoformat(), "hours": 3, "direction": "import"},
    )
    slots = answer.json()["slots"]
    assert [s["starts_at"] for s in slots] == [tomorrow_at(h).isoformat() for h in (5, 6, 7)]
    assert slots[0]["capacity"] == 0 and slots[0]["closed_reason"] == "outside opening hours"
    assert slots[1]["capacity"] == 10 and slots[1]["remaining"] == 10


async def test_a_closure_closes_its_hours_and_its_removal_reopens_them(api: Api):
    enterprise = await api.enterprise()
    booked = (await enterprise.book(tomorrow_at(9))).json()
    closure = await api.client.post(
        "/api/v1/gates/tan-thanh/closures",
        json={
            "starts_at": tomorrow_at(8).isoformat(),
            "ends_at": tomorrow_at(12).isoformat(),
            "reason": "Pò Chài closed for inspection",
            "direction": "export",
        },
        headers=admin(),
    )
    assert closure.status_code == 201, closure.text
    # Its booking is rebooked at once to the first hour after it (docs/architecture.md, "Fair
    # rebooking").
    assert (closure.json()["bookings_moved"], closure.json()["bookings_cancelled"]) == (1, 0)
    moved = await api.client.get(f"/api/v1/bookings/{booked['id']}", headers=enterprise.headers)
    assert datetime.fromisoformat(moved.json()["slot_start"]) == tomorrow_at(12)

    closed = await api.slot(tomorrow_at(9))
    assert closed["capacity"] == 0 and closed["remaining"] == 0
    assert closed["closed_reason"] == "Pò Chài closed for inspection"
    assert (await api.slot(tomorrow_at(9), direction="import"))["capacity"] == 10
    refused = await enterprise.book(tomorrow_at(10))
    assert refused.status_code == 409 and refused.json()["type"] == "/problems/slot-closed"

    removed = await api.client.delete(
        f"/api/v1/gates/tan-thanh/closures/{closure.json()['id']}", headers=admin()
    )
    assert removed.status_code == 204
    reopened = await api.slot(tomorrow_at(9))
    assert reopened["capacity"] == 15 and reopened["booked"] == 0


async def test_a_schedule_change_applies_to_slots_already_booked(api: Api):
    enterprise = await api.enterprise()
    await enterprise.book(tomorrow_at(9))
    changed = await api.client.put(
        "/api/v1/gates/tan-thanh/schedules/export",
        json={"hourly_capacity": 40, "opens_at": 5, "closes_at": 23},
        headers=admin(),
    )
    assert changed.status_code == 200, changed.text
    assert (await api.slot(tomorrow_at(9)))["capacity"] == 40
    assert (await api.slot(tomorrow_at(5)))["capacity"] == 40


async def test_only_the_administrator_changes_the_calendar(api: Api):
    enterprise = await api.enterprise()
    body = {"direction": "export", "starts_at": tomorrow_at(9).isoformat(), "capacity": 99}
    for headers in ({}, enterprise.headers):
        answer = await api.client.post(
            "/api/v1/gates/tan-thanh/capacity-overrides", json=body, headers=headers
        )
        assert answer.status_code in (401, 403)
    assert (await api.slot(tomorrow_at(9)))["capacity"] == 15


async def test_a_closure_that_ends_before_it_starts_is_refused(api: Api):
    answer = await api.client.post(
        "/api/v1/gates/tan-thanh/closures",
        json={
            "starts_at": tomorrow_at(12).isoformat(),
            "ends_at": (tomorrow_at(12) - timedelta(hours=1)).isoformat(),
            "reason": "typo",
        },
        headers=admin(),
    )
    assert answer.status_code == 422
