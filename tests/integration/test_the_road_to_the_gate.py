"""A truck's whole road to the gate through the platform's HTTP API only (no row written by a
test): the administrator makes a yard enterprise, its yard serving Tân Thanh and the yard's
entry and exit cameras; a carrier books a truck; it waits in the yard; the gate's operator
sets the dispatch target; the platform's sweeps dispatch it; the enterprise and the driver's
page see the order; it leaves the yard and checks in at the gate on time, though its slot's
grace passed while the platform held it. And a truck that lets two orders pass lapses. On
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.dispatch.sweeps import sweep_missed_orders
from gate.domain.time import utc_now
from gate.store.database import create_engine, create_session_factory
from gate.store.unit_of_work import UnitOfWork
from gate.sweeps import run_sweeps_once
from tests.helpers import Api, Enterprise, admin, device, officer, open_all_day, read, this_hour
from tests.live import eventually
from tests.yards import yard, yard_device, yard_enterprise, yard_read

GATE = "/api/v1/gates/tan-thanh"


@asynccontextmanager
async def _sweeper(
    settings: Settings, bus: InMemoryEventBus
) -> AsyncIterator[Callable[[], UnitOfWork]]:
    """Units of work as the platform's sweeps get them, publishing on the app's bus."""
    engine = create_engine(settings)
    try:
        sessions = create_session_factory(engine)
        yield lambda: UnitOfWork(sessions, bus)
    finally:
        await engine.dispose()


class Road:
    """The actors of the road over HTTP: the administrator's yard and cameras, the operator."""

    def __init__(self, api: Api, code: str, entry: dict[str, str], exit_: dict[str, str]):
        self.api, self.code, self.entry, self.exit = api, code, entry, exit_

    @classmethod
    async def built(cls, api: Api) -> Road:
        await open_all_day(api)
        owner = await yard_enterprise(api)
        code = await yard(api, owner, capacity=20, name="Bãi chờ Tân Thanh")
        return cls(
            api,
            code,
            await yard_device(api, code, "entry"),
            await yard_device(api, code, "exit"),
        )

    async def camera(self, headers: dict[str, str], plate: str, at: datetime) -> dict[str, Any]:
        body = yard_read(plate, observed_at=at.isoformat())
        url = f"/api/v1/yards/{self.code}/checkins"
        answer = await self.api.client.post(url, json=body, headers=headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def board_yard(self) -> tuple[dict[str, Any], int]:
        """This yard on Tân Thanh's public board, and the trucks on their way to the gate."""
        board = await self.api.client.get(f"{GATE}/board")
        assert board.status_code == 200, board.text
        (mine,) = [y for y in board.json()["yards"] if y["code"] == self.code]
        return mine, int(board.json()["on_the_way"])

    async def board_shows(self, in_yard: int, dispatched: int, on_the_way: int) -> None:
        async def shown() -> bool:
            mine, coming = await self.board_yard()
            return (mine["in_yard"], mine["dispatched"], coming) == (
                in_yard,
                dispatched,
                on_the_way,
            )

        await eventually(shown)

    async def orders(self, operator: dict[str, str], status: str) -> list[dict[str, Any]]:
        answer = await self.api.client.get(
            f"{GATE}/dispatch-orders", params={"status": status}, headers=operator
        )
        assert answer.status_code == 200, answer.text
        return list(answer.json())


async def _booking(api: Api, enterprise: Enterprise, booking_id: str) -> dict[str, Any]:
    answer = await api.client.get(f"/api/v1/bookings/{booking_id}", headers=enterprise.headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def _no_late_grace(api: Api) -> None:
    """The administrator sets Tân Thanh's late grace to nothing: a slot's grace is then over
    as soon as it starts, so the test need not wait an hour for it to pass."""
    rules = {
        "service_cycle": "perishable:1,aeo:1,regular:5",
        "grace_early_minutes": 30,
        "grace_late_minutes": 0,
        "call_timeout_minutes": 10,
    }
    answer = await api.client.put(f"{GATE}/yard-rules", json=rules, headers=admin())
    assert answer.status_code == 200, answer.text


async def test_a_truck_goes_from_booking_through_a_waiting_yard_and_its_order_to_the_gate_on_time(
    api: Api, settings: Settings, bus: InMemoryEventBus
):
    road = await Road.built(api)
    await _no_late_grace(api)
    carrier = await api.enterprise()
    slot = this_hour()
    booked = await carrier.book(slot)
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    link = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/driver-links", headers=carrier.headers
    )
    assert link.status_code == 201, link.text
    driver_state = "/d/" + link.json()["url"].rsplit("/d/", 1)[1] + "/state"
    await road.board_shows(in_yard=0, dispatched=0, on_the_way=0)

    # The truck entered the yard before its slot began (the entry camera's read, from its
    # backlog); it is judged by that, not by the hour the gate sees it.
    entered = await road.camera(road.entry, booking["plate"], slot - timedelta(minutes=10))
    assert (entered["outcome"], entered["walk_in"]) == ("entered", False)
    await road.board_shows(in_yard=1, dispatched=0, on_the_way=0)
    state = await api.client.get(driver_state)
    assert state.json()["step"] == "step_wait_in_yard", state.text

    operator = await officer(api, "gate_operator")
    rule = await api.client.put(
        f"{GATE}/dispatch/export", json={"target": 1, "deadline_minutes": 45}, headers=operator
    )
    assert rule.status_code == 200, rule.text
    async with _sweeper(settings, bus) as new_uow:
        counts = await run_sweeps_once(new_uow, settings)
    assert (counts["dispatch_orders"], counts["no_shows"]) == (1, 0)

    (order,) = await road.orders(operator, "open")
    assert order["visit_id"] == entered["visit_id"]
    seen = (await _booking(api, carrier, booking["id"]))["road"]
    assert seen["yard"]["code"] == road.code and seen["yard"]["status"] == "dispatched"
    assert (seen["dispatch_order"]["code"], seen["dispatch_order"]["status"]) == (
        order["code"],
        "open",
    )
    state = await api.client.get(driver_state)
    assert state.json()["road"]["dispatch_order"]["code"] == order["code"]
    assert state.json()["step"] == "step_go_to_gate"
    await road.board_shows(in_yard=1, dispatched=1, on_the_way=1)

    departed = await road.camera(road.exit, booking["plate"], utc_now())
    assert (departed["outcome"], departed["status"]) == ("departed", "en_route")
    await road.board_shows(in_yard=0, dispatched=0, on_the_way=1)

    at_gate = await api.client.post(
        f"{GATE}/checkins", json=read(booking["plate"]), headers=await device(api)
    )
    assert at_gate.status_code == 200, at_gate.text
    assert at_gate.json()["outcome"] == "on_time"  # the gate's clock alone says late
    (arrived,) = await road.orders(operator, "arrived")
    assert arrived["id"] == order["id"]
    assert await road.orders(operator, "open") == []
    after = await _booking(api, carrier, booking["id"])
    assert after["status"] == "arrived"
    assert after["road"] is None or after["road"]["dispatch_order"]["status"] == "arrived"
    in_yard = await api.client.get(f"/api/v1/yards/{road.code}/visits", headers=admin())
    assert in_yard.status_code == 200 and in_yard.json() == [], in_yard.text
    state = await api.client.get(driver_state)
    assert state.json()["step"] == "step_wait_in_control_yard"
    await road.board_shows(in_yard=0, dispatched=0, on_the_way=0)


async def test_a_truck_that_misses_its_order_waits_again_and_lapses_at_the_second_miss(
    api: Api, settings: Settings, bus: InMemoryEventBus
):
    road = await Road.built(api)
    carrier = await api.enterprise()
    slot = this_hour(1)
    booked = await carrier.book(slot)
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    before = (await api.slot(slot))["booked"]
    await road.camera(road.entry, booking["plate"], utc_now())
    operator = await officer(api, "gate_operator")
    rule = await api.client.put(
        f"{GATE}/dispatch/export", json={"target": 1, "deadline_minutes": 30}, headers=operator
    )
    assert rule.status_code == 200, rule.text

    async with _sweeper(settings, bus) as new_uow:
        assert (await run_sweeps_once(new_uow, settings))["dispatch_orders"] == 1
        (first,) = await road.orders(operator, "open")
        # The deadline passes: the sweep (with the clock 31 minutes on) finds it missed.
        async with new_uow() as uow:
            assert await sweep_missed_orders(uow, utc_now() + timedelta(minutes=31)) == 1
            await uow.commit()
        (missed,) = await road.orders(operator, "missed")
        assert missed["id"] == first["id"]
        waiting = (await _booking(api, carrier, booking["id"]))["road"]
        assert (waiting["yard"]["status"], waiting["dispatch_order"]["status"]) == (
            "waiting",
            "missed",
        )
        assert (await _booking(api, carrier, booking["id"]))["status"] == "booked"
        await road.board_shows(in_yard=1, dispatched=0, on_the_way=0)

        # Dispatched again; the second deadline passes too: the visit lapses, the booking is a
        # no-show and its place goes back.
        assert (await run_sweeps_once(new_uow, settings))["dispatch_orders"] == 1
        (second,) = await road.orders(operator, "open")
        assert second["id"] != first["id"]
        await road.board_shows(in_yard=1, dispatched=1, on_the_way=1)
        async with new_uow() as uow:
            assert await sweep_missed_orders(uow, utc_now() + timedelta(minutes=62)) == 1
            await uow.commit()

    assert {o["id"] for o in await road.orders(operator, "missed")} == {first["id"], second["id"]}
    assert (await _booking(api, carrier, booking["id"]))["status"] == "no_show"
    assert (await api.slot(slot))["booked"] == before - 1
    in_yard = await api.client.get(f"/api/v1/yards/{road.code}/visits", headers=admin())
    assert in_yard.json() == [], in_yard.text
    await road.board_shows(in_yard=0, dispatched=0, on_the_way=0)
