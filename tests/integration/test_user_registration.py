"""Registering an enterprise's user tells its manager nothing about accounts elsewhere: an
e-mail held in another enterprise, or by an officer, is answered as a new one is."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import Api, admin

PASSWORD = "một-mật-khẩu-dài"


def _shape(answer: httpx.Response) -> tuple[int, str, dict[str, Any]]:
    """Status, content type and the body with each value replaced by its type."""
    body = answer.json()
    return answer.status_code, answer.headers["content-type"], {k: type(v) for k, v in body.items()}


async def test_an_email_held_in_another_enterprise_or_by_an_officer_is_answered_as_a_new_one(
    api: Api,
):
    other = await api.enterprise(key_scope="manager")
    held = {"email": "giam-doc@van-tai.vn", "full_name": "Giám đốc", "password": PASSWORD}
    first = await api.client.post(
        f"/api/v1/enterprises/{other.id}/users", json=held, headers=other.headers
    )
    assert first.status_code == 201, first.text
    officer = {
        "email": "can-bo@tan-thanh.gov.vn",
        "full_name": "Cán bộ",
        "agency": "customs",
        "password": PASSWORD,
        "gates": ["tan-thanh"],
    }
    assert (await api.client.post("/api/v1/officers", json=officer, headers=admin())).is_success

    manager = await api.enterprise(key_scope="manager")
    users = f"/api/v1/enterprises/{manager.id}/users"

    async def register(email: str) -> httpx.Response:
        body = {"email": email, "full_name": "Nhân viên", "password": "another-password"}
        return await api.client.post(users, json=body, headers=manager.headers)

    new = await register("moi@xnk.vn")
    elsewhere = await register("Giam-Doc@van-tai.vn")
    an_officer = await register("can-bo@tan-thanh.gov.vn")
    assert _shape(new) == _shape(elsewhere) == _shape(an_officer)
    assert new.status_code == 201
    for answer, email in ((elsewhere, "giam-doc@van-tai.vn"), (an_officer, officer["email"])):
        body = answer.json()
        assert (body["email"], body["enterprise_id"], body["role"]) == (email, manager.id, "clerk")
        assert body["id"] not in (new.json()["id"], first.json()["id"])

    # Nothing was taken from the holders: they sign in with their own passwords, as before.
    for email in (held["email"], officer["email"]):
        signed_in = await api.client.post(
            "/api/v1/auth/sessions", json={"email": email, "password": PASSWORD}
        )
        assert signed_in.status_code == 201
    taken = await api.client.post(
        "/api/v1/auth/sessions", json={"email": held["email"], "password": "another-password"}
    )
    assert taken.status_code == 401
    others = await api.client.get(f"/api/v1/enterprises/{other.id}/users", headers=admin())
    assert [u["id"] for u in others.json()] == [first.json()["id"]]


async def test_an_email_this_enterprise_already_has_is_a_conflict(api: Api):
    manager = await api.enterprise(key_scope="manager")
    users = f"/api/v1/enterprises/{manager.id}/users"
    body = {"email": "ke-toan@xnk.vn", "full_name": "Kế toán", "password": PASSWORD}
    assert (await api.client.post(users, json=body, headers=manager.headers)).status_code == 201
    again = await api.client.post(users, json=body, headers=manager.headers)
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/already-exists"
