"""The portal's message pages, on both databases: a signed-in user's own choices round trip
through the form and read the same over the API; a refused form comes back filled, with
the reason in the page's language, and stores nothing; nobody sees another user's choices;
an enterprise sets its own drivers' channels (never another's). E-mail and SMS are offered
(their settings are given), Zalo is not: a new choice of it is refused, one made before is
kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from gate.config import Settings
from gate.domain.messages import USER_TOPICS, Channel
from gate.messages.preferences import Choices, set_user_choices
from gate.store.tables import EnterpriseUser
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import ADMIN_TOKEN, Api, Enterprise, bearer, enterprise_user, page_csrf

ME = "/api/v1/me/notifications"
PAGE = "/portal/messages"
I18N = Path(__file__).resolve().parents[2] / "frontend" / "i18n"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """E-mail and SMS offered (nothing is sent: the outbox's dispatcher is off)."""
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        admin_token=ADMIN_TOKEN,
        sweep_seconds=0,
        outbox=False,
        smtp_host="127.0.0.1",
        smtp_from="gate@example.vn",
        sms_url="http://127.0.0.1:9/sms",
        sms_token="sms-token",
    )


async def signed_in(api: Api, enterprise: Enterprise, language: str = "en") -> dict[str, str]:
    """A new user of ``enterprise`` signed into the test client's browser (pages in
    ``language``); their bearer headers for the API."""
    token = await enterprise_user(api, enterprise)
    api.client.cookies.set("gate_session", token)
    api.client.cookies.set("gate_lang", language)
    return bearer(token)


async def test_a_user_sets_their_choices_on_the_page_and_the_api_reads_the_same(api: Api):
    enterprise = await api.enterprise()
    headers = await signed_in(api, enterprise)
    assert f'href="{PAGE}"' in (await api.client.get("/portal")).text

    shown = await api.client.get(PAGE)
    assert shown.status_code == 200, shown.text
    html = shown.text
    # The default (by e-mail, no event) and the offered channels only.
    assert 'value="email" checked' in html and 'value="sms">' in html
    assert 'value="zalo"' not in html
    # The events in words, never their codes.
    assert "A truck is called to a lane</label>" in html
    assert "> truck.called" not in html

    form = {
        "channels": ["email", "sms"],
        "phone": "+84 912 345 678",
        "language": "zh",
        "quiet_start": "22:00",
        "quiet_end": "06:00",
        "events": ["truck.called", "booking.created"],
    }
    saved = await api.client.post(PAGE, data=form, headers=page_csrf(html))
    assert saved.status_code == 303, saved.text
    # The answer travels as its key, so the page says it in its own language (issue 16 audit).
    assert saved.headers["location"] == PAGE + "?message=messages_saved"

    mine = (await api.client.get(ME, headers=headers)).json()
    assert mine["channels"] == ["email", "sms"]
    assert mine["events"] == ["booking.created", "truck.called"]
    assert (mine["language"], mine["phone"]) == ("zh", "+84 912 345 678")
    assert (mine["quiet_start"], mine["quiet_end"]) == ("22:00", "06:00")

    again = (await api.client.get(saved.headers["location"])).text
    assert "Saved." in again
    assert 'value="sms" checked' in again and 'value="+84 912 345 678"' in again
    assert 'value="zh" selected' in again and 'value="22:00"' in again
    assert 'value="truck.called" checked' in again and 'value="booking.lapsed">' in again


async def test_a_refused_form_comes_back_with_the_reason_in_the_pages_language(api: Api):
    enterprise = await api.enterprise()
    headers = await signed_in(api, enterprise, language="vi")
    before = (await api.client.get(ME, headers=headers)).json()
    csrf = page_csrf((await api.client.get(PAGE)).text)

    for form, reason in [
        # SMS without a phone: the use case's rule.
        ({"channels": ["sms"], "language": "zh"}, "SMS và Zalo cần số điện thoại"),
        # A phone the API's pattern refuses: msgspec's error, named by its field.
        ({"channels": ["sms"], "language": "zh", "phone": "gọi tôi"}, "SMS và Zalo cần"),
        ({"channels": ["email"], "language": "zh", "quiet_start": "22:00"}, "giờ yên tĩnh"),
        ({"channels": ["email"], "language": "zh", "events": ["webhook.disabled"]}, "sự kiện"),
        ({"channels": ["email"], "language": "fr"}, "tiếng Việt, tiếng Trung"),
    ]:
        refused = await api.client.post(PAGE, data=form, headers=csrf)
        assert refused.status_code == 422, (form, refused.text)
        assert reason in refused.text, form
        assert 'id="refused"' in refused.text
        # Filled with what was sent: the person corrects one field.
        assert 'value="sms" checked' in refused.text or form["channels"] == ["email"]
        if form["language"] == "zh":
            assert 'value="zh" selected' in refused.text

    assert (await api.client.get(ME, headers=headers)).json() == before
    # No token, no change: the pages' CSRF guard holds for this form too.
    forged = await api.client.post(PAGE, data={"channels": ["sms"], "language": "en"})
    assert forged.status_code == 403
    assert (await api.client.get(ME, headers=headers)).json() == before


