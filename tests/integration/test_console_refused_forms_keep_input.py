"""A refused console form keeps what the officer typed (issue 16): a decision's reason, a
notice, a pause's reason and a plate checked in by hand are answered with the yard page
itself (422 a wrong value), not a redirect to an empty form: the form that was posted holds
the typed values, the reason is in the page's language, no typed text travels in an address,
the page is the whole one (its live refresh's part and script included) and its CSRF token
is valid (corrected and sent again, the form is kept). On both databases."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.common.session import SESSION_COOKIE
from services.web.i18n import messages
from tests.helpers import Api, device, officer, open_all_day, page_csrf, read, this_hour

GATE = "/api/v1/gates/tan-thanh"
CONSOLE = "/console/tan-thanh"


async def _sign_in(api: Api, agency: str) -> dict[str, str]:
    """A session of a new officer of ``agency`` at Tân Thanh reading Chinese; the console
    page's CSRF header."""
    token = (await officer(api, agency))["Authorization"].removeprefix("Bearer ")
    api.client.cookies.set(SESSION_COOKIE, token)
    api.client.cookies.set("gate_lang", "zh")
    page = await api.client.get(f"{CONSOLE}?direction=export")
    assert page.status_code == 200, page.text
    return page_csrf(page.text)


def _refused_in_page(answer: httpx.Response, status: int = 422) -> str:
    """The refused post's answer: the whole yard page with ``status``, no redirect."""
    assert answer.status_code == status, (answer.status_code, answer.text[:2000])
    assert "location" not in answer.headers
    assert answer.headers["content-type"].startswith("text/html")
    body = str(answer.text)
    # The whole page, live refresh and all, not the refresh's part alone.
    assert 'id="yard" data-gate="tan-thanh" data-direction="export"' in body
    assert 'id="console-words"' in body
    return body


def _flash(body: str) -> str:
    found = re.search(r'<p class="flash error" role="alert">([^<]*)</p>', body)
    assert found is not None, body[:2000]
    return html.unescape(found.group(1))


def _form(body: str, marker: str) -> str:
    start = body.index(marker)
    return html.unescape(body[start : body.index("</form>", start)])


async def _in_inspection(api: Api) -> dict[str, Any]:
    """A booking of this hour, checked in, called to a lane and under inspection."""
    await open_all_day(api)
    enterprise = await api.enterprise()
    booking = dict((await enterprise.book(this_hour())).json())
    arrived = await api.client.post(
        f"{GATE}/checkins", json=read(booking["plate"]), headers=await device(api)
    )
    assert arrived.json()["outcome"] == "on_time", arrived.text
    operator = await officer(api, "gate_operator")
    await api.client.post(f"{GATE}/lanes/X1/call-next", headers=operator)
    started = await api.client.post(f"{GATE}/vehicles/{booking['id']}/inspection", headers=operator)
    assert started.status_code == 200, started.text
    return booking


async def test_a_refused_decision_keeps_its_reason_choice_and_channel(api: Api):
    booking = await _in_inspection(api)
    csrf = await _sign_in(api, "customs")
    action = f"{CONSOLE}/vehicles/{booking['id']}/decision"
    reason = "Thiếu C/O mẫu E; " + "chờ bổ sung " * 30
    typed = {"direction": "export", "decision": "held", "channel": "yellow", "reason": reason}
    body = _refused_in_page(await api.client.post(action, data=typed, headers=csrf))
    form = _form(body, f'action="{action}"')
    assert f'value="{reason}"' in form, form
    assert 'value="held" selected' in form and 'value="yellow" selected' in form
    assert _flash(body).startswith(messages("zh")["problem_validation"]), _flash(body)
    # A hold without a reason: the officer's words for it, the choice kept.
    empty = {**typed, "reason": "  "}
    body = _refused_in_page(await api.client.post(action, data=empty, headers=csrf))
    assert _flash(body) == messages("zh")["console_decision_needs_reason"]
    assert 'value="held" selected' in _form(body, f'action="{action}"')
    # Corrected in the page drawn again, with its own token: recorded.
    fixed = {**typed, "reason": "Thiếu C/O mẫu E"}
    kept = await api.client.post(action, data=fixed, headers=page_csrf(body))
    assert kept.status_code == 303 and "error" not in kept.headers["location"], kept.text
    assert "C/O" not in kept.headers["location"]


async def test_a_refused_notice_and_pause_keep_their_words(api: Api):
    csrf = await _sign_in(api, "gate_operator")
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    notice = {"direction": "export", "text": "Đóng cửa sớm lúc 16:00", "expires_at": past}
    answer = await api.client.post(f"{CONSOLE}/notices", data=notice, headers=csrf)
    body = _refused_in_page(answer)
    assert 'value="Đóng cửa sớm lúc 16:00"' in _form(body, 'id="notice-form"')
    assert messages("en")["problem_validation"] not in body

    reason = "Mưa lớn, ngập bãi " + "x" * 300
    pause = {"direction": "export", "paused": "true", "reason": reason}
    body = _refused_in_page(await api.client.post(f"{CONSOLE}/pause", data=pause, headers=csrf))
    assert f'value="{reason}"' in _form(body, 'id="pause-form"')
    fixed = {**pause, "reason": "Mưa lớn, ngập bãi"}
    kept = await api.client.post(f"{CONSOLE}/pause", data=fixed, headers=page_csrf(body))
    assert kept.status_code == 303 and "error" not in kept.headers["location"], kept.text
    assert "ngập" not in kept.headers["location"]


async def test_a_refused_check_in_by_hand_keeps_the_plates(api: Api):
    csrf = await _sign_in(api, "gate_operator")
    typed = {"direction": "sideways", "plate": "12C-765.43", "trailer_plate": "12R-012.34"}
    answer = await api.client.post(f"{CONSOLE}/checkins", data=typed, headers=csrf)
    form = _form(_refused_in_page(answer), 'id="manual-checkin-form"')
    assert 'value="12C-765.43"' in form and 'value="12R-012.34"' in form, form
