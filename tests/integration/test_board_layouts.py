"""The board page's layouts as served (services/web/wall.py): the wall in Vietnamese and
Chinese whatever the visitor's language, with the gate's clock to start from; the ordinary
board in the page's language only; any other layout refused in the page's language (a
mistyped yard screen's address). On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from gate.domain.time import utc_now
from services.web.i18n import LANGUAGES, messages
from tests.helpers import Api

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _words(page: str) -> dict[str, Any]:
    """The words the page's script is sent (its JSON data block)."""
    block = re.search(r'<script type="application/json" id="i18n">(.*?)</script>', page, re.S)
    assert block is not None
    return json.loads(block[1])  # tojson writes <, >, & and ' as \\u escapes


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_wall_speaks_vietnamese_and_chinese_whatever_the_visitors_language(
    api: Api, language: str
):
    before = int(utc_now().timestamp() * 1000)
    answer = await api.client.get(
        "/board/tan-thanh?layout=wall", headers={"accept": BROWSER, "accept-language": language}
    )
    assert answer.status_code == 200, answer.text
    page = answer.text
    assert '<html lang="vi">' in page
    assert '<body class="board wall">' in page
    vi, zh = messages("vi"), messages("zh")
    # The page's own words in both languages, each marked with its language.
    assert f'<span lang="vi">{vi["board_gate_time"]}</span>' in page
    assert f'<span lang="zh">{zh["board_gate_time"]}</span>' in page
    assert f'<span lang="zh">{zh["waiting_yards"]}</span>' in page
    # The script's words too, Vietnamese first.
    words = _words(page)
    assert words["languages"] == ["vi", "zh"]
    exports = [table["export"] for table in words["words"]]
    assert exports == [vi["export"], zh["export"]]
    # The clock starts from the server's time, on the gate's clock.
    now = re.search(r'data-now="(\d+)"', page)
    assert now is not None
    now_ms = int(now[1])
    assert before <= now_ms <= int(utc_now().timestamp() * 1000)
    assert 'data-zone="Asia/Ho_Chi_Minh"' in page
    assert "(UTC+07:00)" in page


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_ordinary_board_speaks_the_pages_language_only(api: Api, language: str):
    answer = await api.client.get(
        "/board/tan-thanh", headers={"accept": BROWSER, "accept-language": language}
    )
    assert answer.status_code == 200
    page = answer.text
    assert f'<html lang="{language}">' in page
    assert "<span lang=" not in page
    assert messages(language)["board_gate_time"] in page
    words = _words(page)
    assert words["languages"] == [language]
    assert len(words["words"]) == 1


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_layout_that_is_none_is_refused_in_the_pages_language(api: Api, language: str):
    for layout in ("walll", "WALL", "phone"):
        path = f"/board/tan-thanh?layout={layout}"
        page = await api.client.get(path, headers={"accept": BROWSER, "accept-language": language})
        assert page.status_code == 422, (layout, page.text)
        assert f'<p id="problem-hint">{messages(language)["wrong_layout"]}</p>' in page.text
        problem = await api.client.get(path)
        assert problem.status_code == 422
        assert problem.json()["field"] == "layout"
    # An empty one is the ordinary board, and an unknown gate is still a 404 on the wall.
    assert (await api.client.get("/board/tan-thanh?layout=")).status_code == 200
    missing = await api.client.get("/board/nope?layout=wall", headers={"accept": BROWSER})
    assert missing.status_code == 404
