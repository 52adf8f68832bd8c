"""The board page's layout and clock (services/web/wall.py), without a server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gate.domain.errors import ValidationFailed
from services.web.i18n import Translator
from services.web.wall import board_layout, clock


def test_the_ordinary_board_keeps_the_pages_language_and_the_wall_speaks_vi_and_zh():
    english = Translator("en")
    for absent in (None, ""):
        layout = board_layout(absent, english)
        assert not layout.wall
        assert layout.words()["languages"] == ["en"]
    wall = board_layout("wall", english)
    assert wall.wall
    words = wall.words()
    assert words["languages"] == ["vi", "zh"]
    assert [table["export"] for table in words["words"]] == ["Xuất", "出口"]


@pytest.mark.parametrize("layout", ["Wall", "walls", "phone", " wall"])
def test_any_other_layout_is_refused_naming_the_field(layout: str):
    with pytest.raises(ValidationFailed) as refused:
        board_layout(layout, Translator("vi"))
    assert refused.value.extensions == {"field": "layout"}


def test_the_clock_is_the_gates_with_its_offset_and_the_servers_instant():
    moment = datetime(2026, 11, 30, 17, 5, 42, tzinfo=UTC)  # 00:05 the next day at the gate
    shown = clock(moment)
    assert shown["time"] == "00:05"
    assert shown["iso"] == "2026-12-01T00:05+07:00"
    assert shown["offset"] == "UTC+07:00"
    assert shown["zone"] == "Asia/Ho_Chi_Minh"
    assert shown["now_ms"] == int(moment.timestamp() * 1000)
