"""The accounts' pages without a session (services/web/accounts.py) over HTTP, on both
databases: a refused sign-up comes back filled with each reason in the page's language and
stores nothing; a reset is answered the same whether or not the address has an account; a
link that no longer works says so (410); sign-ups from one address are limited (429)."""

from __future__ import annotations

import html
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from gate.config import Settings
from gate.store.tables import AccountLink, Enterprise
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, page_csrf
from tests.portal_people import portal_user

GOOD = {
    "name": "Công ty TNHH Thương mại Kỳ Lừa",
    "tax_code": "0105556667",
    "kind": "carrier",
    "contact_name": "Hoàng Văn Nam",
    "contact_email": "nam@kylua.vn",
    "contact_phone": "0205 3870 123",
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, account_mail_limit="3/minute")


async def _csrf(api: Api, path: str, language: str = "vi") -> dict[str, str]:
    api.client.cookies.set("gate_lang", language)
    return page_csrf((await api.client.get(path)).text)


async def _enterprises(uow: UnitOfWork) -> int:
    await uow.session.rollback()
    return int(await uow.session.scalar(select(func.count()).select_from(Enterprise)) or 0)


async def test_a_refused_sign_up_comes_back_filled_with_its_reasons_in_chinese(
    api: Api, uow: UnitOfWork
):
    before = await _enterprises(uow)
    csrf = await _csrf(api, "/sign-up", "zh")
    sent = {**GOOD, "tax_code": "0105556667-000", "contact_email": "nam(at)kylua.vn"}
    answer = await api.client.post("/sign-up", data=sent, headers=csrf)
    assert answer.status_code == 422
    page = html.unescape(answer.text)
    assert "税号为10位数字" in page and "请输入有效的邮箱地址" in page
    assert 'value="Công ty TNHH Thương mại Kỳ Lừa"' in page
    assert 'aria-invalid="true" aria-describedby="e-tax_code"' in answer.text
    assert await _enterprises(uow) == before

    signed_up = await api.client.post("/sign-up", data=GOOD, headers=csrf)
    assert signed_up.status_code == 303 and signed_up.headers["location"] == "/sign-up/sent"
    again = await api.client.post(
        "/sign-up", data={**GOOD, "contact_email": "x@kylua.vn"}, headers=csrf
    )
    assert again.status_code == 409
    assert "已有企业使用此税号注册" in again.text
    assert await _enterprises(uow) == before + 1


async def test_sign_ups_from_one_address_are_limited(api: Api):
    csrf = await _csrf(api, "/sign-up")
    answers = []
    for n in range(4):
        form = {**GOOD, "tax_code": f"010555{n:04d}", "contact_email": f"n{n}@kylua.vn"}
        answers.append(await api.client.post("/sign-up", data=form, headers=csrf))
    assert [a.status_code for a in answers] == [303, 303, 303, 429]
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert "Quá nhiều yêu cầu" in answers[-1].text


async def test_a_reset_is_answered_alike_whether_or_not_the_address_has_an_account(
    api: Api, uow: UnitOfWork
):
    enterprise = await api.enterprise()
    email, _ = await portal_user(api, enterprise, "clerk")
    api.client.cookies.clear()
    csrf = await _csrf(api, "/forgot-password", "en")
    known = await api.client.post("/forgot-password", data={"email": email}, headers=csrf)
    unknown = await api.client.post(
        "/forgot-password", data={"email": "nobody@xnk.vn"}, headers=csrf
    )
    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"] == "/forgot-password/sent"
    await uow.session.rollback()
    made = list(await uow.session.scalars(select(AccountLink.email)))
    assert made == [email]
    shown = await api.client.get("/forgot-password/sent")
    assert "If an account uses this address" in shown.text


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/account/join/0b9d6c1e-5f7a-4c2e-9a51-3f0e2b7d8c41.AAAA", "此邀请已被使用"),
        ("/account/reset/not-a-token", "重置链接已被使用"),
    ],
)
async def test_a_link_that_no_longer_works_says_so_in_the_pages_language(
    api: Api, path: str, words: str
):
    api.client.cookies.set("gate_lang", "zh")
    answer = await api.client.get(path)
    assert answer.status_code == 410
    assert words in answer.text
