"""The portal's users page (services/web/people.py) over HTTP: its answers travel in the
redirect as catalogue keys, never as words, so the address holds no language and a reload in
another language reads in that one (issue 16 audit: a refusal said in Vietnamese stayed
Vietnamese on the Chinese page); a refused invitation is the page drawn again, in the
language it is drawn in."""

from __future__ import annotations

import html
from urllib.parse import parse_qsl, urlsplit

from services.web.i18n import messages
from tests.helpers import Api, browser
from tests.portal_people import portal_user

HTML = {"accept": "text/html"}


async def test_a_refused_invitation_and_a_sent_one_read_in_the_language_of_the_page(api: Api):
    enterprise = await api.enterprise()
    _, token = await portal_user(api, enterprise, "manager")
    csrf = await browser(api, token)
    api.client.cookies.set("gate_lang", "vi")
    sent = await api.client.post(
        "/portal/users/invitations",
        data={"email": "moi.ban@xnk.vn", "role": "clerk"},
        headers={**csrf, **HTML},
    )
    assert sent.status_code in (302, 303), sent.text
    done = sent.headers["location"]
    assert dict(parse_qsl(urlsplit(done).query)) == {"message": "acct_invitation_sent"}, done

    api.client.cookies.set("gate_lang", "zh")
    shown = html.unescape((await api.client.get(done, headers=HTML)).text)
    key = "acct_invitation_sent"
    assert messages("zh")[key] in shown and messages("vi")[key] not in shown
    # A refusal is the page drawn again (issue 16), said in the language it is drawn in.
    refused = await api.client.post(
        "/portal/users/invitations",
        data={"email": "không-phải-thư", "role": "clerk"},
        headers={**csrf, **HTML},
    )
    assert refused.status_code == 422, refused.text
    shown = html.unescape(refused.text)
    key = "acct_err_email"
    assert messages("zh")[key] in shown and messages("vi")[key] not in shown


async def test_a_key_that_is_no_answer_is_shown_as_it_is_not_a_500(api: Api):
    enterprise = await api.enterprise()
    _, token = await portal_user(api, enterprise, "manager")
    await browser(api, token)
    for query in ("message=acct_join_intro", "error=acct_link_until"):
        shown = await api.client.get(f"/portal/users?{query}", headers=HTML)
        assert shown.status_code == 200, shown.text
