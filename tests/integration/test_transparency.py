"""The public transparency page and the open-data history API (issue 17): their numbers
equal the statistics' reads, paging walks a long window without a gap or a repeat, a time
from fewer than MIN_TRUCKS trucks is withheld, wrong input is a 4xx problem, answers carry
an ETag, and the board's wait chart comes from the rollups, read once per refresh.

The rollups are written directly here (hourly counts and times seeded at random, added with
the job's ``add_to_rollups`` so that the daily rows are there too, and ``slots``): what puts
them there from the bookings is ``test_statistics_rollups.py``'s."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from gate.domain.statistics import WAIT_BOUNDS_MINUTES, Contributions, Key, Measure, agency_measure
from gate.domain.time import utc_now
from gate.live.wait_chart import WaitCharts, wait_chart
from gate.statistics.capacity import capacity_use
from gate.statistics.public import MIN_TRUCKS, P90_MIN_TRUCKS, local_day, midnight
from gate.statistics.reads import (
    Grain,
    Scope,
    counts,
    distributions,
    typical_waits,
)
from gate.statistics.rows import add_to_rollups
from gate.store.tables import Gate, Slot, StatisticsTime
from gate.store.types import new_id
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api

FIRST = date(2026, 3, 1)
LAST = date(2026, 5, 31)  # 92 days
DAYS_URL = "/api/v1/statistics/gates/tan-thanh/days"
MEASURES = (
    Measure.WAIT_FOR_CALL,
    Measure.CALL_TO_EXIT,
    Measure.CALL_TO_TURN_BACK,
    Measure.FORECAST_ERROR,
    agency_measure("customs"),
    agency_measure("quarantine"),
)


async def _gate_id(uow: UnitOfWork) -> str:
    gate_id = await uow.session.scalar(select(Gate.id).where(Gate.code == "tan-thanh"))
    assert gate_id is not None
    return gate_id


async def _seed(uow: UnitOfWork, seed: int = 17) -> str:
    """Random rollups over FIRST..LAST: some hours of some days, both directions, two
    classes; some days left empty. Returns the gate's id."""
    rng = random.Random(seed)
    gate_id = await _gate_id(uow)
    start = midnight(FIRST).astimezone(UTC)
    delta = Contributions()
    for n in range(((LAST - FIRST).days + 1) * 24):
        hour = start + timedelta(hours=n)
        if rng.random() < 0.7 or n // 24 % 10 == 3:  # most hours empty, every tenth day
            continue
        for direction in ("export", "import"):
            uow.session.add(
                Slot(
                    id=new_id(),
                    gate_id=gate_id,
                    direction=direction,
                    starts_at=hour,
                    capacity=rng.randint(10, 40),
                    booked=rng.randint(0, 10),
                )
            )
            for queue_class in ("regular", "perishable"):
                values = {c: rng.randint(0, 6) for c in ("made", "cancelled", "lapsed")}
                values |= {c: rng.randint(0, 6) for c in ("walk_ins", "checked_in")}
                values |= {c: rng.randint(0, 6) for c in ("called", "exited")}
                values |= {c: rng.randint(0, 2) for c in ("turned_back", "expired")}
                key = Key(gate_id, direction, hour, queue_class)
                for column, value in values.items():
                    if value:
                        delta.count(key, column, value)
                for measure in MEASURES:
                    for bucket in rng.sample(range(12), rng.randint(0, 3)):
                        count = rng.randint(1, 4)
                        low = (bucket * 10 - 60) * 60 if measure == Measure.FORECAST_ERROR else 0
                        seconds = count * (low + rng.randint(0, 3600))
                        delta.times[key, measure, bucket] = (count, seconds)
    await add_to_rollups(uow.session, delta)
    await uow.commit()
    return gate_id


NONE = {"median_minutes": None, "p90_minutes": None, "median_band": None, "p90_band": None}


def _band(distribution: Any, share: float) -> dict[str, int | None]:
    """The bucket the share's rank falls in, as its bounds (waits: the first from 0, the
    last open)."""
    rank, seen = share * distribution.count, 0
    for bucket in sorted(distribution.buckets):
        seen += distribution.buckets[bucket][0]
        if seen >= rank and distribution.buckets[bucket][0]:
            bounds = (0, *WAIT_BOUNDS_MINUTES, None)
            return {"from_minutes": bounds[bucket], "to_minutes": bounds[bucket + 1]}
    raise AssertionError("no bucket")


