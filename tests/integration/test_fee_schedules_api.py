"""The administration adds versions of a gate's fee schedule over the API, anyone reads them,
and the version in force at an instant is the one a booking's fee is fixed by."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from gate.domain.time import utc_now
from tests.helpers import Api, admin, tomorrow_at

PATH = "/api/v1/gates/tan-thanh/fee-schedules"
RATES = [
    {"direction": "export", "vehicle_type": "*", "load_class": "*", "amount_vnd": 1_500_000},
    {"direction": "import", "vehicle_type": "*", "load_class": "*", "amount_vnd": 1_200_000},
    {
        "direction": "export",
        "vehicle_type": "Container",
        "load_class": "18t-up",
        "amount_vnd": 2_500_000,
    },
]


def body(effective_from: datetime, **changes: Any) -> dict[str, Any]:
    return {
        "effective_from": effective_from.isoformat(),
        "decision": "Nghị quyết 01/2026/NQ-HĐND (thử nghiệm)",
        "rates": RATES,
    } | changes


async def test_an_administrator_adds_versions_that_anyone_reads_with_their_rates(api: Api) -> None:
    first = await api.client.post(
        PATH, json=body(utc_now() + timedelta(minutes=1)), headers=admin()
    )
    assert first.status_code == 201, first.text
    made = first.json()
    assert made["version"] == 1 and made["gate"] == "tan-thanh"
    # The vehicle type as rates compare it (trimmed, lower case).
    assert {
        "direction": "export",
        "vehicle_type": "container",
        "load_class": "18t-up",
        "amount_vnd": 2_500_000,
    } in made["rates"]
    second = await api.client.post(PATH, json=body(tomorrow_at(10)), headers=admin())
    assert second.status_code == 201, second.text
    assert second.json()["version"] == 2

    listed = await api.client.get(PATH)  # public: no credential
    assert listed.status_code == 200, listed.text
    versions = listed.json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["decision"] == "Nghị quyết 01/2026/NQ-HĐND (thử nghiệm)"
    assert len(versions[1]["rates"]) == 3
    assert datetime.fromisoformat(versions[1]["effective_from"]) == tomorrow_at(10)


async def test_the_version_in_force_is_the_latest_started_at_the_instant_asked(api: Api) -> None:
    one = await api.client.post(PATH, json=body(utc_now() + timedelta(seconds=1)), headers=admin())
    two = await api.client.post(PATH, json=body(tomorrow_at(10)), headers=admin())
    assert one.status_code == two.status_code == 201, (one.text, two.text)

    before = await api.client.get(f"{PATH}/current", params={"at": utc_now().isoformat()})
    assert before.status_code == 404, before.text  # the first starts a second from now
    at_nine = await api.client.get(f"{PATH}/current", params={"at": tomorrow_at(9).isoformat()})
    at_ten = await api.client.get(f"{PATH}/current", params={"at": tomorrow_at(10).isoformat()})
    assert at_nine.status_code == at_ten.status_code == 200, (at_nine.text, at_ten.text)
    assert (at_nine.json()["version"], at_ten.json()["version"]) == (1, 2)


async def test_a_gate_without_a_schedule_lists_none_and_has_none_in_force(api: Api) -> None:
    listed = await api.client.get(PATH)
    assert listed.status_code == 200 and listed.json() == []
    current = await api.client.get(f"{PATH}/current")
    assert current.status_code == 404
    assert current.headers["content-type"].startswith("application/problem+json")
    unknown = await api.client.get("/api/v1/gates/nowhere/fee-schedules")
    assert unknown.status_code == 404


async def test_only_the_administrator_adds_a_version(api: Api) -> None:
    enterprise = await api.enterprise()
    refused = await api.client.post(PATH, json=body(tomorrow_at(10)), headers=enterprise.headers)
    assert refused.status_code == 403, refused.text
    anonymous = await api.client.post(PATH, json=body(tomorrow_at(10)))
    assert anonymous.status_code == 401, anonymous.text
    assert (await api.client.get(PATH)).json() == []


async def test_a_retried_addition_with_its_key_makes_one_version(api: Api) -> None:
    keyed = {**admin(), "Idempotency-Key": "council-2026-01"}
    first = await api.client.post(PATH, json=body(tomorrow_at(10)), headers=keyed)
    again = await api.client.post(PATH, json=body(tomorrow_at(10)), headers=keyed)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json() == first.json()
    assert [v["version"] for v in (await api.client.get(PATH)).json()] == [1]
    other = await api.client.post(PATH, json=body(tomorrow_at(11)), headers=keyed)
    assert other.status_code == 422, other.text
    assert other.json()["type"].endswith("idempotency-key-reused")


async def test_every_wrong_schedule_is_refused_with_its_field_and_changes_nothing(api: Api) -> None:
    await api.client.post(PATH, json=body(tomorrow_at(10)), headers=admin())
    export_only = [r for r in RATES if r["direction"] == "export"]
    wrong = {
        "in the past": (body(utc_now() - timedelta(hours=1)), "effective_from"),
        "before the latest": (body(tomorrow_at(9)), "effective_from"),
        "the latest's start": (body(tomorrow_at(10)), "effective_from"),
        "no catch-all for import": (body(tomorrow_at(11), rates=export_only), "rates"),
        "no rates": (body(tomorrow_at(11), rates=[]), "rates"),
        "a duplicate": (body(tomorrow_at(11), rates=[*RATES, RATES[0]]), "rates"),
        "a negative amount": (
            body(tomorrow_at(11), rates=[*RATES[:2], {**RATES[2], "amount_vnd": -1}]),
            "rates",
        ),
        "an amount too large": (
            body(tomorrow_at(11), rates=[*RATES[:2], {**RATES[2], "amount_vnd": 10**9}]),
            "rates",
        ),
        "an unknown load": (
            body(tomorrow_at(11), rates=[*RATES[:2], {**RATES[2], "load_class": "heavy"}]),
            "rates",
        ),
        "an unknown direction": (
            body(tomorrow_at(11), rates=[*RATES, {**RATES[0], "direction": "transit"}]),
            "rates",
        ),
        "a blank decision": (body(tomorrow_at(11), decision="   "), "decision"),
        "a naive start": (
            body(tomorrow_at(11)) | {"effective_from": "2030-01-01T08:00:00"},
            "effective_from",
        ),
    }
    for name, (request, field) in wrong.items():
        answer = await api.client.post(PATH, json=request, headers=admin())
        assert answer.status_code == 422, (name, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json"), name
        assert answer.json().get("field") == field, (name, answer.text)
    not_a_number = body(tomorrow_at(11), rates=[{**RATES[0], "amount_vnd": "1.5M"}])
    assert (await api.client.post(PATH, json=not_a_number, headers=admin())).status_code == 422
    assert [v["version"] for v in (await api.client.get(PATH)).json()] == [1]
