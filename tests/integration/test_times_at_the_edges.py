"""Times the platform cannot represent (year 1 with a positive offset, year 9999 with a
negative one: neither exists in UTC or on the gates' clock) get a 422 problem naming the
field as the client wrote it, on every route that takes a time, never a 500."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from tests.helpers import Api, Enterprise, admin, device, officer, read, tomorrow_at

YEAR_1 = "0001-01-01T00:00:00+05:00"
YEAR_9999 = "9999-12-31T23:59:59-05:00"
UNREPRESENTABLE = [YEAR_1, YEAR_9999]
# Inside Python's range and convertible, yet outside the accepted window.
OUTSIDE_THE_WINDOW = ["1969-12-31T23:59:59+00:00", "2100-01-01T07:00:00+07:00"]


def assert_refused(answer: httpx.Response, field: str) -> None:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["type"] == "/problems/validation"
    assert problem["field"] == field, problem


@pytest.fixture
async def enterprise(api: Api) -> Enterprise:
    return await api.enterprise()


@pytest.mark.parametrize("moment", UNREPRESENTABLE + OUTSIDE_THE_WINDOW)
async def test_a_check_in_observed_at_an_unrepresentable_time_is_refused_with_422(
    api: Api, moment: str
):
    camera = await device(api)
    event = {**read("12C-123.45"), "observed_at": moment}
    one = await api.client.post("/api/v1/gates/tan-thanh/checkins", json=event, headers=camera)
    assert_refused(one, "observed_at")
    batch = await api.client.post(
        "/api/v1/gates/tan-thanh/checkins/batch",
        json={"events": [read("12C-123.46"), event]},
        headers=camera,
    )
    assert_refused(batch, "observed_at")


@pytest.mark.parametrize("moment", UNREPRESENTABLE)
async def test_an_unauthenticated_check_in_at_an_unrepresentable_time_is_a_422_not_a_500(
    api: Api, moment: str
):
    event = {**read("12C-123.45"), "observed_at": moment}
    answer = await api.client.post("/api/v1/gates/tan-thanh/checkins", json=event)
    assert_refused(answer, "observed_at")


@pytest.mark.parametrize("moment", UNREPRESENTABLE + OUTSIDE_THE_WINDOW)
async def test_booking_and_rescheduling_into_an_unrepresentable_slot_are_refused_with_422(
    api: Api, enterprise: Enterprise, moment: str
):
    booked = await enterprise.book(tomorrow_at(9))
    assert booked.status_code == 201, booked.text
    body = enterprise.booking_body(
        await enterprise.vehicle(), await enterprise.driver(), tomorrow_at(10)
    )
    answer = await api.client.post(
        "/api/v1/bookings", json={**body, "slot_start": moment}, headers=enterprise.headers
    )
    assert_refused(answer, "slot_start")
    moved = await api.client.post(
        f"/api/v1/bookings/{booked.json()['id']}/reschedule",
        json={"slot_start": moment, "version": 1},
        headers=enterprise.headers,
    )
    assert_refused(moved, "slot_start")


@pytest.mark.parametrize("moment", UNREPRESENTABLE + OUTSIDE_THE_WINDOW)
@pytest.mark.parametrize("parameter", ["slot_from", "slot_to"])
async def test_listing_bookings_from_or_to_an_unrepresentable_time_is_refused_with_422(
    api: Api, enterprise: Enterprise, parameter: str, moment: str
):
    answer = await api.client.get(
        "/api/v1/bookings", params={parameter: moment}, headers=enterprise.headers
    )
    assert_refused(answer, parameter)


@pytest.mark.parametrize("moment", UNREPRESENTABLE + OUTSIDE_THE_WINDOW)
async def test_availability_from_an_unrepresentable_time_is_refused_naming_from(
    api: Api, moment: str
):
    answer = await api.client.get(
        "/api/v1/gates/tan-thanh/availability", params={"from": moment, "hours": 24}
    )
    assert_refused(answer, "from")


async def test_availability_from_the_last_accepted_hour_answers(api: Api):
    answer = await api.client.get(
        "/api/v1/gates/tan-thanh/availability",
        params={"from": "2099-12-31T23:00:00+00:00", "hours": 24 * 31},
    )
    assert answer.status_code == 200, answer.text


async def test_a_parameter_that_is_no_time_is_refused_under_its_own_name(api: Api):
    answer = await api.client.get(
        "/api/v1/gates/tan-thanh/availability", params={"from": "tomorrow at nine"}
    )
    assert answer.status_code == 422, answer.text
    assert [e["key"] for e in answer.json()["errors"]] == ["from"]


@pytest.mark.parametrize("moment", [*UNREPRESENTABLE, "2100-01-01T00:00:00+00:00"])
async def test_a_cursor_holding_an_unrepresentable_time_is_refused_with_422(
    api: Api, enterprise: Enterprise, moment: str
):
    cursor = base64.urlsafe_b64encode(f"{moment}|some-id".encode()).decode().rstrip("=")
    answer = await api.client.get(
        "/api/v1/bookings", params={"cursor": cursor}, headers=enterprise.headers
    )
    assert_refused(answer, "cursor")


def _closure(moment: str) -> dict[str, Any]:
    return {"starts_at": moment, "ends_at": tomorrow_at(12).isoformat(), "reason": "typo"}


@pytest.mark.parametrize("moment", UNREPRESENTABLE)
async def test_the_calendar_and_notices_refuse_unrepresentable_times_with_422(
    api: Api, moment: str
):
    override = await api.client.post(
        "/api/v1/gates/tan-thanh/capacity-overrides",
        json={"direction": "export", "starts_at": moment, "capacity": 3},
        headers=admin(),
    )
    assert_refused(override, "starts_at")
    closure = await api.client.post(
        "/api/v1/gates/tan-thanh/closures", json=_closure(moment), headers=admin()
    )
    assert_refused(closure, "starts_at")
    operator = await officer(api, "gate_operator")
    notice = await api.client.post(
        "/api/v1/gates/tan-thanh/notices",
        json={"text": "Pò Chài closes early", "expires_at": moment},
        headers=operator,
    )
    assert_refused(notice, "expires_at")


async def test_a_time_without_offset_is_refused_naming_its_field(api: Api, enterprise: Enterprise):
    body = enterprise.booking_body(
        await enterprise.vehicle(), await enterprise.driver(), tomorrow_at(10)
    )
    answer = await api.client.post(
        "/api/v1/bookings",
        json={**body, "slot_start": tomorrow_at(10).replace(tzinfo=None).isoformat()},
        headers=enterprise.headers,
    )
    assert_refused(answer, "slot_start")