def _times(distribution: Any) -> dict[str, Any]:
    """What the API shows of a distribution, computed from the reads' own."""
    if distribution is None:
        return {"trucks": 0} | NONE
    trucks = distribution.count
    if trucks < MIN_TRUCKS:
        return {"trucks": trucks} | NONE
    p90 = distribution.percentile_minutes(0.9, mean_from=MIN_TRUCKS)
    enough = trucks >= P90_MIN_TRUCKS
    return {
        "trucks": trucks,
        "median_minutes": round(distribution.percentile_minutes(0.5, mean_from=MIN_TRUCKS), 1),
        "p90_minutes": round(p90, 1) if enough else None,
        "median_band": _band(distribution, 0.5),
        "p90_band": _band(distribution, 0.9) if enough else None,
    }


async def _walk(client: httpx.AsyncClient, query: str, limit: int) -> list[dict[str, Any]]:
    days: list[dict[str, Any]] = []
    url = f"{DAYS_URL}?{query}&limit={limit}"
    pages = 0
    while True:
        answer = await client.get(url)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        days += body["days"]
        pages += 1
        assert pages < 100
        if body["next_cursor"] is None:
            return days
        url = f"{DAYS_URL}?{query}&limit={limit}&cursor={body['next_cursor']}"


async def test_the_days_page_through_a_long_window_and_equal_the_reads(api: Api, uow: UnitOfWork):
    gate_id = await _seed(uow)
    query = f"from={FIRST}&to={LAST}&direction=export"
    days = await _walk(api.client, query, limit=9)

    wanted = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
    assert [date.fromisoformat(d["day"]) for d in days] == wanted  # no gap, no repeat
    assert days == await _walk(api.client, query, limit=100)  # the same whatever the page

    scope = Scope(midnight(FIRST), midnight(LAST + timedelta(days=1)), gate_id, "export")
    counted = {c.period.date(): c for c in await counts(uow.session, scope, Grain.DAY)}
    waits = dict(await distributions(uow.session, Measure.WAIT_FOR_CALL, scope, Grain.DAY))
    exits = dict(await distributions(uow.session, Measure.CALL_TO_EXIT, scope, Grain.DAY))
    refusals = dict(await distributions(uow.session, Measure.CALL_TO_TURN_BACK, scope, Grain.DAY))
    customs = dict(await distributions(uow.session, agency_measure("customs"), scope, Grain.DAY))
    places = {c.period.date(): c for c in await capacity_use(uow.session, scope, Grain.DAY)}
    empty = 0
    for day in days:
        local = date.fromisoformat(day["day"])
        period = midnight(local)
        row = counted.get(local)
        assert day["bookings_made"] == (row.made if row else 0)
        assert day["no_shows"] == (row.lapsed if row else 0)
        assert day["trucks_checked_in"] == (row.checked_in if row else 0)
        assert day["trucks_exited"] == (row.exited if row else 0)
        assert day["turned_back"] == (row.turned_back if row else 0)
        assert day["expired"] == (row.expired if row else 0)
        assert day["call_to_turn_back"] == _times(refusals.get(period))
        assert day["wait_for_call"] == _times(waits.get(period))
        assert day["call_to_exit"] == _times(exits.get(period))
        assert day["agencies"].get("customs", _times(None)) == _times(customs.get(period))
        capacity = places.get(local)
        assert day["places_offered"] == (capacity.offered if capacity else 0)
        assert day["places_held"] == (capacity.held if capacity else 0)
        empty += row is None
    # The seed made what the comparison needs: empty days and days with figures.
    assert empty >= 9
    assert any(d["wait_for_call"]["median_minutes"] is not None for d in days)
    assert sum(d["trucks_checked_in"] for d in days) > 0


