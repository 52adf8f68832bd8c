"""A gate's ordinary day that opens and closes at the same hour (0 to 0, 24 to 24) is
refused: it could mean round the clock or never, and a guess would open or shut a gate."""

from __future__ import annotations

import pytest

from tests.helpers import Api, admin, tomorrow_at


@pytest.mark.parametrize("hour", [0, 24, 6])
async def test_a_schedule_from_an_hour_to_the_same_hour_is_refused_and_changes_nothing(
    api: Api, hour: int
):
    before = await api.slot(tomorrow_at(9))
    answer = await api.client.put(
        "/api/v1/gates/tan-thanh/schedules/export",
        json={"hourly_capacity": 40, "opens_at": hour, "closes_at": hour},
        headers=admin(),
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["field"] == "closes_at"
    assert await api.slot(tomorrow_at(9)) == before
    gate = (await api.client.get("/api/v1/gates/tan-thanh")).json()
    export = next(s for s in gate["schedules"] if s["direction"] == "export")
    assert (export["opens_at"], export["closes_at"]) == (6, 22)


async def test_a_new_gate_open_from_0_to_0_is_refused(api: Api):
    body = {
        "code": "na-hinh",
        "name": "Na Hình",
        "name_en": "Na Hinh",
        "counterpart": "Nà Lạn",
        "province": "Lạng Sơn",
        "kind": "secondary",
        "export_capacity": 5,
        "import_capacity": 5,
        "opens_at": 0,
        "closes_at": 0,
    }
    answer = await api.client.post("/api/v1/gates", json=body, headers=admin())
    assert answer.status_code == 422, answer.text
    assert (await api.client.get("/api/v1/gates/na-hinh")).status_code == 404


async def test_round_the_clock_is_written_0_to_24(api: Api):
    answer = await api.client.put(
        "/api/v1/gates/tan-thanh/schedules/export",
        json={"hourly_capacity": 40, "opens_at": 0, "closes_at": 24},
        headers=admin(),
    )
    assert answer.status_code == 200, answer.text
    assert (await api.slot(tomorrow_at(3)))["capacity"] == 40
    assert (await api.slot(tomorrow_at(23)))["capacity"] == 40
