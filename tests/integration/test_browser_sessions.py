"""Browser sessions: the pages' CSRF tokens are bound to the session (or, before signing in,
to a pre-session), and cookies are ``__Host-`` and Secure over TLS."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator

import httpx
import pytest
import websockets

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from tests.apps import app_for
from tests.asgi import in_process_client, served
from tests.helpers import Api, admin, page_csrf

PASSWORD = "một-mật-khẩu-dài"


async def _user(api: Api, enterprise_id: str, email: str) -> str:
    """A clerk of the enterprise, signed in through the API; their session token."""
    body = {"email": email, "full_name": "Nhân viên", "password": PASSWORD}
    created = await api.client.post(
        f"/api/v1/enterprises/{enterprise_id}/users", json=body, headers=admin()
    )
    assert created.status_code == 201, created.text
    session = await api.client.post(
        "/api/v1/auth/sessions", json={"email": email, "password": PASSWORD}
    )
    assert session.status_code == 201, session.text
    return str(session.json()["token"])


async def _drivers(api: Api, headers: dict[str, str]) -> list[str]:
    answer = await api.client.get("/api/v1/drivers", headers=headers)
    assert answer.status_code == 200, answer.text
    return [d["full_name"] for d in answer.json()]


async def test_a_form_post_with_a_missing_or_another_sessions_token_is_refused_and_changes_nothing(
    api: Api,
):
    enterprise = await api.enterprise()
    mine = await _user(api, enterprise.id, "a@xnk.vn")
    theirs = await _user(api, enterprise.id, "b@xnk.vn")
    form = {"full_name": "Lò Văn Tài", "id_number": "020088009999", "phone": "0912000111"}

    # The token a page gave the other session, in this browser's jar: refused.
    api.client.cookies.set("gate_session", theirs)
    their_token = page_csrf((await api.client.get("/portal/fleet")).text)
    api.client.cookies.set("gate_session", mine)
    stolen = await api.client.post("/portal/drivers", data=form, headers=their_token)
    assert stolen.status_code == 403, stolen.text
    assert stolen.headers["content-type"].startswith("application/problem+json")
    missing = await api.client.post("/portal/drivers", data=form)
    assert missing.status_code == 403
    in_field = await api.client.post(
        "/portal/drivers", data={**form, "_csrf_token": their_token["x-csrftoken"]}
    )
    assert in_field.status_code == 403
    assert await _drivers(api, enterprise.headers) == []

    # This session's own token, in the field as the page's form sends it: accepted.
    own = page_csrf((await api.client.get("/portal/fleet")).text)
    posted = await api.client.post(
        "/portal/drivers", data={**form, "_csrf_token": own["x-csrftoken"]}
    )
    assert posted.status_code == 303 and "error" not in posted.headers["location"]
    assert await _drivers(api, enterprise.headers) == ["Lò Văn Tài"]


async def test_the_sign_in_form_is_bound_to_a_pre_session_that_ends_at_sign_in(api: Api):
    enterprise = await api.enterprise()
    await _user(api, enterprise.id, "c@xnk.vn")
    api.client.cookies.clear()
    login = {"email": "c@xnk.vn", "password": PASSWORD, "next": "/portal"}

    # Another site posting a sign-in (login CSRF) has no token of this browser.
    forged = await api.client.post("/sign-in", data=login)
    assert forged.status_code == 403
    assert "gate_session" not in forged.cookies

    page = await api.client.get("/sign-in")
    assert "gate_presession" in page.cookies
    before = page_csrf(page.text)
    signed_in = await api.client.post("/sign-in", data=login, headers=before)
    assert signed_in.status_code == 303, signed_in.text
    assert "gate_session" in signed_in.cookies

    # Signed in, the pre-session's token no longer opens a form: the session's does.
    signed_out = await api.client.post("/sign-out", headers=before)
    assert signed_out.status_code == 403
    assert (await api.client.get("/portal")).status_code == 200


@pytest.fixture
async def secure_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The platform behind TLS terminated by a proxy: GATE_SECURE_COOKIES=true."""
    app = app_for(dataclasses.replace(settings, secure_cookies=True), InMemoryEventBus())
    async with in_process_client(app) as http:
        yield http


def _set_cookie(response: httpx.Response, name: str) -> str:
    (header,) = [h for h in response.headers.get_list("set-cookie") if h.startswith(name + "=")]
    return header


async def _sign_in(client: httpx.AsyncClient, url: str, email: str) -> httpx.Response:
    page = await client.get(url)
    data = {"email": email, "password": PASSWORD, "next": "/portal"}
    return await client.post(url, data=data, headers=page_csrf(page.text))


async def test_cookies_are_host_prefixed_and_secure_over_tls_and_plain_on_http(
    api: Api, secure_client: httpx.AsyncClient
):
    enterprise = await api.enterprise()
    await _user(api, enterprise.id, "d@xnk.vn")

    plain = await _sign_in(api.client, "http://gate.test/sign-in", "d@xnk.vn")
    cookie = _set_cookie(plain, "gate_session").lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie

    api.client.cookies.clear()
    over_tls = await _sign_in(api.client, "https://gate.test/sign-in", "d@xnk.vn")
    cookie = _set_cookie(over_tls, "__Host-gate_session").lower()
    assert "secure" in cookie and "httponly" in cookie and "path=/" in cookie
    assert "domain=" not in cookie
    assert not [h for h in over_tls.headers.get_list("set-cookie") if h.startswith("gate_")]
    assert (await api.client.get("https://gate.test/portal")).status_code == 200
    # Over TLS a plain-named session cookie (set by anyone on http) opens nothing.
    token = api.client.cookies.get("__Host-gate_session")
    api.client.cookies.clear()
    api.client.cookies.set("gate_session", token)
    assert (await api.client.get("https://gate.test/portal")).status_code == 303

    # Behind a proxy that terminates TLS the request is http, and the setting decides. (The
    # browser speaks https to the proxy: the test client would keep a Secure cookie from http,
    # so the pre-session goes back by hand.)
    page = await secure_client.get("/sign-in")
    presession = _set_cookie(page, "__Host-gate_presession")
    assert "secure" in presession.lower()
    secure_client.cookies.set("__Host-gate_presession", presession.split(";")[0].split("=", 1)[1])
    data = {"email": "d@xnk.vn", "password": PASSWORD, "next": "/portal"}
    behind_proxy = await secure_client.post("/sign-in", data=data, headers=page_csrf(page.text))
    assert "secure" in _set_cookie(behind_proxy, "__Host-gate_session").lower()


async def test_the_websocket_reads_the_session_cookie_by_the_secure_name(
    settings: Settings, api: Api
):
    enterprise = await api.enterprise()
    token = await _user(api, enterprise.id, "e@xnk.vn")
    app = app_for(dataclasses.replace(settings, secure_cookies=True), InMemoryEventBus())
    async with served(app) as base:
        url = base.replace("http://", "ws://") + "/ws/v1/enterprise/vehicles"
        origin = {"Origin": base}

        async def first(cookie: str) -> dict[str, object] | int:
            headers = {**origin, "Cookie": cookie}
            async with websockets.connect(url, additional_headers=headers) as socket:
                try:
                    return dict(json.loads(await socket.recv()))
                except websockets.ConnectionClosed as closed:
                    assert closed.rcvd is not None
                    return closed.rcvd.code

        snapshot = await first(f"__Host-gate_session={token}")
        assert isinstance(snapshot, dict) and snapshot["kind"] == "snapshot"
        assert await first(f"gate_session={token}") == 4401
