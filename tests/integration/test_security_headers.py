"""Every answer carries the security headers (pages, API, errors, static files); answers with
personal data are never stored by a cache; the pages run no inline script the CSP would block."""

from __future__ import annotations

import re

import httpx

from tests.helpers import Api, admin, browser, officer, open_all_day, page_csrf, tomorrow_at

FIXED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}


def _assert_secured(response: httpx.Response) -> None:
    for name, value in FIXED.items():
        assert response.headers.get(name) == value, (response.url, name)
    policy = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


async def test_pages_api_answers_errors_and_static_files_carry_the_security_headers(api: Api):
    enterprise = await api.enterprise()
    answers = {
        "page": await api.client.get("/"),
        "sign-in page": await api.client.get("/sign-in"),
        "api": await api.client.get("/api/v1/gates"),
        "api error": await api.client.get("/api/v1/bookings/nope", headers=enterprise.headers),
        "no such route": await api.client.get("/nowhere"),
        "refused form": await api.client.post("/language", data={"language": "en"}),
        "static file": await api.client.get("/static/app.css"),
    }
    assert [a.status_code for a in answers.values()] == [200, 200, 200, 404, 404, 403, 200]
    for answer in answers.values():
        _assert_secured(answer)


async def test_answers_with_personal_data_are_no_store_and_the_public_board_briefly_cacheable(
    api: Api,
):
    enterprise = await api.enterprise()
    booked = await enterprise.book(tomorrow_at(9))
    assert booked.status_code == 201, booked.text
    personal = [
        booked,
        await api.client.get(f"/api/v1/bookings/{booked.json()['id']}", headers=enterprise.headers),
        await api.client.get("/api/v1/vehicles", headers=enterprise.headers),
        # Even a public route, asked with a credential, may answer with what is the asker's.
        await api.client.get("/api/v1/gates/tan-thanh/board", headers=enterprise.headers),
    ]
    for answer in personal:
        assert answer.headers["cache-control"] == "no-store", answer.url

    board = await api.client.get("/api/v1/gates/tan-thanh/board")
    polled_header = "public, max-age=1, stale-while-revalidate=2"
    assert board.headers["cache-control"] == polled_header
    # What else crowds poll: the proxy's micro-cache (deploy/nginx) keeps them as briefly.
    for polled in ("/api/v1/gates", "/api/v1/gates/tan-thanh/availability"):
        assert (await api.client.get(polled)).headers["cache-control"] == polled_header
        asked = await api.client.get(polled, headers=enterprise.headers)
        assert asked.headers["cache-control"] == "no-store", polled
    # A page carries a token bound to its visitor: never for a shared cache.
    assert (await api.client.get("/board/tan-thanh")).headers["cache-control"] == "no-store"


async def test_the_portals_pages_are_no_store_and_run_no_inline_script(api: Api):
    # A manager: the webhooks pages are the managers' (the rule book's manage-webhooks).
    enterprise = await api.enterprise(key_scope="manager")
    body = {
        "email": "f@xnk.vn",
        "full_name": "Nhân viên",
        "password": "một-mật-khẩu-dài",
        "role": "manager",
    }
    await api.client.post(f"/api/v1/enterprises/{enterprise.id}/users", json=body, headers=admin())
    sign_in = await api.client.get("/sign-in")
    signed_in = await api.client.post(
        "/sign-in",
        data={"email": body["email"], "password": body["password"], "next": "/portal"},
        headers=page_csrf(sign_in.text),
    )
    assert signed_in.status_code == 303, signed_in.text
    booked = await enterprise.book(tomorrow_at(9))
    hook = await api.client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": "https://erp.example.vn/hooks", "event_types": ["booking.created"]},
        headers=enterprise.headers,
    )
    assert hook.status_code == 201, hook.text
    for path in (
        "/portal",
        "/portal/book",
        "/portal/fleet",
        f"/portal/bookings/{booked.json()['id']}",
        "/portal/messages",
        f"/portal/drivers/{(await enterprise.driver())['id']}/messages",
        "/portal/webhooks",
        f"/portal/webhooks/{hook.json()['id']}",
        f"/portal/webhooks/{hook.json()['id']}/delete",
    ):
        page = await api.client.get(path)
        assert page.status_code == 200, path
        assert page.headers["cache-control"] == "no-store"
        _assert_no_inline_code(page.text, path)


async def test_the_statistics_pages_are_no_store_and_run_no_inline_script(api: Api):
    # An officer of the gate (the statistics are the gate's officers'); the planner's answer
    # and its chart too, and the exports (numbers of a gate's day: not for a shared cache).
    await open_all_day(api)
    token = (await officer(api, "customs"))["Authorization"].removeprefix("Bearer ")
    await browser(api, token)
    for path in (
        "/statistics/tan-thanh",
        "/statistics/tan-thanh?span=month&direction=import",
        "/statistics/tan-thanh?direction=export&lane_at=14:00&capacity=0.5&extra_count=30",
        "/statistics/tan-thanh/xlsx",
        "/statistics/tan-thanh/csv/waits",
    ):
        page = await api.client.get(path)
        assert page.status_code == 200, path
        _assert_secured(page)
        assert page.headers["cache-control"] == "no-store", path
        if page.headers["content-type"].startswith("text/html"):
            _assert_no_inline_code(page.text, path)


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)
_STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*["']""", re.I)


def _assert_no_inline_code(html: str, path: str) -> None:
    """No script the CSP would block: every script is a file or a JSON data block, no event
    handler attributes, no style attributes."""
    assert not _INLINE_SCRIPT.search(html), path
    assert not _HANDLER.search(html), path
    assert not _STYLE_ATTRIBUTE.search(html), path


async def test_the_public_pages_run_no_inline_script_or_style(api: Api):
    for path in ("/", "/board/tan-thanh", "/board/tan-thanh?layout=wall", "/sign-in"):
        _assert_no_inline_code((await api.client.get(path)).text, path)


_ASSET = re.compile(r"""\s(?:src|href)="([^"]*)\"""")


async def test_the_api_docs_pages_run_no_inline_code_and_load_only_the_platforms_files(api: Api):
    for path in ("/schema", "/schema/swagger"):
        page = await api.client.get(path)
        assert page.status_code == 200, path
        _assert_secured(page)
        _assert_no_inline_code(page.text, path)
        assert "<style" not in page.text, path
        assets = _ASSET.findall(page.text)
        assert {a.rsplit("/", 1)[1] for a in assets} >= {"swagger-ui-bundle.js", "docs.js"}
        for asset in assets:
            # A path on this origin ("//cdn…" would be another), served by the platform.
            assert asset.startswith("/") and not asset.startswith("//"), (path, asset)
            assert (await api.client.get(asset)).status_code == 200, asset
        spec = re.search(r'data-spec-url="([^"]+)"', page.text)
        assert spec and spec[1] == "/schema/openapi.json"
    document = await api.client.get("/schema/openapi.json")
    assert "createBooking" in document.text
