"""People of an enterprise signed in to the portal, for the pages' tests: a user of a role,
made by the administrator, and their session's token."""

from __future__ import annotations

import itertools

from tests.helpers import Api, Enterprise, admin

PASSWORD = "một-mật-khẩu-dài"
_n = itertools.count(1)


async def portal_user(api: Api, enterprise: Enterprise, role: str) -> tuple[str, str]:
    """A new user of ``enterprise`` with ``role`` (manager or clerk): their e-mail and a
    session token for the portal."""
    email = f"{role}.{next(_n)}.{enterprise.id[:6].lower()}@xnk.vn"
    body = {"email": email, "full_name": "Người dùng", "password": PASSWORD, "role": role}
    created = await api.client.post(
        f"/api/v1/enterprises/{enterprise.id}/users", json=body, headers=admin()
    )
    assert created.status_code == 201, created.text
    session = await api.client.post(
        "/api/v1/auth/sessions", json={"email": email, "password": PASSWORD}
    )
    assert session.status_code == 201, session.text
    return email, str(session.json()["token"])
