"""The console's page of the partner gate's announcements (issue 18), on both databases,
through the page's session and CSRF: an officer who received an announcement by phone or
letter enters it on the gates' clock, the hours follow (availability), it is listed with its
source and reference and withdrawn with a reason; a form the API would refuse comes back
with the reason in the page's words and stores nothing; an enterprise's user may not."""

from __future__ import annotations

import html
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from services.common.session import SESSION_COOKIE
from tests.helpers import Api, admin, enterprise_user, officer, page_csrf, tomorrow_at

PAGE = "/console/tan-thanh/partner"
API = "/api/v1/gates/tan-thanh/partner-announcements"


async def _sign_in(api: Api, agency: str) -> dict[str, str]:
    """A new officer of ``agency`` at Tân Thanh signed in as the client's cookie; the
    partner page's CSRF header."""
    token = (await officer(api, agency))["Authorization"].removeprefix("Bearer ")
    api.client.cookies.set(SESSION_COOKIE, token)
    page = await api.client.get(PAGE)
    assert page.status_code == 200, page.text
    return page_csrf(page.text)


def _field(moment: datetime) -> str:
    """A datetime-local field's value: the gates' clock, no offset."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def _query(answer_location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(answer_location).query).items()}


async def test_an_officer_enters_withdraws_and_sees_an_announcement_on_the_console(api: Api):
    csrf = await _sign_in(api, "border_guard")
    yard = (await api.client.get("/console/tan-thanh")).text
    assert 'id="partner-link"' in yard and 'href="/console/tan-thanh/partner"' in yard
    form = {
        "direction": "export",
        "starts_at": _field(tomorrow_at(9)),
        "ends_at": _field(tomorrow_at(11)),
        "capacity": "3",
        "source": "letter",
        "reference": "  CV 88/CK-PC  ",
    }
    posted = await api.client.post(PAGE, data=form, headers=csrf)
    assert posted.status_code == 303
    assert _query(posted.headers["location"]) == {
        "message": "note_partner_announced",
        "message_value": "3",
    }
    slot = await api.slot(tomorrow_at(10))
    assert (slot["capacity"], slot["limited_by"]) == (3, "partner")

    page = (await api.client.get(posted.headers["location"])).text
    assert "Đã ghi nhận thông báo: 3 xe mỗi giờ." in page
    listed = await api.client.get(API, headers=admin())
    [made] = listed.json()
    assert (made["source"], made["reference"], made["direction"]) == (
        "letter",
        "CV 88/CK-PC",
        "export",
    )
    assert made["starts_at"] == tomorrow_at(9).isoformat()
    row = page[page.index(f'data-announcement="{made["id"]}"') :]
    assert "Công văn · CV 88/CK-PC" in row[: row.index("</tr>")]

    withdrawn = await api.client.post(
        f"{PAGE}/{made['id']}/withdraw", data={"reason": "phía bạn mở lại"}, headers=csrf
    )
    assert _query(withdrawn.headers["location"])["message"] == "note_partner_withdrawn"
    assert (await api.slot(tomorrow_at(10)))["capacity"] == 15
    page = (await api.client.get(PAGE)).text
    assert f'data-announcement="{made["id"]}" data-status="withdrawn"' in page
    assert "phía bạn mở lại" in page


async def test_a_refused_form_comes_back_with_the_reason_and_stores_nothing(api: Api):
    csrf = await _sign_in(api, "gate_operator")
    good = {
        "starts_at": _field(tomorrow_at(9)),
        "ends_at": _field(tomorrow_at(11)),
        "capacity": "3",
        "source": "phone",
        "reference": "Công văn 12/2026 của phía bạn",
    }
    for changed, field in (
        ({"ends_at": _field(tomorrow_at(8))}, "ends_at"),
        ({"capacity": "-2"}, "capacity"),
        ({"starts_at": "not a time"}, "starts_at"),
        ({"source": "partner-feed"}, "source"),
        ({"direction": "sideways"}, "direction"),
    ):
        answer = await api.client.post(PAGE, data={**good, **changed}, headers=csrf)
        # The page drawn again with what was typed and why (issue 16), not a redirect.
        assert answer.status_code == 422 and "location" not in answer.headers, answer.text
        shown = html.unescape(answer.text)
        assert "Yêu cầu không hợp lệ" in shown or "không hợp lệ" in shown, field
        assert f'value="{good["reference"]}"' in shown, field
        assert f'value="{changed.get("capacity", "3")}"' in shown, field
    listed = await api.client.get(API, headers=admin())
    assert listed.json() == []
    assert (await api.slot(tomorrow_at(10)))["capacity"] == 15


async def test_an_enterprise_user_signs_in_as_an_officer_first_and_another_gates_is_refused(
    api: Api,
):
    enterprise = await api.enterprise(key_scope="manager")
    api.client.cookies.set(SESSION_COOKIE, await enterprise_user(api, enterprise))
    page = await api.client.get(PAGE)
    assert page.status_code == 303 and page.headers["location"].startswith("/sign-in"), page
    csrf = page_csrf((await api.client.get("/")).text)
    body = {"starts_at": _field(tomorrow_at(9)), "ends_at": _field(tomorrow_at(10))}
    posted = await api.client.post(PAGE, data={**body, "capacity": "1"}, headers=csrf)
    assert posted.status_code == 303 and posted.headers["location"].startswith("/sign-in")

    elsewhere = await officer(api, "gate_operator", gates=("huu-nghi",))
    api.client.cookies.set(SESSION_COOKIE, elsewhere["Authorization"].removeprefix("Bearer "))
    csrf = page_csrf((await api.client.get("/console/huu-nghi")).text)
    assert (await api.client.get(PAGE)).status_code == 403
    posted = await api.client.post(PAGE, data={**body, "capacity": "1"}, headers=csrf)
    assert posted.status_code == 403
    assert (await api.slot(tomorrow_at(9)))["capacity"] == 15
