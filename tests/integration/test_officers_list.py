"""The administrator finds an officer's id (to change their gates or disable them) in
``GET /api/v1/officers``, optionally only the officers of one gate."""

from __future__ import annotations

from typing import Any

from tests.helpers import Api, admin
from tests.streams import PASSWORD


async def _create(api: Api, email: str, agency: str, gates: list[str]) -> dict[str, Any]:
    body = {
        "email": email,
        "full_name": "Cán bộ",
        "agency": agency,
        "password": PASSWORD,
        "gates": gates,
    }
    created = await api.client.post("/api/v1/officers", json=body, headers=admin())
    assert created.status_code == 201, created.text
    return dict(created.json())


async def test_the_administrator_lists_officers_with_their_ids_gates_and_state(api: Api):
    customs = await _create(api, "hai-quan@tan-thanh.gov.vn", "customs", ["tan-thanh"])
    operator = await _create(
        api, "dieu-hanh@lang-son.gov.vn", "gate_operator", ["tan-thanh", "huu-nghi"]
    )
    guard = await _create(api, "bien-phong@chi-ma.gov.vn", "border_guard", ["chi-ma"])
    disabled = await api.client.post(f"/api/v1/officers/{guard['id']}/disable", headers=admin())
    assert disabled.status_code == 204, disabled.text

    listed = await api.client.get("/api/v1/officers", headers=admin())
    assert listed.status_code == 200, listed.text
    by_email = {o["email"]: o for o in listed.json()}
    assert [o["email"] for o in listed.json()] == sorted(by_email)  # by e-mail
    assert by_email[customs["email"]] == {**customs, "disabled_at": None}
    assert by_email[operator["email"]]["id"] == operator["id"]
    assert by_email[operator["email"]]["gates"] == ["huu-nghi", "tan-thanh"]
    assert by_email[operator["email"]]["agency"] == "gate_operator"
    assert by_email[guard["email"]]["disabled_at"] is not None
    assert by_email[guard["email"]]["disabled_at"].endswith("+07:00")  # the gates' clock

    at_tan_thanh = await api.client.get("/api/v1/officers?gate=tan-thanh", headers=admin())
    assert at_tan_thanh.status_code == 200, at_tan_thanh.text
    assert {o["id"] for o in at_tan_thanh.json()} == {customs["id"], operator["id"]}


async def test_listing_the_officers_of_an_unknown_gate_is_a_404_problem(api: Api):
    answer = await api.client.get("/api/v1/officers?gate=khong-co", headers=admin())
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"] == "/problems/not-found"
