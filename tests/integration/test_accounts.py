"""Accounts: the administrator creates enterprises; enterprises get keys and users."""

from __future__ import annotations

from tests.helpers import Api, admin, bearer


async def test_an_api_key_is_shown_once_stored_hashed_and_stops_working_when_revoked(api: Api):
    enterprise = await api.enterprise(key_scope="manager")
    assert (await api.client.get("/api/v1/vehicles", headers=enterprise.headers)).status_code == 200
    keys = await api.client.get(f"/api/v1/enterprises/{enterprise.id}/api-keys", headers=admin())
    assert all("token" not in key for key in keys.json())

    key_id = keys.json()[0]["id"]
    revoked = await api.client.delete(
        f"/api/v1/enterprises/{enterprise.id}/api-keys/{key_id}", headers=enterprise.headers
    )
    assert revoked.status_code == 204
    assert (await api.client.get("/api/v1/vehicles", headers=enterprise.headers)).status_code == 401


async def test_a_user_signs_in_with_a_password_and_signing_out_ends_the_session(api: Api):
    enterprise = await api.enterprise(key_scope="manager")
    created = await api.client.post(
        f"/api/v1/enterprises/{enterprise.id}/users",
        json={"email": "Clerk@Example.vn", "full_name": "Trần Thị B", "password": "mật-khẩu-dài-1"},
        headers=enterprise.headers,
    )
    assert created.status_code == 201, created.text
    assert "password" not in created.text

    wrong = await api.client.post(
        "/api/v1/auth/sessions", json={"email": "clerk@example.vn", "password": "guess-guess"}
    )
    assert wrong.status_code == 401
    signed_in = await api.client.post(
        "/api/v1/auth/sessions", json={"email": "clerk@example.vn", "password": "mật-khẩu-dài-1"}
    )
    assert signed_in.status_code == 201
    session = bearer(signed_in.json()["token"])
    me = await api.client.get("/api/v1/auth/me", headers=session)
    assert me.json() == {
        "kind": "enterprise",
        "enterprise_id": enterprise.id,
        "user_id": created.json()["id"],
        "role": "clerk",
    }
    # A clerk books but does not manage the enterprise's keys.
    keys = await api.client.post(
        f"/api/v1/enterprises/{enterprise.id}/api-keys", json={"name": "x"}, headers=session
    )
    assert keys.status_code == 403

    assert (
        await api.client.delete("/api/v1/auth/sessions/current", headers=session)
    ).status_code == 204
    assert (await api.client.get("/api/v1/auth/me", headers=session)).status_code == 401


async def test_an_enterprise_tax_code_is_registered_once(api: Api):
    body = {"name": "Công ty A", "tax_code": "0109999999"}
    assert (
        await api.client.post("/api/v1/enterprises", json=body, headers=admin())
    ).status_code == 201
    again = await api.client.post("/api/v1/enterprises", json=body, headers=admin())
    assert again.status_code == 409


async def test_a_manager_of_one_enterprise_cannot_manage_another(api: Api):
    first, second = await api.enterprise(key_scope="manager"), await api.enterprise()
    answer = await api.client.get(f"/api/v1/enterprises/{second.id}/users", headers=first.headers)
    assert answer.status_code == 403
