"""A year of a border gate's history in a PostgreSQL database of its own, for measuring the
statistics (issue 17): about a million bookings at Lạng Sơn's four gates, written with COPY.

The year is the 365 local days before ``--end`` (Asia/Ho_Chi_Minh). Each gate direction's
hours are its seeded opening hours; an hour offers ``SCALE`` times the seeded capacity (the
seeded figures carry some 570,000 trucks a year; a million is the issue's "busy year") and
is filled by a share that follows the hour of day, the weekday, the season (the fruit
months, the weeks before Tết) and noise. Of the places made: cancelled 8 %, no-shows 5 %,
rejected 1 %, the rest exited; 10 % are walk-ins; perishable cargo 30 % (45 % at Tân
Thanh), AEO 15 % of the others. Waits are lognormal, longer in busy hours and for regular
trucks; the forecast errs by a lognormal factor; every truck at the lane is decided by the
border guard and customs (quarantine too for perishable cargo), customs sometimes twice (a
hold, then a clearance). Seeded random, so two runs make the same year.

Everything is reached through :func:`generate`; the command line is
``loadtests/statistics_bench.py``'s.
"""

from __future__ import annotations

import asyncio
import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from gate.domain.time import LOCAL_TZ
from gate.gates.seed import LANG_SON_GATES

SCALE = 3  # the seeded hourly capacities times this: about a million bookings a year
DAYS = 365
OFFICER_AGENCIES = ("border_guard", "customs", "quarantine")

# The share of an hour's places filled, by local hour (peaks mid-morning and after lunch).
HOUR_LOAD = {
    h: 0.55 + 0.35 * math.exp(-((h - 10) ** 2) / 8) + 0.25 * math.exp(-((h - 15) ** 2) / 6)
    for h in range(24)
}
WEEKDAY_LOAD = (1.0, 1.0, 0.95, 0.95, 1.05, 0.85, 0.6)  # Monday first; Sunday quiet


def season_load(day: datetime) -> float:
    """Busier in the fruit months (May to August) and the four weeks before Tết (late January
    to mid February), quiet the week after it."""
    if day.month in (5, 6, 7, 8):
        return 1.1
    if (day.month == 1 and day.day >= 10) or (day.month == 2 and day.day < 5):
        return 1.15
    if day.month == 2 and day.day < 14:
        return 0.4
    return 0.9


@dataclass
class Year:
    """What was written: counts for the report."""

    bookings: int = 0
    decisions: int = 0
    slots: int = 0
    last_day_ids: list[str] = field(default_factory=list)


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _minutes(rng: random.Random, median: float, sigma: float) -> timedelta:
    return timedelta(minutes=median * math.exp(rng.gauss(0, sigma)))