async def test_the_typical_wait_equals_the_reads_and_withholds_few_trucks(
    api: Api, uow: UnitOfWork
):
    gate_id = await _seed(uow)
    answer = await api.client.get(
        "/api/v1/statistics/gates/tan-thanh/typical-waits", params={"to": str(LAST), "weeks": 13}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["hours"]) == 7 * 24 and body["min_trucks"] == MIN_TRUCKS
    since = midnight(LAST + timedelta(days=1)) - timedelta(weeks=13)
    until = midnight(LAST + timedelta(days=1))
    found = await typical_waits(uow.session, Scope(since, until, gate_id))
    for cell in body["hours"]:
        assert cell["wait_for_call"] == _times(found.get((cell["weekday"], cell["hour"])))
    assert sum(c["wait_for_call"]["trucks"] for c in body["hours"]) > 0

    # The page shows the same: the agencies over the last 28 days, the heat map's cells.
    html = (await api.client.get("/transparency/tan-thanh")).text
    assert 'class="heat"' in html and "/api/v1/statistics/gates/tan-thanh/days" in html
    assert 'href="/transparency"' in (await api.client.get("/")).text


async def test_a_single_trucks_time_is_never_shown(api: Api, uow: UnitOfWork):
    gate_id = await _gate_id(uow)
    hour = midnight(date(2026, 4, 6)).astimezone(UTC) + timedelta(hours=10)  # a Monday, 10:00
    delta = Contributions()
    for count, offset in ((1, 0), (MIN_TRUCKS, 1)):
        key = Key(gate_id, "export", hour + timedelta(hours=offset), "regular")
        delta.times[key, Measure.WAIT_FOR_CALL, 5] = (count, count * 2711)  # 45 min 11 s each
    await add_to_rollups(uow.session, delta)
    await uow.commit()
    answer = await api.client.get(
        "/api/v1/statistics/gates/tan-thanh/typical-waits", params={"to": "2026-04-12"}
    )
    cells = {(c["weekday"], c["hour"]): c["wait_for_call"] for c in answer.json()["hours"]}
    assert cells[0, 10] == {"trucks": 1} | NONE
    assert cells[0, 11]["median_minutes"] is not None
    html = (await api.client.get("/transparency/tan-thanh")).text
    assert "45.2" not in answer.text and "45.2" not in html


