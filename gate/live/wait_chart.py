"""The public board's wait chart: each direction's median wait for a call over the last
hours, read from the statistics' rollups (gate/statistics/public.py).

Each bar is the hour the trucks were called (or let go uncalled), showing how long they had
waited since check-in. A driver reads the latest bar as "the trucks called now waited this
long", and in a jam it rises with the queue. Keyed by the hour of check-in, as the typical
week is, the latest hours held only the trucks already called, the quick ones, so the line
fell just as the queue grew. The hour running now is marked ``complete: false`` (so far).
Left as it is: in a stall where nobody is called at all, the latest hours have no bar (no
wait has ended); the board's queue counts beside the chart show the stall. Trucks still
waiting are not charted by their age so far: one truck's age would be its own time.

The board is rebuilt up to twice a second, and every viewer shares what the projector
builds; the rollups change only when the statistics job runs (each sweep round). So the
chart is read at most once per ``REFRESH_SECONDS`` per gate (:class:`WaitCharts`, held by
the projector), not at every rebuild and never per viewer."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.slots import Direction
from gate.live.messages import WaitChart, WaitHour
from gate.statistics.public import RecentWait, recent_waits

HOURS = 12  # the chart's hours, the current one last
REFRESH_SECONDS = 60.0  # about a sweep round: the rollups move no faster


async def wait_chart(session: AsyncSession, gate_id: str, now: datetime) -> list[WaitChart]:
    """Each direction's last ``HOURS`` hours (one statement per direction)."""
    charts = []
    for direction in Direction:
        hours = await recent_waits(session, gate_id, direction.value, now, HOURS)
        charts.append(
            WaitChart(
                direction.value,
                [_hour(h) for h in hours],
            )
        )
    return charts


def _hour(recent: RecentWait) -> WaitHour:
    band = recent.wait.median_band
    return WaitHour(
        recent.hour,
        recent.wait.trucks,
        recent.wait.median_minutes,
        band.low if band else None,
        band.high if band else None,
        recent.complete,
    )


class WaitCharts:
    """The charts of the gates one projector builds, each read again once it is
    ``refresh`` seconds old (``clock``: monotonic seconds, a test's own)."""

    def __init__(
        self, refresh: float = REFRESH_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.refresh = refresh
        self._clock = clock
        self._held: dict[str, tuple[float, list[WaitChart]]] = {}

    async def of(self, session: AsyncSession, gate_id: str, now: datetime) -> list[WaitChart]:
        """The gate's charts: those held while fresh, else read now and held."""
        moment = self._clock()
        held = self._held.get(gate_id)
        if held is not None and moment - held[0] < self.refresh:
            return held[1]
        charts = await wait_chart(session, gate_id, now)
        self._held[gate_id] = (moment, charts)
        return charts
