"""Pages that need a session send the browser to sign in and back to the very page asked
for, its query too, whoever else it is; and the sign-in leads only to this site's own pages
(no open redirect, however the address is dressed up)."""

from __future__ import annotations

import html
from urllib.parse import quote

import pytest

from tests.helpers import Api, admin, page_csrf

PASSWORD = "một-mật-khẩu-dài"


@pytest.mark.parametrize(
    "path",
    [
        "/portal",
        "/portal/fleet",
        "/portal/book",
        "/portal/messages",
        "/portal/drivers/00000000000000000000000000/messages",
        "/portal/webhooks",
        "/portal/users",
        "/console",
        "/console/tan-thanh",
        "/statistics",
        "/statistics/tan-thanh",
        "/statistics/tan-thanh/xlsx",
        "/statistics/tan-thanh?span=week&day=2026-11-02&direction=import",
    ],
)
async def test_a_page_without_a_session_redirects_to_sign_in_and_back(api: Api, path: str):
    answer = await api.client.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/sign-in?next={quote(path, safe='/')}"
    form = (await api.client.get(answer.headers["location"])).text.split('action="/sign-in"')[1]
    assert f'name="next" value="{html.escape(path)}"' in form


async def _officer(api: Api, n: int) -> str:
    email = f"lanh-dao.{n}@tan-thanh.gov.vn"
    created = await api.client.post(
        "/api/v1/officers",
        json={"email": email, "full_name": "Lãnh đạo", "agency": "customs",
              "password": PASSWORD, "gates": ["tan-thanh"]},
        headers=admin(),
    )  # fmt: skip
    assert created.status_code == 201, created.text
    return email


async def _sign_in(api: Api, email: str, following: str) -> str:
    """Sign in from the page the redirect ``following`` led to; where the sign-in leads."""
    api.client.cookies.clear()
    form = await api.client.get(following)
    data = {"email": email, "password": PASSWORD}
    sign_in_form = form.text.split('action="/sign-in"', 1)[1]
    found = sign_in_form.split('name="next" value="', 1)[1].split('"', 1)[0]
    signed_in = await api.client.post(
        "/sign-in", data={**data, "next": html.unescape(found)}, headers=page_csrf(form.text)
    )
    assert signed_in.status_code == 303, signed_in.text
    return str(signed_in.headers["location"])


async def test_signing_in_lands_back_on_the_gates_statistics_with_its_query(api: Api):
    email = await _officer(api, 1)
    asked = "/statistics/tan-thanh?span=week&day=2026-11-02&direction=import"
    away = await api.client.get(asked)
    assert await _sign_in(api, email, away.headers["location"]) == asked
    assert (await api.client.get(asked)).status_code == 200


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/statistics",
        "//evil.example/statistics",
        "/\\evil.example/statistics",
        "/\t/evil.example/statistics",
        "/\n/evil.example",
        "javascript:alert(1)",
        "evil.example/statistics",
        "/ /evil.example",
    ],
)
async def test_the_sign_in_never_leads_to_another_site(api: Api, elsewhere: str):
    email = await _officer(api, 2)
    # Whether the address comes in the sign-in page's link or straight in the form's post.
    # (A control character in a query is refused before any page: services/common.)
    link = f"/sign-in?next={quote(elsewhere)}"
    if not any(c in elsewhere for c in "\t\n"):
        assert await _sign_in(api, email, link) == "/home"
    else:
        assert (await api.client.get(link)).status_code == 422
    api.client.cookies.clear()
    form = await api.client.get("/sign-in")
    posted = await api.client.post(
        "/sign-in",
        data={"email": email, "password": PASSWORD, "next": elsewhere},
        headers=page_csrf(form.text),
    )
    assert posted.status_code == 303 and posted.headers["location"] == "/home"
