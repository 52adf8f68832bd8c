"""A refused portal form keeps what was typed (issue 16, found by a tester): the fleet's
vehicle, driver and grant forms, the users page's invitation and the booking page's
declaration amendment are answered with the page itself (422 a wrong value, 409 a
conflict), not a redirect to an empty form: the inputs hold the typed values, the reason is
in the page's language, no personal data travels in an address, and the redrawn form's CSRF
token is valid (corrected and sent again, it is kept). On both databases."""

from __future__ import annotations

import html
import re

import httpx

from services.web.i18n import messages
from tests.helpers import Api, browser, enterprise_user, page_csrf
from tests.portal_people import portal_user

HTML = {"accept": "text/html"}


def _flash(body: str) -> str:
    """The page's refusal, as shown above its forms."""
    found = re.search(r'<p class="flash error" role="alert">([^<]*)</p>', body)
    assert found is not None, body[:2000]
    return html.unescape(found.group(1))


def _form(body: str, form_id: str) -> str:
    start = body.index(f'id="{form_id}"')
    return html.unescape(body[start : body.index("</form>", start)])


def _refused_in_page(answer: httpx.Response, status: int = 422) -> str:
    """The refused post's answer: the page itself with ``status``, no redirect."""
    assert answer.status_code == status, (answer.status_code, answer.text[:2000])
    assert "location" not in answer.headers
    assert answer.headers["content-type"].startswith("text/html")
    return str(answer.text)


async def test_the_fleet_forms_keep_the_typed_values_and_say_why_in_the_pages_language(api: Api):
    enterprise = await api.enterprise()
    csrf = await browser(api, await enterprise_user(api, enterprise))
    api.client.cookies.set("gate_lang", "zh")

    driver = {"full_name": "Lò Văn Tài", "id_number": "00 12/34", "phone": "0912 345 678"}
    answer = await api.client.post("/portal/drivers", data=driver, headers={**csrf, **HTML})
    body = _refused_in_page(answer)
    form = _form(body, "driver-form")
    for value in driver.values():
        assert f'value="{value}"' in form, (value, form)
    words = _flash(body)
    assert words.startswith(messages("zh")["problem_validation"]), words
    assert messages("en")["problem_validation"] not in body
    # Corrected in the page drawn again, with its own token: kept.
    fixed = {**driver, "id_number": "001299000111"}
    kept = await api.client.post("/portal/drivers", data=fixed, headers=page_csrf(body))
    assert kept.status_code == 303 and "error" not in kept.headers["location"], kept.text
    assert "001299000111" not in kept.headers["location"]
    assert "0912" not in kept.headers["location"]

    vehicle = {
        "plate": "12C-123.45",
        "trailer_plate": "12R-012.34",
        "registration_number": "R" * 31,
        "vehicle_type": "refrigerated",
    }
    answer = await api.client.post("/portal/vehicles", data=vehicle, headers=csrf)
    form = _form(_refused_in_page(answer), "vehicle-form")
    for name in ("plate", "trailer_plate", "registration_number"):
        assert f'name="{name}"' in form and f'value="{vehicle[name]}"' in form, (name, form)
    assert 'value="refrigerated" selected' in form
    kept = await api.client.post(
        "/portal/vehicles", data={**vehicle, "registration_number": "RG-778899"}, headers=csrf
    )
    assert kept.status_code == 303, kept.text
    # Registered already: a conflict, said in the page's words, the typed values kept.
    again = await api.client.post(
        "/portal/vehicles", data={**vehicle, "registration_number": "RG-778800"}, headers=csrf
    )
    body = _refused_in_page(again, 409)
    assert _flash(body).startswith(messages("zh")["problem_already_exists"]), _flash(body)
    assert 'value="RG-778800"' in _form(body, "vehicle-form")

    page = (await api.client.get("/portal/fleet")).text
    vehicle_id = re.search(r'<option value="([^"]+)">12C-123\.45</option>', page)
    assert vehicle_id is not None, page
    grant = {
        "vehicle_id": vehicle_id.group(1),
        "grantee_tax_code": "12345",
        "valid_until": "2026-12-24T17:30",
    }
    answer = await api.client.post("/portal/grants", data=grant, headers=csrf)
    body = _refused_in_page(answer)
    form = _form(body, "grant-form")
    assert f'value="{vehicle_id.group(1)}" selected' in form, form
    assert 'value="12345"' in form and 'value="2026-12-24T17:30"' in form, form
    assert _flash(body).startswith(messages("zh")["problem_validation"])


async def test_a_refused_invitation_keeps_its_address_and_role(api: Api):
    enterprise = await api.enterprise()
    manager, token = await portal_user(api, enterprise, "manager")
    csrf = await browser(api, token)
    api.client.cookies.set("gate_lang", "en")
    typed = {"email": "ban.moi@xnk", "role": "manager"}

    answer = await api.client.post("/portal/users/invitations", data=typed, headers=csrf)

    body = _refused_in_page(answer)
    form = _form(body, "invite-form")
    assert 'value="ban.moi@xnk"' in form and 'value="manager" selected' in form, form
    assert _flash(body) == messages("en")["acct_err_email"]
    fixed = {**typed, "email": "ban.moi@xnk.vn"}
    sent = await api.client.post("/portal/users/invitations", data=fixed, headers=page_csrf(body))
    assert sent.status_code == 303, sent.text
    assert "ban.moi" not in sent.headers["location"]
    # Someone of the enterprise already: a conflict, the address kept.
    taken = {**typed, "email": manager}
    again = await api.client.post("/portal/users/invitations", data=taken, headers=csrf)
    body = _refused_in_page(again, 409)
    assert _flash(body) == messages("en")["acct_err_user_exists"]
    assert f'value="{manager}"' in _form(body, "invite-form")


async def test_a_refused_api_key_keeps_its_name_and_scope(api: Api):
    enterprise = await api.enterprise()
    _, token = await portal_user(api, enterprise, "manager")
    csrf = await browser(api, token)
    api.client.cookies.set("gate_lang", "en")
    typed = {"name": "Kho lạnh " + "K" * 100, "scope": "booking"}

    answer = await api.client.post("/portal/keys", data=typed, headers=csrf)

    body = _refused_in_page(answer)
    form = _form(body, "key-form")
    assert f'value="{typed["name"]}"' in form and 'value="booking" selected' in form, form
    assert _flash(body).startswith(messages("en")["problem_validation"]), _flash(body)
    kept = await api.client.post(
        "/portal/keys", data={**typed, "name": "Kho lạnh"}, headers=page_csrf(body)
    )
    assert kept.status_code == 200 and "Kho lạnh" in kept.text, kept.text
