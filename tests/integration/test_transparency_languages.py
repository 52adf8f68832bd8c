"""The public transparency page seen in each of its languages (Vietnamese first, English,
Chinese for the drivers from the other side): every word the template asks for is in that
language's own catalogue (no fallback to Vietnamese) and on the page, and no other
language's headings are."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markupsafe import escape

from services.web.i18n import LANGUAGES, messages
from tests.helpers import Api

TEMPLATE = Path(__file__).resolve().parents[2] / "frontend" / "templates" / "transparency.html"
# The words of the template (``t("key")``) and the heat map's weekdays (``"weekday_" ~ n``).
KEYS = sorted(set(re.findall(r't\("([a-z0-9_]+)"\)', TEMPLATE.read_text()))) + [
    f"weekday_{n}" for n in range(7)
]
HEADINGS = ("transparency", "typical_wait", "trucks_per_day", "agency_times", "both_directions")


def _shown(word: str) -> str:
    """A catalogue's word as the page writes it: escaped, up to its first placeholder."""
    return str(escape(word.split("{", 1)[0].strip()))


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_transparency_page_speaks_each_language(api: Api, language: str):
    own = messages(language)
    assert not [key for key in KEYS if not own.get(key)], "missing in its catalogue"
    api.client.cookies.set("gate_lang", language)
    for path in ("/transparency/tan-thanh", "/transparency/tan-thanh?direction=import"):
        answer = await api.client.get(path)
        assert answer.status_code == 200, answer.text
        assert f'<html lang="{language}">' in answer.text
        for key in KEYS:
            assert _shown(own[key]) in answer.text, (language, key)
        for other in LANGUAGES:
            for key in HEADINGS:
                word = messages(other)[key]
                if other != language and word != own[key]:
                    assert _shown(word) not in answer.text, (language, other, key)
    gates = await api.client.get("/transparency")
    assert f"<h1>{_shown(own['transparency'])}</h1>" in gates.text
    assert _shown(own["transparency_intro"]) in gates.text
