"""People's message choices over the API, on both databases: an enterprise sets its own
drivers' (never another's), a signed-in user their own (an API key is no person); wrong
choices are 422 and change nothing; each answer says which channels the platform offers.
A channel the platform does not offer is refused when newly chosen (the person would get
nothing), kept when chosen before. E-mail and SMS are offered here, Zalo is not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gate.config import Settings
from gate.domain.messages import Channel
from gate.messages.preferences import Choices, set_driver_choices
from gate.store.tables import Driver
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, bearer, enterprise_user, open_all_day, this_hour


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """E-mail and SMS offered (nothing is sent: the outbox's dispatcher is off), Zalo not."""
    return replace(
        settings,
        outbox=False,
        smtp_host="127.0.0.1",
        smtp_from="gate@example.vn",
        sms_url="http://127.0.0.1:9/sms",
        sms_token="sms-token",
    )


async def test_an_enterprise_sets_its_drivers_choices_and_nobody_elses(api: Api):
    enterprise = await api.enterprise()
    other = await api.enterprise()
    driver = await enterprise.driver()
    path = f"/api/v1/drivers/{driver['id']}/notifications"

    default = await api.client.get(path, headers=enterprise.headers)
    assert default.status_code == 200, default.text
    assert default.json()["channels"] == ["sms"]
    assert default.json()["language"] == "vi"  # the driver is Vietnamese
    assert default.json()["offered"] == ["email", "sms"]

    chosen = {
        "channels": ["email", "sms"],
        "language": "zh",
        "quiet_start": "22:00",
        "quiet_end": "06:00",
        "email": "tai-xe@example.cn",
    }
    answer = await api.client.put(path, json=chosen, headers=enterprise.headers)
    assert answer.status_code == 200, answer.text
    again = (await api.client.get(path, headers=enterprise.headers)).json()
    assert {k: again[k] for k in chosen} == chosen

    assert (await api.client.get(path, headers=other.headers)).status_code == 404
    refused = await api.client.put(path, json=chosen, headers=other.headers)
    assert refused.status_code == 404
    assert (await api.client.get(path, headers=enterprise.headers)).json() == again


async def test_wrong_choices_are_refused_and_change_nothing(api: Api):
    enterprise = await api.enterprise()
    driver = await enterprise.driver()
    path = f"/api/v1/drivers/{driver['id']}/notifications"
    before = (await api.client.get(path, headers=enterprise.headers)).json()

    for body, field in [
        ({"channels": ["email"], "language": "vi"}, "email"),  # e-mail without an address
        ({"channels": ["fax"], "language": "vi"}, None),
        ({"channels": ["sms"], "language": "fr"}, None),
        ({"channels": ["sms"], "language": "vi", "quiet_start": "22:00"}, "quiet_hours"),
        ({"channels": ["sms"], "language": "vi", "quiet_start": "6:00", "quiet_end": "7:00"}, None),
        (
            {"channels": ["sms"], "language": "vi", "quiet_start": "06:00", "quiet_end": "06:00"},
            "quiet_hours",
        ),
    ]:
        answer = await api.client.put(path, json=body, headers=enterprise.headers)
        assert answer.status_code == 422, (body, answer.text)
        if field:
            assert answer.json()["field"] == field, answer.text

    assert (await api.client.get(path, headers=enterprise.headers)).json() == before


async def test_a_user_sets_their_own_choices_and_an_api_key_has_none(api: Api):
    enterprise = await api.enterprise()
    headers = bearer(await enterprise_user(api, enterprise))

    default = await api.client.get("/api/v1/me/notifications", headers=headers)
    assert default.status_code == 200, default.text
    assert default.json()["channels"] == ["email"]
    assert default.json()["events"] == []
    assert "truck.called" in default.json()["available_events"]

    chosen = {
        "channels": ["email", "sms"],
        "language": "en",
        "events": ["truck.called", "booking.created"],
        "phone": "+84 912 345 678",
    }
    answer = await api.client.put("/api/v1/me/notifications", json=chosen, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["events"] == ["booking.created", "truck.called"]

    refused = await api.client.put(
        "/api/v1/me/notifications",
        json={**chosen, "events": ["webhook.disabled"]},
        headers=headers,
    )
    assert refused.status_code == 422
    no_phone = {k: v for k, v in chosen.items() if k != "phone"}
    refused = await api.client.put("/api/v1/me/notifications", json=no_phone, headers=headers)
    assert refused.status_code == 422 and refused.json()["field"] == "phone"

    key = await api.client.get("/api/v1/me/notifications", headers=enterprise.headers)
    assert key.status_code == 403


async def test_the_driver_chooses_channel_and_language_on_their_page(api: Api):
    await open_all_day(api)
    enterprise = await api.enterprise()
    booked = await enterprise.book(this_hour(2))
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    made = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/driver-links", headers=enterprise.headers
    )
    page = "/d/" + made.json()["url"].rsplit("/d/", 1)[1]
    choices = f"/api/v1/drivers/{booking['driver_id']}/notifications"

    html = (await api.client.get(page + "?lang=zh")).text
    assert f'action="{page}/messages"' in html and 'value="sms" checked' in html
    assert 'value="email"' in html and 'value="zalo"' not in html  # the offered ones only

    not_offered = await api.client.post(
        page + "/messages", data={"channel": "zalo", "language": "zh"}
    )
    assert not_offered.status_code == 303
    assert "messages=refused_channel" in not_offered.headers["location"]
    assert (
        "未保存：包含平台未开通的渠道"
        in (await api.client.get(not_offered.headers["location"])).text
    )

    refused = await api.client.post(page + "/messages", data={"channel": "email", "language": "zh"})
    assert refused.status_code == 303
    assert "messages=refused" in refused.headers["location"]
    assert (await api.client.get(choices, headers=enterprise.headers)).json()["channels"] == ["sms"]

    saved = await api.client.post(
        page + "/messages",
        data={"channel": "email", "language": "zh", "email": "si-ji@example.cn"},
    )
    assert saved.status_code == 303 and "messages=saved" in saved.headers["location"]
    stored = (await api.client.get(choices, headers=enterprise.headers)).json()
    assert (stored["channels"], stored["language"], stored["email"]) == (
        ["email"],
        "zh",
        "si-ji@example.cn",
    )
    shown = (await api.client.get(saved.headers["location"])).text
    assert "已保存" in shown and 'value="email" checked' in shown

    gone = await api.client.post("/d/" + "x" * 43 + "/messages", data={"channel": "sms"})
    assert gone.status_code == 404


async def test_a_channel_not_offered_is_refused_when_new_and_kept_when_chosen_before(
    api: Api, uow: UnitOfWork
):
    enterprise = await api.enterprise()
    driver = await enterprise.driver()
    path = f"/api/v1/drivers/{driver['id']}/notifications"
    before = (await api.client.get(path, headers=enterprise.headers)).json()

    body = {"channels": ["sms", "zalo"], "language": "vi"}
    refused = await api.client.put(path, json=body, headers=enterprise.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "channels"
    assert "zalo" in refused.json()["detail"] and "offered: email, sms" in refused.json()["detail"]
    assert (await api.client.get(path, headers=enterprise.headers)).json() == before

    headers = bearer(await enterprise_user(api, enterprise))
    mine = {"channels": ["zalo"], "language": "en", "phone": "+84 912 345 678"}
    refused = await api.client.put("/api/v1/me/notifications", json=mine, headers=headers)
    assert refused.status_code == 422 and refused.json()["field"] == "channels"

    # Zalo chosen while the platform offered it (its settings since taken away): kept.
    row = await uow.session.get(Driver, driver["id"])
    assert row is not None
    chosen = Choices((Channel.ZALO,), "vi", None, None)
    await set_driver_choices(uow.session, row, chosen, offered=tuple(Channel))
    await uow.commit()
    kept = await api.client.put(path, json=body, headers=enterprise.headers)
    assert kept.status_code == 200, kept.text
    assert kept.json()["channels"] == ["sms", "zalo"]
