"""Pages that need a session send the browser to sign in and back, whoever else it is."""

from __future__ import annotations

import pytest

from tests.helpers import Api


@pytest.mark.parametrize(
    ("path", "area"),
    [
        ("/portal", "/portal"),
        ("/portal/fleet", "/portal"),
        ("/portal/book", "/portal"),
        ("/portal/messages", "/portal"),
        ("/portal/drivers/00000000000000000000000000/messages", "/portal"),
        ("/portal/webhooks", "/portal/webhooks"),
        ("/console", "/console"),
        ("/console/tan-thanh", "/console"),
        ("/statistics", "/statistics"),
        ("/statistics/tan-thanh", "/statistics"),
        ("/statistics/tan-thanh/xlsx", "/statistics"),
    ],
)
async def test_a_page_without_a_session_redirects_to_sign_in(api: Api, path: str, area: str):
    answer = await api.client.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/sign-in?next={area}"
