"""Every page view's browser asks for /favicon.ico: it answered 404 (issue 17, a new user's
trial); now the icon packaged with the platform (frontend/static/favicon.ico)."""

from __future__ import annotations

from tests.helpers import Api


async def test_every_page_view_finds_the_platforms_icon(api: Api):
    answer = await api.client.get("/favicon.ico", headers={"accept": "image/*"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/x-icon"
    assert answer.content[:4] == b"\x00\x00\x01\x00"  # an ICO's header: reserved 0, type 1
    images = int.from_bytes(answer.content[4:6], "little")
    sizes = {answer.content[6 + 16 * n] for n in range(images)}
    assert sizes == {16, 32}
    assert answer.headers["cache-control"].startswith("public, max-age=")
