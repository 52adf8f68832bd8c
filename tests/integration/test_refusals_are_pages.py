"""A browser that opens a wrong public address gets a page in its language, with the right
status and a way back; API clients keep problem details (issue 17, a new user's trial: the
transparency page, the board and an unknown address answered raw English JSON). The
statistics page's refusals show only the page language's words (they ended with the
developers' English detail). One mechanism: services/web/problem_pages.py. On SQLite
and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from services.web.i18n import LANGUAGES, messages
from tests.helpers import Api, browser, officer

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# (address, status, title key, hint key, way back)
WRONG = [
    ("/transparency/nope", 404, "not_found", "not_found_hint", "/transparency"),
    ("/transparency/tan-thanh?direction=north", 422, "invalid_title", "wrong_direction",
     "/transparency"),
    ("/board/nope", 404, "not_found", "not_found_hint", "/"),
    ("/nope", 404, "not_found", "not_found_hint", "/"),
    ("/portal/nope/deeper", 404, "not_found", "not_found_hint", "/"),
]  # fmt: skip


def _main(html: str) -> str:
    """The page's own part (the header's language buttons name every language)."""
    return html.split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_browser_gets_a_page_in_its_language_with_the_status_and_a_way_back(
    api: Api, language: str
):
    t = messages(language)
    for path, status, title, hint, back in WRONG:
        answer = await api.client.get(
            path, headers={"accept": BROWSER, "accept-language": f"{language},en;q=0.5"}
        )
        assert answer.status_code == status, (path, answer.text)
        assert answer.headers["content-type"].startswith("text/html"), path
        assert f'<html lang="{language}">' in answer.text, path
        main = _main(answer.text)
        assert f'<h1 id="problem-title">{t[title]}</h1>' in main, (language, path)
        assert f'<p id="problem-hint">{t[hint]}</p>' in main, (language, path)
        assert f'<a id="problem-back" href="{back}">' in main, path
        # Only the page's language: no other catalogue's title or hint, no English detail.
        for other in LANGUAGES:
            if other != language:
                for key in (title, hint):
                    assert messages(other)[key] not in main, (language, other, key)
        detail = (await api.client.get(path)).json()["detail"]
        assert detail not in answer.text, (language, path)


async def test_api_clients_keep_problem_details(api: Api):
    for path, status, *_ in WRONG:
        for accept in (None, "application/json", "*/*"):
            answer = await api.client.get(path, headers={"accept": accept} if accept else None)
            assert answer.status_code == status, (path, accept)
            assert answer.headers["content-type"].startswith("application/problem+json")
    # The API's and the websockets' addresses are never pages, a browser's or not.
    for path in ("/api/v1/nope", "/api/v1/statistics/gates/nope/days", "/ws/v1/nope"):
        answer = await api.client.get(path, headers={"accept": BROWSER})
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("application/problem+json"), path


async def test_a_page_refused_to_a_browser_keeps_the_problems_headers(api: Api):
    # A method no route takes: 405 with its Allow header, as a page.
    answer = await api.client.delete("/transparency", headers={"accept": BROWSER})
    assert answer.status_code == 405
    assert answer.headers["content-type"].startswith("text/html")
    assert "GET" in answer.headers["allow"]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_statistics_refusals_speak_only_the_pages_language(api: Api, language: str):
    """zh ``?day=2026-02-30`` showed "day is a date written YYYY-MM-DD" after its Chinese
    hint; a 403 page ended "you do not serve at this gate"."""
    token = (await officer(api, "customs", ("huu-nghi",)))["Authorization"].removeprefix("Bearer ")
    await browser(api, token)
    api.client.cookies.set("gate_lang", language)
    t = messages(language)
    cases = [
        ("/statistics/tan-thanh?day=2026-02-30", 403, "stats_forbidden_hint"),
        ("/statistics/huu-nghi?day=2026-02-30", 422, "stats_wrong_day"),
        ("/statistics/huu-nghi?direction=north", 422, "wrong_direction"),
        ("/statistics/nowhere", 404, "stats_not_found_hint"),
    ]
    for path, status, hint in cases:
        page = await api.client.get(path, headers={"accept": BROWSER})
        assert page.status_code == status, path
        main = _main(page.text)
        assert f'<p id="problem-hint">{t[hint]}</p>' in main, (language, path)
        assert 'href="/statistics"' in main
        problem = await api.client.get(path, headers={"accept": "application/json"})
        detail = problem.json()["detail"]
        assert detail not in page.text, (language, path, detail)
        assert 'lang="en"' not in main
        if language == "zh":
            # No English sentence at all: the main part's text holds no run of Latin words.
            text = re.sub(r"<[^>]+>", " ", main)
            assert not re.search(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+", text), (language, text)
