"""Wait forecasts come from measured service, and their error against what happened is
measured and published."""

from __future__ import annotations

from tests.helpers import Api, device, officer, open_all_day, read, this_hour

GATE = "/api/v1/gates/tan-thanh"


async def test_the_board_forecasts_from_measured_calls_and_publishes_its_own_error(api: Api):
    await open_all_day(api, capacity=30)
    enterprise = await api.enterprise()
    camera = await device(api)
    regular_cargo = {"description": "Linh kiện điện tử", "weight_kg": 8000, "hs_code": "8471"}
    for _ in range(6):
        booking = (await enterprise.book(this_hour(), cargo=regular_cargo)).json()
        answer = await api.client.post(
            f"{GATE}/checkins", json=read(booking["plate"]), headers=camera
        )
        assert answer.json()["outcome"] == "on_time"

    before = (await api.client.get(f"{GATE}/board")).json()["directions"][0]
    assert before["rate_measured"] is False  # no history yet: the planned capacity stands in
    assert before["service_rate_per_hour"] == 30.0
    # A newcomer now is served after the six (same class, later arrival): 6 / 30 per hour.
    assert before["estimated_wait_minutes"] == 12

    operator = await officer(api, "gate_operator")
    for _ in range(4):  # to one lane, forced past the truck before: the rate is the point
        called = await api.client.post(
            f"{GATE}/lanes/X1/call-next", headers=operator, params={"force": "true"}
        )
        assert called.json()["called"] is not None

    board = (await api.client.get(f"{GATE}/board")).json()
    export = board["directions"][0]
    assert export["rate_measured"] is True
    assert export["service_rate_per_hour"] == 4.0  # four calls in the last hour
    assert export["estimated_wait_minutes"] == 30  # two still ahead of a newcomer, at 4 per hour
    accuracy = board["forecast_accuracy"]
    assert accuracy["samples"] == 4
    assert accuracy["mean_absolute_error_minutes"] is not None
    # Called at once although forecast at 2-minute steps: earlier than forecast, never later.
    assert accuracy["mean_error_minutes"] <= 0
