"""Issue 16's acceptance for the portal's accounts, in Chromium, with a real SMTP server: an
enterprise signs up (a wrong tax code first comes back in Vietnamese, the form kept), is
approved by the administrator, its contact sets a password from the mail's link and becomes
its manager, invites a clerk (who accepts from their own mail), makes an API key of the
booking scope, and books with it through the API; the clerk cannot manage keys (403 page)
and has no link to them. A forgotten password is reset from its mail in each language, and
the mailed forms pass axe-core."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
from babel.dates import format_skeleton
from playwright.async_api import Browser, Page, expect

from gate.config import Settings
from gate.domain.time import LOCAL_TZ
from tests.browser.accessibility import LANGUAGES, Visit, check
from tests.browser.conftest import screenshot_path
from tests.helpers import Api, Enterprise, admin, this_hour
from tests.message_receivers import Inbox, smtp_server
from tests.portal_people import portal_user

LINK = re.compile(r"https?://[^/\s]+(/account/(?:join|reset)/[0-9a-f-]{36}\.[A-Za-z0-9_-]{43})")
PASSWORD = "mật-khẩu-của-lan-2026"
CLERK_PASSWORD = "mật-khẩu-của-bình-2026"


@pytest.fixture
async def smtp() -> AsyncIterator[tuple[int, Inbox]]:
    async with smtp_server() as server:
        yield server


@pytest.fixture
def settings(settings: Settings, smtp: tuple[int, Inbox]) -> Settings:
    return replace(
        settings,
        outbox=True,
        outbox_poll_s=0.05,
        smtp_host="127.0.0.1",
        smtp_port=smtp[0],
        smtp_from="Cửa khẩu số <gate@example.vn>",
        smtp_security="none",
    )


async def mail_to(inbox: Inbox, address: str, subject_part: str) -> EmailMessage:
    """The mail to ``address`` whose subject holds ``subject_part``, once it arrived."""

    def found(items: list) -> bool:
        return any(address in rcpt and subject_part in str(mail["Subject"]) for rcpt, mail in items)

    await inbox.wait_for(found)
    return next(
        mail
        for rcpt, mail in inbox.items
        if address in rcpt and subject_part in str(mail["Subject"])
    )


def link_in(mail: EmailMessage) -> str:
    body = mail.get_content()
    found = LINK.search(body)
    assert found is not None, body
    return found.group(1)


async def sign_up(page: Page) -> None:
    await page.goto("/sign-in?next=/portal")
    await page.click("#sign-up-link")
    form = page.locator("#sign-up-form")
    await form.get_by_label("Tên doanh nghiệp").fill("Công ty TNHH Vận tải Lan Anh")
    await form.get_by_label("Mã số thuế").fill("01234")
    await form.get_by_label("Người liên hệ (sẽ là quản lý)").fill("Nguyễn Thị Lan")
    await form.get_by_label("Thư điện tử").fill("lan@lananh.vn")
    await form.get_by_label("Điện thoại").fill("0912 345 678")
    await form.locator("button").click()
    await expect(page.locator("#e-tax_code")).to_contain_text("10 chữ số")
    await expect(form.get_by_label("Tên doanh nghiệp")).to_have_value(
        "Công ty TNHH Vận tải Lan Anh"
    )
    await form.get_by_label("Mã số thuế").fill("0108 765 432")
    await form.locator("button").click()
    await expect(page.locator("#sent-note")).to_contain_text("Đã nhận đơn đăng ký")


async def test_an_enterprise_signs_up_is_approved_invites_a_clerk_makes_a_key_and_books(
    site: tuple[str, Api], browser: Browser, smtp: tuple[int, Inbox]
):
    base, api = site
    _, inbox = smtp
    context = await browser.new_context(base_url=base, locale="vi-VN")
    page = await context.new_page()
    await sign_up(page)
    await mail_to(inbox, "lan@lananh.vn", "Đã nhận đơn đăng ký")

    # The administration approves it.
    pending = await api.client.get("/api/v1/enterprise-applications", headers=admin())
    assert pending.status_code == 200, pending.text
    application = next(a for a in pending.json() if a["tax_code"] == "0108765432")
    assert (application["status"], application["contact_phone"]) == ("pending", "0912 345 678")
    approved = await api.client.post(
        f"/api/v1/enterprise-applications/{application['id']}/approve", headers=admin()
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"

    # The contact sets a password from the mail's link and is the manager.
    welcome = await mail_to(inbox, "lan@lananh.vn", "đã được duyệt")
    await page.goto(link_in(welcome))
    await expect(page.locator("#join-email")).to_have_text("lan@lananh.vn")
    await page.get_by_label("Mật khẩu mới").fill(PASSWORD)
    await page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD + "x")
    await page.locator("#join-form button").click()
    await expect(page.locator("#e-password_again")).to_have_text("Hai mật khẩu không giống nhau.")
    await page.get_by_label("Mật khẩu mới").fill(PASSWORD)
    await page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    await page.locator("#join-form button").click()
    await page.wait_for_url(re.compile(r"/portal$"))

    # The manager invites a clerk.
    await page.click("header nav a[href='/portal/users']")
    invite = page.locator("#invite-form")
    await invite.get_by_label("Thư điện tử").fill("binh@lananh.vn")
    await invite.get_by_label("Vai trò").select_option("clerk")
    await invite.locator("button").click()
    await expect(page.locator(".flash")).to_have_text("Đã gửi lời mời.")
    await expect(page.locator("#invitations")).to_contain_text("binh@lananh.vn")
    await page.screenshot(path=screenshot_path("portal-users"), full_page=True)

    # The manager makes an API key of the booking scope, and books with it.
    await page.click("header nav a[href='/portal/keys']")
    await page.fill("#key-form input[name=name]", "ERP kho Đồng Đăng")
    await page.select_option("#key-form select[name=scope]", "booking")
    await page.click("#key-form button")
    token = (await page.locator("#issued-token").inner_text()).strip()
    assert token.startswith("gk_")
    enterprise = Enterprise(api, application["id"], token)
    booked = await enterprise.book(this_hour(2))
    assert booked.status_code == 201, booked.text
    me = await api.client.get("/api/v1/auth/me", headers=enterprise.headers)
    assert me.json()["role"] == "clerk"  # a booking key acts as a clerk

    # The clerk accepts from their own mail, in a browser of their own.
    invitation = await mail_to(inbox, "binh@lananh.vn", "Lời mời tham gia")
    clerk = await (await browser.new_context(base_url=base, locale="vi-VN")).new_page()
    await clerk.goto(link_in(invitation))
    await clerk.get_by_label("Họ và tên").fill("Trần Văn Bình")
    await clerk.get_by_label("Mật khẩu mới").fill(CLERK_PASSWORD)
    await clerk.get_by_label("Nhập lại mật khẩu").fill(CLERK_PASSWORD)
    await clerk.locator("#join-form button").click()
    await clerk.wait_for_url(re.compile(r"/portal$"))
    await expect(clerk.locator("header nav a[href='/portal/keys']")).to_have_count(0)
    await expect(clerk.locator("header nav a[href='/portal/users']")).to_have_count(0)
    refused = await clerk.goto("/portal/keys")
    assert refused is not None and refused.status == 403
    await expect(clerk.locator("#problem-title")).to_be_visible()
    # The link, used, works no more.
    gone = await clerk.goto(link_in(invitation))
    assert gone is not None and gone.status == 410

    # The manager sees the clerk among the enterprise's people now.
    await page.goto("/portal/users")
    await expect(page.locator("#users")).to_contain_text("binh@lananh.vn")
    await expect(page.locator("#invitations")).to_have_count(0)

    # On a phone, neither the users page nor the sign-up form is wider than the screen.
    await page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/portal/users", "/sign-up"):
        await page.goto(path)
        wide = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not wide, path


async def _mails_to(inbox: Inbox, address: str, count: int) -> list[EmailMessage]:
    """The mails to ``address``, once there are ``count`` of them, oldest first."""

    def arrived(items: list) -> bool:
        return sum(address in rcpt for rcpt, _ in items) >= count

    await inbox.wait_for(arrived)
    return [mail for rcpt, mail in inbox.items if address in rcpt]


async def _axe(page: Page, language: str) -> None:
    """axe-core and the page's language on the open page (tests/browser/accessibility.py)."""
    path = re.sub(r"/[0-9a-f-]{36}\..*$", "/…", page.url)  # the token is no one's business
    found = await check(page, Visit(path), language)
    assert not found, "\n".join(found)


