"""The public transparency page's refusals are pages (issue 17's hostile test): a wrong
direction (422) and an unknown gate (404) answered a visitor's browser with raw problem JSON.
Now a page in the visitor's language with the status, the rule in words and a link back to
the gates' figures (not to the signed-in statistics); a client asking for JSON alone still
gets the problem details."""

from __future__ import annotations

import pytest
from markupsafe import escape

from services.web.i18n import LANGUAGES, messages
from tests.helpers import Api

HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("path", "status", "title", "hint"),
    [
        ("/transparency/tan-thanh?direction=sideways", 422, "stats_wrong_title",
         "stats_wrong_direction"),
        ("/transparency/nowhere", 404, "not_found", "stats_not_found_hint"),
    ],
)  # fmt: skip
async def test_a_wrong_transparency_request_is_a_page_in_the_visitors_language(
    api: Api, language: str, path: str, status: int, title: str, hint: str
):
    words = messages(language)
    api.client.cookies.set("gate_lang", language)
    answer = await api.client.get(path, headers=HTML)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert f'<html lang="{language}">' in answer.text
    assert f'<h1 id="problem-title">{escape(words[title])}</h1>' in answer.text
    assert str(escape(words[hint])) in answer.text
    assert f'<a href="/transparency">{escape(words["transparency_back"])}</a>' in answer.text


async def test_a_json_client_still_gets_the_problem_details(api: Api):
    answer = await api.client.get(
        "/transparency/tan-thanh?direction=sideways", headers={"accept": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["field"] == "direction"