def _booking(
    rng: random.Random,
    number: int,
    gate: Any,
    direction: str,
    slot: tuple[str, datetime],
    load: float,
    officers: dict[str, str],
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """One booking's row and its decisions' rows (COPY order of :data:`BOOKING_COLUMNS`)."""
    slot_id, start = slot
    fruit = 0.45 if gate.code == "tan-thanh" else 0.30
    perishable = rng.random() < fruit
    walk_in = rng.random() < 0.10
    fate = rng.random()
    status = "exited"
    if fate < 0.08:
        status = "cancelled"
    elif fate < 0.13:
        status = "no_show"
    elif fate < 0.14:
        status = "rejected"
    made = start - timedelta(hours=rng.uniform(2, 96)) if not walk_in else start
    row: dict[str, Any] = dict.fromkeys(BOOKING_COLUMNS)
    row.update(
        id=_id(rng),
        created_at=made,
        code=f"Y{number:09d}",
        gate_id=gate.id,
        direction=direction,
        slot_id=slot_id,
        slot_start=start,
        plate=f"{rng.randint(11, 99)}C-{rng.randint(0, 99999):05d}",
        perishable=perishable,
        status=status,
        version=1,
        updated_at=made,
        walk_in=walk_in,
        queue_behind=False,
        missed_calls=0,
    )
    decisions: list[tuple[Any, ...]] = []
    if status in ("cancelled", "no_show"):
        row["updated_at"] = start + timedelta(hours=2) if status == "no_show" else made
        if status == "cancelled":
            row["cancelled_at"] = made + (start - made) * rng.random()
        return tuple(row.values()), decisions
    queue_class = "perishable" if perishable else ("aeo" if rng.random() < 0.15 else "regular")
    arrived = start + timedelta(minutes=rng.uniform(-30, 60) if not walk_in else rng.uniform(0, 59))
    median = {"perishable": 12, "aeo": 20, "regular": 35}[queue_class] * load * load
    wait = _minutes(rng, median, 0.7)
    called = arrived + wait
    inspected = called + _minutes(rng, 8, 0.4)
    latest = inspected
    agencies = OFFICER_AGENCIES if perishable else OFFICER_AGENCIES[:2]
    for agency in agencies:
        taken = {"border_guard": 6, "customs": 14, "quarantine": 25}[agency]
        decided = inspected + _minutes(rng, taken, 0.6)
        verdicts = ["cleared"]
        if agency == "customs" and rng.random() < 0.05:  # held for papers, then cleared
            verdicts = ["held", "cleared"]
        if status == "rejected" and agency == "customs":
            verdicts = ["rejected"]
        for verdict in verdicts:
            decisions.append(
                (_id(rng), row["id"], agency, verdict, None, None, officers[agency], decided)
            )
            latest = max(latest, decided)
            decided += _minutes(rng, 90, 0.5)
    row.update(
        queue_class=queue_class,
        arrived_at=arrived,
        called_at=called,
        predicted_call_at=arrived + wait * math.exp(rng.gauss(0, 0.35)),
        inspection_started_at=inspected,
        exited_at=latest + _minutes(rng, 5, 0.3) if status == "exited" else None,
        updated_at=latest,
    )
    return tuple(row.values()), decisions


BOOKING_COLUMNS = (
    "id",
    "created_at",
    "code",
    "gate_id",
    "direction",
    "slot_id",
    "slot_start",
    "plate",
    "perishable",
    "status",
    "version",
    "updated_at",
    "walk_in",
    "queue_behind",
    "missed_calls",
    "cancelled_at",
    "queue_class",
    "arrived_at",
    "called_at",
    "predicted_call_at",
    "inspection_started_at",
    "exited_at",
)
DECISION_COLUMNS = (
    "id",
    "booking_id",
    "agency",
    "decision",
    "channel",
    "reason",
    "officer_id",
    "decided_at",
)
SLOT_COLUMNS = ("id", "gate_id", "direction", "starts_at", "capacity", "booked")


def _days(end: datetime) -> Iterator[datetime]:
    """The local midnight of each day of the year, oldest first."""
    first = end - timedelta(days=DAYS)
    for offset in range(DAYS):
        yield first + timedelta(days=offset)


async def generate(url: str, end: datetime, seed: int = 17) -> Year:
    """Write the year into the (migrated, seeded) database at ``url`` (asyncpg's form)."""
    rng = random.Random(seed)
    connection = await asyncpg.connect(url)
    year = Year()
    try:
        gates = {row["code"]: row for row in await connection.fetch("SELECT id, code FROM gates")}
        officers = {}
        for agency in OFFICER_AGENCIES:
            officers[agency] = _id(rng)
            await connection.execute(
                "INSERT INTO officers (id, created_at, email, full_name, agency, password_hash)"
                " VALUES ($1, now(), $2, $3, $4, 'x')",
                officers[agency],
                f"{agency}@bench.invalid",
                f"Bench {agency}",
                agency,
            )
        slots, bookings, decisions = [], [], []
        last_day = end - timedelta(days=1)
        for day in _days(end):
            day_load = WEEKDAY_LOAD[day.weekday()] * season_load(day)
            for seeded in LANG_SON_GATES:
                gate = _Gate(gates[seeded.gate.code]["id"], seeded.gate.code)
                for direction, capacity in (
                    ("export", seeded.gate.export_capacity),
                    ("import", seeded.gate.import_capacity),
                ):
                    for hour in range(seeded.gate.opens_at, seeded.gate.closes_at):
                        start = (day + timedelta(hours=hour)).astimezone(UTC)
                        offered = capacity * SCALE
                        load = min(1.25, HOUR_LOAD[hour] * day_load * math.exp(rng.gauss(0, 0.15)))
                        made = min(offered, int(offered * load * 0.85 + rng.random()))
                        slot = (_id(rng), start)
                        held = 0
                        for _ in range(made):
                            year.bookings += 1
                            row, ruled = _booking(
                                rng, year.bookings, gate, direction, slot, load, officers
                            )
                            bookings.append(row)
                            decisions.extend(ruled)
                            held += row[9] != "cancelled"
                            if day >= last_day:
                                year.last_day_ids.append(row[0])
                        if made:
                            slots.append((slot[0], gate.id, direction, start, offered, held))
            if len(bookings) >= 50_000:
                await _copy(connection, slots, bookings, decisions, year)
        await _copy(connection, slots, bookings, decisions, year)
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return year


@dataclass(frozen=True)
class _Gate:
    id: str
    code: str


async def _copy(
    connection: Any, slots: list[Any], bookings: list[Any], decisions: list[Any], year: Year
) -> None:
    """COPY what is gathered (slots first: the bookings refer to them), and forget it."""
    await connection.copy_records_to_table("slots", records=slots, columns=SLOT_COLUMNS)
    await connection.copy_records_to_table("bookings", records=bookings, columns=BOOKING_COLUMNS)
    await connection.copy_records_to_table(
        "clearance_decisions", records=decisions, columns=DECISION_COLUMNS
    )
    year.slots += len(slots)
    year.decisions += len(decisions)
    slots.clear()
    bookings.clear()
    decisions.clear()


def local_midnight(text: str) -> datetime:
    """``2026-11-29`` as its local midnight (aware)."""
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


if (
    __name__ == "__main__"
):  # pragma: no cover - a quick look: python loadtests/statistics_year.py URL
    import sys

    print(asyncio.run(generate(sys.argv[1], local_midnight("2026-11-29"))))