async def test_nobody_sees_or_changes_another_users_choices(api: Api):
    enterprise = await api.enterprise()
    first = await signed_in(api, enterprise)
    html = (await api.client.get(PAGE)).text
    form = {"channels": ["sms"], "phone": "+84 988 777 666", "language": "en"}
    form["events"] = ["truck.exited"]
    saved = await api.client.post(PAGE, data=form, headers=page_csrf(html))
    assert saved.status_code == 303, saved.text
    theirs = (await api.client.get(ME, headers=first)).json()

    for colleague in (enterprise, await api.enterprise()):
        second = await signed_in(api, colleague)
        html = (await api.client.get(PAGE)).text
        assert "988 777 666" not in html and 'value="truck.exited" checked' not in html
        assert 'value="email" checked' in html  # their own default
        other = {"channels": ["email"], "language": "vi", "events": ["booking.created"]}
        assert (await api.client.post(PAGE, data=other, headers=page_csrf(html))).status_code == 303
        assert (await api.client.get(ME, headers=second)).json()["events"] == ["booking.created"]
    assert (await api.client.get(ME, headers=first)).json() == theirs


async def test_a_channel_chosen_but_not_offered_is_kept_by_the_form(api: Api, uow: UnitOfWork):
    enterprise = await api.enterprise()
    headers = await signed_in(api, enterprise)
    chosen = {"channels": ["zalo"], "language": "vi", "phone": "0912345678"}
    # A new choice of a channel not offered is refused, by the API and by the form.
    refused = await api.client.put(ME, json=chosen, headers=headers)
    assert refused.status_code == 422 and refused.json()["field"] == "channels"
    html = (await api.client.get(PAGE)).text
    crafted = await api.client.post(PAGE, data=chosen, headers=page_csrf(html))
    assert crafted.status_code == 422
    assert "Not saved: a channel this platform does not offer." in crafted.text
    # Chosen while the platform offered it (its settings since taken away): kept.
    user = await uow.session.scalar(
        select(EnterpriseUser).where(EnterpriseUser.enterprise_id == enterprise.id)
    )
    assert user is not None  # the one user of this new enterprise
    stored = Choices((Channel.ZALO,), "vi", None, "0912345678")
    await set_user_choices(uow.session, user, stored, offered=tuple(Channel))
    await uow.commit()
    html = (await api.client.get(PAGE)).text
    assert "Chosen but not offered here, kept: Zalo" in html
    form = {"channels": ["email"], "language": "vi", "phone": "0912345678"}
    assert (await api.client.post(PAGE, data=form, headers=page_csrf(html))).status_code == 303
    assert (await api.client.get(ME, headers=headers)).json()["channels"] == ["email", "zalo"]


async def test_an_enterprise_sets_its_drivers_channels_in_the_portal_and_nobody_elses(api: Api):
    enterprise = await api.enterprise()
    driver = await enterprise.driver()
    api_path = f"/api/v1/drivers/{driver['id']}/notifications"
    await api.client.put(
        api_path,
        json={"channels": ["sms"], "language": "vi", "quiet_start": "23:00", "quiet_end": "05:00"},
        headers=enterprise.headers,
    )
    await signed_in(api, enterprise)
    page = f"/portal/drivers/{driver['id']}/messages"
    assert f'href="{page}"' in (await api.client.get("/portal/fleet")).text
    html = (await api.client.get(page)).text
    assert driver["full_name"] in html and 'value="sms" checked' in html
    csrf = page_csrf(html)

    refused = await api.client.post(
        page, data={"channels": ["email"], "language": "zh"}, headers=csrf
    )
    assert refused.status_code == 422
    assert "Not saved: e-mail needs a valid e-mail address." in refused.text
    assert (await api.client.get(api_path, headers=enterprise.headers)).json()["channels"] == [
        "sms"
    ]

    form = {"channels": ["email", "sms"], "language": "zh", "email": "tai-xe@example.cn"}
    saved = await api.client.post(page, data=form, headers=csrf)
    assert saved.status_code == 303, saved.text
    stored = (await api.client.get(api_path, headers=enterprise.headers)).json()
    assert (stored["channels"], stored["language"], stored["email"]) == (
        ["email", "sms"],
        "zh",
        "tai-xe@example.cn",
    )
    assert (stored["quiet_start"], stored["quiet_end"]) == ("23:00", "05:00")  # kept

    await signed_in(api, await api.enterprise())
    assert (await api.client.get(page)).status_code == 404
    csrf = page_csrf((await api.client.get(PAGE)).text)
    other = {"channels": ["sms"], "language": "en"}
    assert (await api.client.post(page, data=other, headers=csrf)).status_code == 404
    assert (await api.client.get(api_path, headers=enterprise.headers)).json() == stored


def test_every_event_a_user_may_choose_has_words_in_every_language():
    for language in ("vi", "zh", "en"):
        words = json.loads((I18N / f"{language}.json").read_text())
        for topic in USER_TOPICS:
            assert words.get(f"topic_{topic}"), (language, topic)
