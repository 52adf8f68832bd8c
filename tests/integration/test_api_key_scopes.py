"""An API key carries a scope: a booking key books and follows its trucks, only a manager key
(or a manager user, or the administrator) manages the enterprise's users and keys; keys made
before the scopes keep what they could do."""

from __future__ import annotations

import re

import pytest
from alembic.script import ScriptDirectory

from gate.store.migrate import alembic_config, upgrade
from tests.helpers import Api, admin, page_csrf, tomorrow_at
from tests.integration.test_migrations import _in_thread, empty_database  # noqa: F401
from tests.integration.test_vehicle_holders_migration import ENTERPRISES, _execute

PASSWORD = "một-mật-khẩu-dài"


async def test_a_booking_key_is_refused_key_and_user_management_and_allowed_to_book(api: Api):
    enterprise = await api.enterprise(key_scope="booking")
    keys = f"/api/v1/enterprises/{enterprise.id}/api-keys"
    users = f"/api/v1/enterprises/{enterprise.id}/users"
    key_id = (await api.client.get(keys, headers=admin())).json()[0]["id"]
    user = {"email": "ke-toan@xnk.vn", "full_name": "Kế toán", "password": "một-mật-khẩu-dài"}

    refused = [
        await api.client.post(keys, json={"name": "x"}, headers=enterprise.headers),
        await api.client.post(
            keys, json={"name": "x", "scope": "manager"}, headers=enterprise.headers
        ),
        await api.client.get(keys, headers=enterprise.headers),
        await api.client.delete(f"{keys}/{key_id}", headers=enterprise.headers),
        await api.client.post(users, json=user, headers=enterprise.headers),
        await api.client.get(users, headers=enterprise.headers),
    ]
    assert [r.status_code for r in refused] == [403] * 6
    assert (await api.client.get(users, headers=admin())).json() == []
    assert len((await api.client.get(keys, headers=admin())).json()) == 1

    booked = await enterprise.book(tomorrow_at(9))
    assert booked.status_code == 201, booked.text
    mine = await api.client.get(
        f"/api/v1/bookings/{booked.json()['id']}", headers=enterprise.headers
    )
    assert mine.status_code == 200
    me = await api.client.get("/api/v1/auth/me", headers=enterprise.headers)
    assert me.json()["role"] == "clerk"


async def test_a_manager_key_issues_keys_of_the_scope_it_chooses_booking_unless_said(api: Api):
    enterprise = await api.enterprise(key_scope="manager")
    keys = f"/api/v1/enterprises/{enterprise.id}/api-keys"

    plain = await api.client.post(keys, json={"name": "ERP"}, headers=enterprise.headers)
    assert plain.status_code == 201, plain.text
    assert plain.json()["scope"] == "booking"
    manager = await api.client.post(
        keys, json={"name": "IT", "scope": "manager"}, headers=enterprise.headers
    )
    assert manager.json()["scope"] == "manager"
    unknown = await api.client.post(
        keys, json={"name": "x", "scope": "everything"}, headers=enterprise.headers
    )
    assert unknown.status_code == 400 or unknown.status_code == 422

    listed = (await api.client.get(keys, headers=enterprise.headers)).json()
    assert [(k["name"], k["scope"]) for k in listed] == [
        ("erp", "manager"),
        ("ERP", "booking"),
        ("IT", "manager"),
    ]
    issued = {"Authorization": f"Bearer {manager.json()['token']}"}
    assert (await api.client.get(keys, headers=issued)).status_code == 200
    narrow = {"Authorization": f"Bearer {plain.json()['token']}"}
    assert (await api.client.get(keys, headers=narrow)).status_code == 403


async def test_keys_made_before_migration_0008_stay_managers_and_new_rows_must_say_their_scope(
    empty_database: str,  # noqa: F811
):
    script = ScriptDirectory.from_config(alembic_config(empty_database))
    before = script.get_revision("0008")
    assert before is not None and isinstance(before.down_revision, str)
    _in_thread(upgrade, empty_database, before.down_revision)
    now = "'2026-11-30 08:00:00+00:00'"
    await _execute(
        empty_database,
        ENTERPRISES + f"('e1', 'Vận tải A', '4900000001', false, {now})",
        "INSERT INTO api_keys (id, enterprise_id, name, lookup, secret_hash, created_at) "
        f"VALUES ('k1', 'e1', 'ERP', 'abcd', '{'0' * 64}', {now})",
    )

    _in_thread(upgrade, empty_database)

    rows = await _execute(empty_database, "SELECT id, scope FROM api_keys")
    assert [tuple(r) for r in rows] == [("k1", "manager")]
    with pytest.raises(Exception, match=r"(?i)null"):
        await _execute(
            empty_database,
            "INSERT INTO api_keys (id, enterprise_id, name, lookup, secret_hash, created_at) "
            f"VALUES ('k2', 'e1', 'ERP 2', 'efgh', '{'0' * 64}', {now})",
        )


async def _portal_user(api: Api, enterprise_id: str, email: str, role: str) -> None:
    """Signs ``email`` (of ``role``) into the test client's browser session."""
    body = {"email": email, "full_name": "Người dùng", "password": PASSWORD, "role": role}
    created = await api.client.post(
        f"/api/v1/enterprises/{enterprise_id}/users", json=body, headers=admin()
    )
    assert created.status_code == 201, created.text
    session = await api.client.post(
        "/api/v1/auth/sessions", json={"email": email, "password": PASSWORD}
    )
    api.client.cookies.set("gate_session", session.json()["token"])


async def test_a_manager_issues_a_booking_key_in_the_portal_and_a_clerk_may_not(api: Api):
    enterprise = await api.enterprise()
    await _portal_user(api, enterprise.id, "quan-ly@xnk.vn", "manager")
    keys = await api.client.get("/portal/keys")
    assert keys.status_code == 200 and 'id="key-form"' in keys.text
    assert 'href="/portal/keys"' in (await api.client.get("/portal")).text

    issued = await api.client.post(
        "/portal/keys", data={"name": "Kho", "scope": "booking"}, headers=page_csrf(keys.text)
    )
    assert issued.status_code == 200, issued.text
    token = re.search(r'<code id="issued-token">(gk_[^<]+)</code>', issued.text)
    assert token is not None
    integration = {"Authorization": f"Bearer {token.group(1)}"}
    assert (await enterprise.book(tomorrow_at(10))).status_code == 201
    booked = await api.client.get("/api/v1/bookings", headers=integration)
    assert booked.status_code == 200
    refused = await api.client.get(
        f"/api/v1/enterprises/{enterprise.id}/api-keys", headers=integration
    )
    assert refused.status_code == 403
    listed = (
        await api.client.get(f"/api/v1/enterprises/{enterprise.id}/api-keys", headers=admin())
    ).json()
    assert [(k["name"], k["scope"]) for k in listed][-1] == ("Kho", "booking")
    # Shown on that answer only: the page lists the key, never its token again.
    assert token.group(1) not in (await api.client.get("/portal/keys")).text

    await _portal_user(api, enterprise.id, "nhan-vien@xnk.vn", "clerk")
    assert 'href="/portal/keys"' not in (await api.client.get("/portal")).text
    assert (await api.client.get("/portal/keys")).status_code == 403
    csrf = page_csrf((await api.client.get("/portal")).text)
    forbidden = await api.client.post(
        "/portal/keys", data={"name": "x", "scope": "manager"}, headers=csrf
    )
    assert forbidden.status_code == 403
    after = (
        await api.client.get(f"/api/v1/enterprises/{enterprise.id}/api-keys", headers=admin())
    ).json()
    assert len(after) == len(listed)
