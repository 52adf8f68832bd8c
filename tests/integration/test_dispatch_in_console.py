"""The officers' console shows the trucks dispatched to its gate: each open order with the
truck's full plate (officers may see it), its yard, deadline and minutes left, "late" once the
deadline passed, and the direction's dispatch rule (target, paused). Read-only."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.dispatch import DEFAULT_TARGET, OrderStatus
from gate.domain.time import utc_now
from gate.domain.yards import VisitStatus
from services.common.session import SESSION_COOKIE
from services.web.console_yard import minutes_left
from tests.helpers import Api, officer
from tests.yards_board_rows import yard_rows


async def _console(api: Api, direction: str = "export") -> str:
    token = (await officer(api, "border_guard"))["Authorization"].removeprefix("Bearer ")
    api.client.cookies.set(SESSION_COOKIE, token)
    page = await api.client.get(f"/console/tan-thanh?direction={direction}")
    assert page.status_code == 200, page.text
    return page.text


def _order_row(html: str, code: str) -> str:
    found = re.search(rf'<tr data-order="{code}"[^>]*>.*?</tr>', html, re.S)
    assert found is not None, code
    return found.group(0)


async def test_the_console_lists_open_orders_with_yard_deadline_minutes_left_and_who_is_late(
    api: Api, settings: Settings, bus: InMemoryEventBus
):
    now = utc_now()
    async with yard_rows(settings, bus) as rows:
        yard = await rows.yard("bai-dong-dang", ["tan-thanh"], name="Bãi Đồng Đăng")
        coming = await rows.visit(yard, "tan-thanh", "12C77701", VisitStatus.DISPATCHED)
        late = await rows.visit(yard, "tan-thanh", "12C77702", VisitStatus.EN_ROUTE)
        done = await rows.visit(yard, "tan-thanh", "12C77703", VisitStatus.ARRIVED)
        importing = await rows.visit(
            yard, "tan-thanh", "12C77704", VisitStatus.DISPATCHED, direction="import"
        )
        on_time = await rows.order(coming, now + timedelta(minutes=42))
        overdue = await rows.order(late, now - timedelta(minutes=3))
        await rows.order(done, now - timedelta(minutes=30), OrderStatus.ARRIVED)
        await rows.order(importing, now + timedelta(minutes=10))
        await rows.rule("tan-thanh", "export", 12, paused_reason="Phía Trung Quốc ùn tắc")

    html = await _console(api)
    section = html[html.index('id="dispatched"') :]
    assert re.findall(r'data-order="([^"]+)"', section) == [overdue.code, on_time.code]
    coming_row = _order_row(section, on_time.code)
    assert "12C-777.01" in coming_row and "Bãi Đồng Đăng" in coming_row
    assert 'class="late"' not in coming_row
    left = re.search(r"data-deadline=\"[^\"]+\"[^>]*>(\d+)<", coming_row)
    assert left is not None and 41 <= int(left.group(1)) <= 42
    late_row = _order_row(section, overdue.code)
    assert 'class="late"' in late_row and "12C-777.02" in late_row
    assert "Trễ hạn" in late_row  # the page's language: Vietnamese by default
    assert "12C-777.03" not in section  # its order is closed
    assert "12C-777.04" not in section  # the other direction's page lists it
    rule = re.search(r'<p id="dispatch-rule">.*?</p>', section, re.S)
    assert rule is not None
    assert "Phía Trung Quốc ùn tắc" in rule.group(0) and "data-target>12<" in rule.group(0)

    other = await api.client.get("/console/tan-thanh?direction=import")
    imported = other.text[other.text.index('id="dispatched"') :]
    assert re.findall(r'data-order="([^"]+)"', imported) != []
    assert f"data-target>{DEFAULT_TARGET}<" in imported  # never set: the defaults, not paused
    assert "Tạm dừng điều tiết" not in imported


def test_minutes_left_round_up_and_reach_zero_at_the_deadline():
    deadline = datetime(2026, 12, 1, 9, 0, tzinfo=utc_now().tzinfo)
    assert minutes_left(deadline, deadline - timedelta(seconds=30)) == 1
    assert minutes_left(deadline, deadline - timedelta(minutes=5)) == 5
    assert minutes_left(deadline, deadline) == 0
    assert minutes_left(deadline, deadline + timedelta(minutes=2)) == -2
