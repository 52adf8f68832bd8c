"""No-show accountability (issue 18), on SQLite and PostgreSQL: an enterprise above the
no-show threshold is refused a peak hour beyond its share and accepted off-peak; an excused
no-show does not count, so the same enterprise then books the peak hour; below the minimum
of bookings no limit applies. The defaults of gate/config.py: 10 bookings before the rate
counts, threshold 10 %, slope 2, floor 0.25; peak hours 7-11 and 13-17."""

from __future__ import annotations

import asyncio
from typing import Any

from gate.config import Settings
from tests.helpers import Api, Enterprise, officer, open_all_day, tomorrow_at
from tests.no_show_history import record

PEAK, OFF_PEAK = tomorrow_at(9), tomorrow_at(20)
CAPACITY = 4  # share 0.25 of 4 places: 1 place


async def _standing(api: Api, enterprise: Enterprise) -> dict[str, Any]:
    answer = await api.client.get("/api/v1/enterprise/no-shows", headers=enterprise.headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def _set_up(api: Api) -> None:
    await open_all_day(api)
    await api.set_capacity(PEAK, CAPACITY)
    await api.set_capacity(OFF_PEAK, CAPACITY)


async def test_above_the_threshold_a_peak_hour_is_refused_beyond_the_share_and_off_peak_is_not(
    api: Api, settings: Settings
):
    await _set_up(api)
    carrier = await api.enterprise()
    await record(settings, carrier, no_shows=5, kept=5)

    standing = await _standing(api, carrier)
    assert (standing["counted"], standing["no_shows"], standing["rate"]) == (10, 5, 0.5)
    assert standing["peak_share"] == 0.25 and standing["peak_places_of_10"] == 3
    assert len(standing["recent"]) == 5 and not any(e["excused"] for e in standing["recent"])

    assert (await carrier.book(PEAK)).status_code == 201
    refused = await carrier.book(PEAK)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "/problems/peak-share-exceeded"
    assert (await api.slot(PEAK))["booked"] == 1  # the refusal changed nothing

    off_peak = [await carrier.book(OFF_PEAK) for _ in range(2)]
    assert [a.status_code for a in off_peak] == [201, 201]
    moved = await api.client.post(
        f"/api/v1/bookings/{off_peak[0].json()['id']}/reschedule",
        json={"slot_start": PEAK.isoformat(), "version": 1},
        headers=carrier.headers,
    )
    assert moved.status_code == 409 and moved.json()["type"] == "/problems/peak-share-exceeded"

    # Another enterprise, with no record, takes the hour's other places.
    other = await api.enterprise()
    assert [(await other.book(PEAK)).status_code for _ in range(3)] == [201, 201, 201]
    assert (await api.slot(PEAK))["peak"] is True and (await api.slot(OFF_PEAK))["peak"] is False


async def test_an_excused_no_show_does_not_count_and_the_peak_hour_is_then_booked(
    api: Api, settings: Settings
):
    await _set_up(api)
    carrier = await api.enterprise()
    lapsed = await record(settings, carrier, no_shows=5, kept=5)
    assert (await carrier.book(PEAK)).status_code == 201
    assert (await carrier.book(PEAK)).status_code == 409

    customs = await officer(api, "customs")
    base = "/api/v1/gates/tan-thanh/vehicles"
    by_enterprise = await api.client.post(
        f"{base}/{lapsed[0]['id']}/no-show-excuse",
        json={"reason": "xe hỏng"},
        headers=carrier.headers,
    )
    assert by_enterprise.status_code == 403
    for booking in lapsed[:4]:  # 1 of 10 left: 10 %, not above the threshold
        excused = await api.client.post(
            f"{base}/{booking['id']}/no-show-excuse",
            json={"reason": "Phía Trung Quốc đóng cửa đột xuất"},
            headers=customs,
        )
        assert excused.status_code == 200, excused.text
        assert excused.json()["status"] == "no_show" and excused.json()["excuse"]
    again = await api.client.post(
        f"{base}/{lapsed[0]['id']}/no-show-excuse", json={"reason": "lần nữa"}, headers=customs
    )
    assert again.status_code == 200
    assert again.json()["excuse"] == "Phía Trung Quốc đóng cửa đột xuất"  # the first stays

    standing = await _standing(api, carrier)
    assert (standing["no_shows"], standing["excused"], standing["counted"]) == (1, 4, 10)
    assert standing["peak_share"] == 1.0
    assert (await carrier.book(PEAK)).status_code == 201

    history = await api.client.get(
        f"/api/v1/bookings/{lapsed[0]['id']}/history", headers=carrier.headers
    )
    excuses = [h for h in history.json() if h["event"] == "booking.no_show_excused"]
    assert len(excuses) == 1 and excuses[0]["actor"] == "officer"
    assert excuses[0]["reason"] == "Phía Trung Quốc đóng cửa đột xuất"

    booked = (await carrier.book(OFF_PEAK)).json()
    not_lapsed = await api.client.post(
        f"{base}/{booked['id']}/no-show-excuse", json={"reason": "x"}, headers=customs
    )
    assert not_lapsed.status_code == 409
    assert not_lapsed.json()["type"] == "/problems/invalid-transition"


async def test_below_the_minimum_of_bookings_no_limit_applies(api: Api, settings: Settings):
    await _set_up(api)
    carrier = await api.enterprise()
    await record(settings, carrier, no_shows=9, kept=0)

    standing = await _standing(api, carrier)
    assert standing["counted"] == 9 and standing["rate"] is None
    assert standing["peak_share"] == 1.0
    assert [(await carrier.book(PEAK)).status_code for _ in range(CAPACITY)] == [201] * CAPACITY


async def test_one_truck_sent_twice_beyond_the_share_is_refused_for_the_share_both_times(
    api: Api, settings: Settings
):
    """The rush decides the two attempts together (gate/bookings/together.py) or one by one;
    either way each is told what one by one would tell it: beyond the share, not full."""
    await _set_up(api)
    carrier = await api.enterprise()
    await record(settings, carrier, no_shows=5, kept=5)
    assert (await carrier.book(PEAK)).status_code == 201
    body = carrier.booking_body(await carrier.vehicle(), await carrier.driver(), PEAK)

    answers = await asyncio.gather(
        *(api.client.post("/api/v1/bookings", json=body, headers=carrier.headers) for _ in "ab")
    )

    assert [a.status_code for a in answers] == [409, 409]
    assert {a.json()["type"] for a in answers} == {"/problems/peak-share-exceeded"}
    assert (await api.slot(PEAK))["booked"] == 1
