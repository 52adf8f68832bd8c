"""Fair rebooking (issue 18), on both databases: an hour cut below its bookings moves exactly
its last booked to the earliest later hours with room, in booking order, never over
capacity; a booking's latest acceptable time is honoured (cancelled by the gate when no hour
before it has room); a truck already checked in keeps its place and counts first; each move
is told once (a booking.rebooked webhook and a message); the enterprise's acceptance and its
choice of another hour land, and both are refused after the window or with a stale version.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from gate.store.tables import Booking, OutboxEvent
from tests.helpers import (
    Enterprise,
    bearer,
    device,
    enterprise_user,
    read,
    this_hour,
)
from tests.rebooking_world import (
    KIND,
    World,
    assert_fairly_rebooked,
    at_utc,
    book,
    booked_per_hour,
    cut,
    get_booking,
)
from tests.yards import enters_yard, yard, yard_enterprise

CHECKINS = "/api/v1/gates/tan-thanh/checkins"


async def test_a_cut_moves_exactly_the_last_booked_to_the_earliest_free_hours(world: World):
    api = world.api
    company = await api.enterprise()
    hour = this_hour(3)
    first, second, third = [await book(company, hour) for _ in range(3)]
    for _ in range(2):  # the next hour keeps one place
        await book(company, hour + timedelta(hours=1))

    answer = await cut(api, hour, 1)

    assert answer["above_capacity"] == 2
    assert (answer["bookings_moved"], answer["bookings_cancelled"]) == (2, 0)
    assert answer["bookings_kept"] is False
    kept, moved_first, moved_second = [
        await get_booking(company, b) for b in (first, second, third)
    ]
    assert at_utc(kept["slot_start"]) == hour and kept["version"] == 1
    assert kept["rebooked_from"] is None
    # In booking order: the second booked takes the next hour's last place, the third the one
    # after; each one version on, remembering where it came from and open to an answer.
    assert at_utc(moved_first["slot_start"]) == hour + timedelta(hours=1)
    assert at_utc(moved_second["slot_start"]) == hour + timedelta(hours=2)
    for moved in (moved_first, moved_second):
        assert moved["status"] == "booked" and moved["version"] == 2
        assert at_utc(moved["rebooked_from"]) == hour
        assert moved["rebooking_open_until"] is not None
    slots = await booked_per_hour(world)
    assert slots[hour.astimezone(UTC)] == (1, 1)
    assert slots[(hour + timedelta(hours=1)).astimezone(UTC)] == (3, 3)
    assert slots[(hour + timedelta(hours=2)).astimezone(UTC)] == (1, 3)


async def test_the_latest_acceptable_time_is_honoured_or_the_gate_cancels(world: World):
    api = world.api
    company = await api.enterprise()
    hour = this_hour(4)
    later = hour + timedelta(hours=1)
    await book(company, hour)
    bounded = await book(company, hour, latest_acceptable_at=later.isoformat())
    free = await book(company, hour)
    for _ in range(3):  # the next hour is full
        await book(company, later)

    answer = await cut(api, hour, 1)

    assert (answer["bookings_moved"], answer["bookings_cancelled"]) == (1, 1)
    cancelled = await get_booking(company, bounded)
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancel_reason"] == "rebooking-no-room"
    assert at_utc(cancelled["latest_acceptable_at"]) == later.astimezone(UTC)
    assert at_utc((await get_booking(company, free))["slot_start"]) == hour + timedelta(hours=2)
    slots = await booked_per_hour(world)
    assert slots[hour.astimezone(UTC)] == (1, 1)


async def test_a_latest_acceptable_time_before_the_hour_is_refused(world: World):
    company = await world.api.enterprise()
    hour = this_hour(5)
    early = (hour - timedelta(hours=1)).isoformat()
    refused = await company.book(hour, latest_acceptable_at=early)
    assert refused.status_code == 422, refused.text
    booking = await book(company, hour)
    path = f"/api/v1/bookings/{booking['id']}/latest-acceptable"
    body = {"latest_acceptable_at": early, "version": 1}
    refused = await world.api.client.post(path, json=body, headers=company.headers)
    assert refused.status_code == 422, refused.text
    body["latest_acceptable_at"] = (hour + timedelta(hours=6)).isoformat()
    changed = await world.api.client.post(path, json=body, headers=company.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2
    assert at_utc(changed.json()["latest_acceptable_at"]) == hour + timedelta(hours=6)


async def test_a_checked_in_truck_keeps_its_place_and_counts_first(world: World):
    api = world.api
    company = await api.enterprise()
    hour = this_hour(0)
    first = await book(company, hour)
    arrived = await book(company, hour)
    last = await book(company, hour)
    camera = await device(api)
    checked = await api.client.post(CHECKINS, json=read(arrived["plate"]), headers=camera)
    assert checked.status_code in (200, 201), checked.text
    assert (await get_booking(company, arrived))["status"] == "arrived"

    answer = await cut(api, hour, 1)

    # The one place is the checked-in truck's: both bookings still booked leave, in order.
    assert answer["bookings_moved"] == 2
    assert at_utc((await get_booking(company, arrived))["slot_start"]) == hour
    for moved in (first, last):
        assert at_utc((await get_booking(company, moved))["slot_start"]) == hour + timedelta(
            hours=1
        )


async def _moved(world: World) -> tuple[Enterprise, dict[str, Any]]:
    """A booking the gate moved (from three hours ahead to four)."""
    company = await world.api.enterprise()
    hour = this_hour(3)
    await book(company, hour)
    booking = await book(company, hour)
    await cut(world.api, hour, 1)
    return company, await get_booking(company, booking)


async def _answer(
    company: Enterprise, booking: dict[str, Any], what: str, key: str | None = None, **body: Any
) -> Any:
    headers = {**company.headers, **({"Idempotency-Key": key} if key else {})}
    return await company.api.client.post(
        f"/api/v1/bookings/{booking['id']}/rebooking/{what}", json=body, headers=headers
    )


async def test_an_accepted_move_lands_once(world: World):
    company, moved = await _moved(world)
    accepted = await _answer(company, moved, "accept", "accept-1", version=moved["version"])
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["status"] == "booked" and body["slot_start"] == moved["slot_start"]
    assert body["version"] == moved["version"] + 1
    assert body["rebooking_open_until"] is None
    again = await _answer(company, moved, "accept", "accept-1", version=moved["version"])
    assert again.json() == body  # a retry replays the first answer
    twice = await _answer(company, moved, "accept", version=body["version"])
    assert twice.status_code == 409, twice.text


async def test_a_chosen_other_hour_lands(world: World):
    company, moved = await _moved(world)
    chosen_hour = this_hour(9)
    chosen = await _answer(
        company, moved, "choose", slot_start=chosen_hour.isoformat(), version=moved["version"]
    )
    assert chosen.status_code == 200, chosen.text
    assert at_utc(chosen.json()["slot_start"]) == chosen_hour
    assert chosen.json()["rebooking_open_until"] is None
    slots = await booked_per_hour(world)
    assert slots[chosen_hour.astimezone(UTC)][0] == 1
    assert slots[this_hour(4).astimezone(UTC)][0] == 0


async def test_answers_are_refused_with_a_stale_version_or_after_the_window(world: World):
    company, moved = await _moved(world)
    stale = await _answer(company, moved, "accept", version=moved["version"] - 1)
    assert stale.status_code == 409 and stale.json()["type"].endswith("version-conflict")
    stale = await _answer(company, moved, "choose", slot_start=this_hour(8).isoformat(), version=1)
    assert stale.status_code == 409 and stale.json()["type"].endswith("version-conflict")
    past = datetime.now(UTC) - timedelta(minutes=1)
    await world.run(
        update(Booking).where(Booking.id == moved["id"]).values(rebooking_open_until=past),
        rows=False,
    )
    for what, extra in (("accept", {}), ("choose", {"slot_start": this_hour(8).isoformat()})):
        late = await _answer(company, moved, what, version=moved["version"], **extra)
        assert late.status_code == 409, late.text
        assert late.json()["type"].endswith("invalid-transition")
    after = await get_booking(company, moved)
    assert after["slot_start"] == moved["slot_start"] and after["version"] == moved["version"]


async def test_each_move_is_told_once_by_webhook_and_message(world: World):
    api = world.api
    company = await api.enterprise(key_scope="manager")
    endpoint = await api.client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": "http://127.0.0.1:9/hooks", "event_types": [KIND]},
        headers=company.headers,
    )
    assert endpoint.status_code == 201, endpoint.text
    user = bearer(await enterprise_user(api, company))
    body = {"channels": ["email"], "language": "vi", "events": [KIND]}
    chosen = await api.client.put("/api/v1/me/notifications", json=body, headers=user)
    assert chosen.status_code == 200, chosen.text
    hour = this_hour(3)
    bookings = [await book(company, hour) for _ in range(3)]

    await cut(api, hour, 1)
    first = await world.expand()
    again = await world.expand()  # a second round finds nothing more to tell

    assert len(again) == len(first) == 4
    hooks = [d for d in first if d.channel == "webhook"]
    assert sorted(d.payload["data"]["booking_id"] for d in hooks) == sorted(
        b["id"] for b in bookings[1:]
    )
    for hook in hooks:
        data = hook.payload["data"]
        assert at_utc(data["previous_slot_start"]) == hour and data["cause"] == "hour"
        assert data["respond_by"]
    mails = [d for d in first if d.channel == "email"]
    assert len(mails) == 2 and all("chuyển" in m.payload["text"] for m in mails)
    events = await world.run(select(OutboxEvent.booking_id).where(OutboxEvent.name == KIND))
    assert len(events) == 2


async def test_bookings_arriving_during_a_cut_never_overfill_and_the_last_booked_move(
    world: World,
):
    """Bookings for the cut hour and the hours after it race the cut (really concurrently on
    PostgreSQL, its connections in parallel; SQLite serialises the writers): no hour ends
    with more bookings than places, the cut hour keeps exactly its first booked, the moved
    are exactly the last booked, and each move is told once."""
    api = world.api
    companies = [await api.enterprise() for _ in range(3)]
    hour = this_hour(3)
    for company in companies[:2]:
        await book(company, hour)
    later = [hour + timedelta(hours=n) for n in (1, 1, 2, 2)]
    vehicles = [[await c.vehicle() for _ in range(3)] for c in companies]

    async def booked_by(company: int, at: datetime, n: int) -> int:
        answer = await companies[company].book(at, vehicle=vehicles[company][n])
        return answer.status_code

    answers = await asyncio.gather(
        booked_by(0, hour, 1),
        booked_by(1, hour, 1),
        cut(api, hour, 1),
        booked_by(2, hour, 0),
        *(booked_by(n % 3, at, 2 if n < 3 else 0) for n, at in enumerate(later[:3])),
        booked_by(2, later[3], 1),
    )
    assert all(code in (201, 409) for code in answers if isinstance(code, int)), answers

    await assert_fairly_rebooked(world, hour)


async def test_a_truck_held_in_a_waiting_yard_keeps_its_hour_and_counts_first(world: World):
    """A truck waiting in a yard for the gate's call is present, as a checked-in one is: a
    cut moves the others, the first booked included, never it (its yard visit names that
    hour; found by a new user's trial, where the held truck was moved and its visit was not)."""
    api = world.api
    company = await api.enterprise()
    hour = this_hour(3)
    first, held, last = [await book(company, hour) for _ in range(3)]
    code = await yard(api, await yard_enterprise(api), capacity=50)
    await enters_yard(api, code, held["plate"])

    answer = await cut(api, hour, 1)

    assert answer["bookings_moved"] == 2
    assert at_utc((await get_booking(company, held))["slot_start"]) == hour.astimezone(UTC)
    for moved in (first, last):
        assert at_utc((await get_booking(company, moved))["rebooked_from"]) == hour.astimezone(UTC)


async def test_a_perishable_load_is_never_moved_past_its_spoil_by(world: World):
    """The spoil-by bounds a move as a latest acceptable hour would: with no hour with room
    starting before the load spoils, the gate cancels the booking instead of sending the
    fruit to rot; a reschedule to an hour starting at or after it is refused."""
    api = world.api
    company = await api.enterprise()
    hour = this_hour(3)
    await book(company, hour)
    fruit = {
        "description": "Sầu riêng (durian), 18 t",
        "weight_kg": 18000,
        "perishable": True,
        "spoil_by": (hour + timedelta(hours=2)).isoformat(),
    }
    perishable = await book(company, hour, cargo=fruit)
    for _ in range(3):  # the next hour is full; the one after starts when the load spoils
        await book(company, hour + timedelta(hours=1))

    answer = await cut(api, hour, 1)

    assert (answer["bookings_moved"], answer["bookings_cancelled"]) == (0, 1)
    gone = await get_booking(company, perishable)
    assert gone["status"] == "cancelled" and gone["cancel_reason"] == "rebooking-no-room"

    other = await book(company, hour - timedelta(hours=1), cargo=fruit)
    late = await api.client.post(
        f"/api/v1/bookings/{other['id']}/reschedule",
        json={"slot_start": (hour + timedelta(hours=2)).isoformat(), "version": 1},
        headers=company.headers,
    )
    assert late.status_code == 422, late.text
    assert late.json()["field"] == "slot_start"
    assert (await get_booking(company, other))["version"] == 1  # nothing changed
