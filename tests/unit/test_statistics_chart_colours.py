"""Every series of a statistics chart has a colour of its own (issue 17: the trucks chart
drew eight series in six colours, so two shared one): the palette of
frontend/static/statistics.js has a distinct colour for each series of the largest chart,
the page's (services/web/statistics_view.py ``CHARTS``) and the planner's (measured,
simulated or forecast, changed)."""

from __future__ import annotations

import re
from pathlib import Path

from services.web.statistics_view import CHARTS

SCRIPT = Path(__file__).resolve().parents[2] / "frontend" / "static" / "statistics.js"
PLANNER_SERIES = 3  # services/web/statistics_planner.py: Planned.days()


def _palette() -> list[str]:
    found = re.search(r"const colours = \[(.*?)\];", SCRIPT.read_text(), re.DOTALL)
    assert found is not None, "statistics.js names its colours"
    return [colour.upper() for colour in re.findall(r'"(#[0-9A-Fa-f]{6})"', found.group(1))]


def test_every_series_of_every_chart_has_a_colour_of_its_own():
    palette = _palette()
    assert len(set(palette)) == len(palette)
    most = max(PLANNER_SERIES, *(len(columns) for _, columns in CHARTS.values()))
    assert len(palette) >= most, (len(palette), most)
    # No colour is handed out twice by wrapping round the palette.
    assert "% colours.length" not in SCRIPT.read_text()