async def test_a_forgotten_password_is_reset_from_the_mail_in_each_language(
    site: tuple[str, Api], browser: Browser, smtp: tuple[int, Inbox]
):
    """Forgotten password → mail → its link → a new password → signed in, in vi, en and zh;
    axe walks the live reset form and an invitation's live join form (reached only from a
    mail, so the accessibility walk cannot open them) in each language."""
    base, api = site
    _, inbox = smtp
    enterprise = await api.enterprise()
    for language in LANGUAGES:
        # A person of their own each: a second reset asked within minutes is not mailed.
        email, _ = await portal_user(api, enterprise, "clerk")
        context = await browser.new_context(base_url=base, locale=LANGUAGES[language])
        page = await context.new_page()

        invitee = f"moi.{language}@lananh.vn"
        invited = await api.client.post(
            f"/api/v1/enterprises/{enterprise.id}/invitations",
            json={"email": invitee, "language": language},
            headers=admin(),
        )
        assert invited.status_code == 201, invited.text
        [invitation] = await _mails_to(inbox, invitee, 1)
        await page.goto(link_in(invitation))
        await expect(page.locator("#join-form")).to_be_visible()
        await _axe(page, language)

        await page.goto("/forgot-password")
        await page.fill("#forgot-form input[name=email]", email)
        await page.click("#forgot-form button")
        await page.wait_for_url(re.compile("/forgot-password/sent"))
        [mail] = await _mails_to(inbox, email, 1)
        # The link's last moment as CLDR writes a date in the mail's language.
        body = mail.get_content()
        expires = datetime.now(LOCAL_TZ) + timedelta(hours=1)
        days = {format_skeleton("yMMMd", expires + timedelta(minutes=m), locale=language)
                for m in (-1, 0, 1)}  # fmt: skip
        assert any(day in body for day in days), (language, body)
        await page.goto(link_in(mail))
        await expect(page.locator("#reset-form")).to_be_visible()
        await _axe(page, language)
        password = f"{PASSWORD}-{language}"
        await page.fill("#reset-form input[name=password]", password)
        await page.fill("#reset-form input[name=password_again]", password)
        await page.click("#reset-form button")
        await page.wait_for_url(re.compile("/sign-in"))
        await expect(page.locator(".flash")).to_be_visible()
        await page.fill("input[name=email]", email)
        await page.fill("input[name=password]", password)
        await page.click("form.card button")
        await page.wait_for_url(re.compile(r"/portal/?$"))
        await context.close()