async def test_wrong_input_is_a_problem_and_answers_carry_an_etag(api: Api):
    wrong = [
        f"{DAYS_URL}?from=2026-05-02&to=2026-05-01",
        f"{DAYS_URL}?from=2024-01-01&to=2026-01-01",  # longer than 366 days
        f"{DAYS_URL}?from=1999-12-31&to=2000-01-02",
        f"{DAYS_URL}?from=2026-13-01",
        f"{DAYS_URL}?limit=0",
        f"{DAYS_URL}?limit=101",
        f"{DAYS_URL}?cursor=%%%",
        f"{DAYS_URL}?cursor=bm90LWEtZGF5",  # "not-a-day"
        f"{DAYS_URL}?from=2026-05-01&to=2026-05-10&cursor=MjAyNi0wNi0wMQ",  # 2026-06-01
        f"{DAYS_URL}?direction=sideways",
        "/api/v1/statistics/gates/tan-thanh/typical-waits?weeks=0",
        "/api/v1/statistics/gates/tan-thanh/typical-waits?to=9999-12-31",
        "/api/v1/statistics/gates/nowhere/days",
        "/api/v1/statistics/gates/nowhere/typical-waits",
    ]
    for url in wrong:
        answer = await api.client.get(url)
        assert 400 <= answer.status_code < 500, (url, answer.status_code, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json"), url
    unknown = await api.client.get("/api/v1/statistics/gates/nowhere/days")
    assert unknown.status_code == 404
    # The page's refusals are pages (test_transparency_refusals.py), still 4xx.
    for url in ("/transparency/nowhere", "/transparency/tan-thanh?direction=sideways"):
        assert (await api.client.get(url)).status_code in (404, 422), url

    first = await api.client.get(DAYS_URL, params={"from": "2026-05-01", "to": "2026-05-03"})
    assert first.status_code == 200
    assert first.headers["cache-control"].startswith("public, max-age=")
    etag = first.headers["etag"]
    again = await api.client.get(
        DAYS_URL, params={"from": "2026-05-01", "to": "2026-05-03"}, headers={"if-none-match": etag}
    )
    assert again.status_code == 304 and again.content == b""


async def test_the_board_chart_is_read_from_the_rollups_once_per_refresh(uow: UnitOfWork):
    gate_id = await _gate_id(uow)
    now = datetime(2026, 4, 6, 9, 30, tzinfo=UTC)
    uow.session.add(
        StatisticsTime(
            gate_id=gate_id,
            direction="import",
            hour=datetime(2026, 4, 6, 7, tzinfo=UTC),
            queue_class="regular",
            measure=Measure.WAIT_ENDED,
            bucket=3,
            count=MIN_TRUCKS,
            seconds=MIN_TRUCKS * 1000,
        )
    )
    await uow.commit()
    clock = [0.0]
    charts = WaitCharts(refresh=60, clock=lambda: clock[0])
    first = await charts.of(uow.session, gate_id, now)
    imports = next(c for c in first if c.direction == "import")
    assert [h.hour.hour for h in imports.hours][-3:] == [7, 8, 9]
    seven = next(h for h in imports.hours if h.hour.hour == 7)
    # Five waits of 1000 s on average in the bucket of 15 to 20 minutes: the median, the
    # middle one of five, is read at their mean (gate/domain/distributions.py).
    assert (seven.trucks, seven.median_minutes) == (MIN_TRUCKS, round(1000 / 60, 1))
    await uow.session.execute(StatisticsTime.__table__.delete())
    await uow.commit()
    assert await charts.of(uow.session, gate_id, now) is first  # held: no query
    clock[0] = 61
    again = await charts.of(uow.session, gate_id, now)
    assert all(h.trucks == 0 for c in again for h in c.hours)


async def test_short_waits_read_as_their_band_and_the_pages_say_so(api: Api, uow: UnitOfWork):
    """Ten trucks called after 40 s on average (bucket 0 to 5 min): the median estimated
    inside the band honours that mean (0.6 min, not the band's middle, 2.5, a wait nobody
    had); the API gives the band beside it, and the transparency page, the board and the
    statistics page show the band and say times are read from bands (in vi, zh and en)."""
    gate_id = await _gate_id(uow)
    today = local_day(utc_now())
    monday = today - timedelta(days=today.weekday() + 7)  # inside the page's eight weeks
    hour = midnight(monday).astimezone(UTC) + timedelta(hours=10)  # Monday, 10:00
    delta = Contributions()
    for measure in (Measure.WAIT_FOR_CALL, Measure.WAIT_ENDED):
        delta.times[Key(gate_id, "export", hour, "regular"), measure, 0] = (10, 10 * 40)
    await add_to_rollups(uow.session, delta)
    await uow.commit()
    answer = await api.client.get(
        "/api/v1/statistics/gates/tan-thanh/typical-waits",
        params={"to": str(monday + timedelta(days=6))},
    )
    cells = {(c["weekday"], c["hour"]): c["wait_for_call"] for c in answer.json()["hours"]}
    assert cells[0, 10]["median_minutes"] == 0.6  # 4/3 min × 5/11: the 5th of 10 over 0-4/3
    assert cells[0, 10]["p90_minutes"] == 1.1  # 4/3 min × 9/11
    assert cells[0, 10]["median_band"] == {"from_minutes": 0, "to_minutes": 5}
    assert cells[0, 10]["p90_band"] == {"from_minutes": 0, "to_minutes": 5}
    schema = (await api.client.get("/schema/openapi.json")).json()["components"]["schemas"]
    assert {"median_band", "p90_band"} <= set(schema["TimesView"]["properties"])

    (export, *_) = [
        c
        for c in await wait_chart(uow.session, gate_id, hour + timedelta(minutes=30))
        if c.direction == "export"
    ]
    last = export.hours[-1]
    assert (last.median_from, last.median_to, last.complete) == (0, 5, False)

    notes = {"en": "bands of minutes", "vi": "khoảng phút", "zh": "分钟区间"}
    for lang, words in notes.items():
        api.client.cookies.set("gate_lang", lang)
        html = (await api.client.get("/transparency/tan-thanh")).text
        assert words in html.split('id="bands-note"')[1].split("</p>")[0]
    api.client.cookies.set("gate_lang", "en")
    html = (await api.client.get("/transparency/tan-thanh")).text
    assert 'data-cell="0-10">&lt;5</td>' in html
    # The days' table counts trucks turned back and let go uncalled, and says what each is.
    assert "<th>Turned back</th><th>Let go uncalled</th>" in html
    assert "walk-ins and cancelled ones included" in html.split('id="counts-note"')[1]
    assert "2.5" not in html.split('class="heat"')[1].split("</table>")[0]
