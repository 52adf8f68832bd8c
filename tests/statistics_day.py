"""A day of statistics for the statistics page's tests: rollup rows written as the job
(gate/statistics/update.py) would leave them (through its ``add_to_rollups``, so the daily
rows are there beside the hourly ones), for Monday 2026-11-02 at Tân Thanh, both
directions and two classes, and two bookings made as of that day's 08:00 and 09:00 (local)
so that its slots hold capacity. The page reads the rollups only, so the job need not run;
the rollups' own tests show the job fills them right."""

from __future__ import annotations

import html.parser
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.statistics import Contributions, Key, Measure, agency_measure
from gate.statistics.rows import add_to_rollups
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, book_as_of

DAY = date(2026, 11, 2)
# 08:00 to 10:00 local (UTC+7), as UTC hours.
HOURS = [datetime(2026, 11, 2, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(3)]


async def write_day(settings: Settings, api: Api) -> str:
    """Write the day; Tân Thanh's gate id."""
    enterprise = await api.enterprise()
    for hour in (8, 9):
        local = datetime(2026, 11, 2, hour, tzinfo=UTC) - timedelta(hours=7)
        await book_as_of(settings, enterprise, local)
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            gate = await uow.session.scalar(select(Gate).where(Gate.code == "tan-thanh"))
            assert gate is not None
            delta = Contributions()
            for n, hour in enumerate(HOURS):
                for direction in ("export", "import"):
                    for queue_class in ("regular", "perishable"):
                        k = n + 1 + (direction == "import") * 3 + (queue_class == "perishable")
                        key = Key(gate.id, direction, hour, queue_class)
                        for column, n_counted in dict(
                            made=4 * k, cancelled=k % 2, lapsed=k % 3, walk_ins=k % 4,
                            checked_in=3 * k, called=2 * k, exited=2 * k - 1,
                        ).items():  # fmt: skip
                            delta.count(key, column, n_counted)
                        for measure, bucket, count, minutes in (
                            (Measure.WAIT_FOR_CALL, 1, k, 7),
                            (Measure.WAIT_FOR_CALL, 3, n + 1, 17),
                            (Measure.WAIT_FOR_CALL, 5, 1, 40),
                            (agency_measure("customs"), 2, k, 12),
                            (agency_measure("border_guard"), 0, k + 1, 3),
                            (Measure.FORECAST_ERROR, 5, k, 2),
                            (Measure.FORECAST_ERROR, 3, 1, -9),
                        ):
                            seconds = count * minutes * 60 + 11 * k
                            delta.times[key, measure, bucket] = (count, seconds)
            await add_to_rollups(uow.session, delta)
            gate_id = gate.id
            await uow.commit()
    finally:
        await engine.dispose()
    return gate_id


class _Tables(html.parser.HTMLParser):
    """The text of each ``<table data-table=…>``'s cells, a list of rows per table."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("data-table")
            if self._table:
                self.tables[self._table] = []
        elif self._table and tag == "tr":
            self.tables[self._table].append([])
        elif self._table and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif self._table and tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def page_tables(text: str) -> dict[str, list[list[str]]]:
    """The page's tables by name: a header row, then the rows, as the page shows them."""
    parser = _Tables()
    parser.feed(text)
    return parser.tables
