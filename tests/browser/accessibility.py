"""The accessibility walk: every page of the platform opened in Chromium in each language and
layout, axe-core run on it once it has drawn itself (live parts included), every violation
listed.

axe-core comes with axe-playwright-python (its bundled ``axe.min.js``), evaluated in the page
by Playwright: not a script the page loads, so the pages' CSP needs no exception for it (and
the browser fixture still fails a test on any CSP violation a page logs). Every rule axe runs
by default is kept (WCAG 2.x A and AA and axe's best practices): a rule the pages cannot meet
would be written down here with its reason, and none is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.scene import Scene

# The page's language as the browser asks for it (Accept-Language), and what <html lang> says.
LANGUAGES = {"vi": "vi-VN", "en": "en-US", "zh": "zh-CN"}
# A phone (an iPhone's 375 × 812 CSS pixels, touch), a desktop, the yard's wall display.
LAYOUTS: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "wall": {"viewport": {"width": 1920, "height": 1080}},
}
AXE = Axe()


@dataclass(frozen=True)
class Visit:
    """One page to open: its path; who is signed in (a ``Scene`` field holding a session
    token; None: nobody); a selector that is there once the page has drawn what its script
    brings (a live board, a console's stream, Swagger UI's operations); the status the page
    answers with; whether it speaks the walk's language (the API docs are English only, so
    walked with the English pages only); the one language it speaks whatever the visitor's
    (the wall board: Vietnamese, with Chinese beside it, each phrase marked with its own
    ``lang``); axe's rules not run on it, each with its reason where the visit is listed
    (only the API docs, whose markup is Swagger UI's)."""

    path: str
    who: str | None = None
    ready: str | None = None
    status: int = 200
    localised: bool = True
    speaks: str | None = None
    rules_off: tuple[str, ...] = ()


BOARD_LIVE = "#connection[data-state=live]"
CONSOLE_LIVE = "#console-connection[data-state=live]"


def public_pages(scene: Scene) -> list[Visit]:
    """The pages anyone opens: gates, a board, transparency, sign-in, sign-up, a forgotten
    password, the driver's page (and a revoked link's), the API docs, pages for addresses
    that are none."""
    return [
        Visit("/"),
        Visit("/board/tan-thanh", ready=BOARD_LIVE),
        Visit("/transparency"),
        Visit("/transparency/tan-thanh"),
        Visit("/transparency/tan-thanh?direction=north", status=422),
        Visit("/sign-in?next=/portal"),
        # An enterprise's sign-up and a forgotten password, each form and what follows it;
        # a mailed link that is no more (its live form needs the mail: tests/browser/
        # test_portal_accounts.py opens it).
        Visit("/sign-up"),
        Visit("/sign-up/sent"),
        Visit("/forgot-password"),
        Visit("/forgot-password/sent"),
        Visit("/account/join/not-a-link", status=410),
        Visit("/account/reset/not-a-link", status=410),
        Visit(scene.driver_page, ready="#updated:not(:empty)"),
        Visit(scene.gone_page, status=410),
        Visit("/no-such-page", status=404),
        Visit("/board/no-such-gate", status=404),
        # Swagger UI numbers its headings by its own layout (its title, then each tag's h3,
        # the schemas' h4): changing that would mean patching the vendored bundle, kept byte
        # for byte. A best practice, not a WCAG criterion; every other rule runs there.
        Visit(
            "/schema/swagger",
            ready=".opblock-tag",
            localised=False,
            rules_off=("heading-order",),
        ),
    ]


def portal_pages(scene: Scene) -> list[Visit]:
    """The enterprise portal, as a manager of the carrier (who sees keys and webhooks)."""
    portal = [
        "/portal",
        "/portal/book?gate=tan-thanh&direction=export",
        f"/portal/bookings/{scene.booking_id}",
        "/portal/fleet",
        "/portal/keys",
        "/portal/users",
        "/portal/messages",
        f"/portal/drivers/{scene.driver_id}/messages",
        "/portal/webhooks",
        f"/portal/webhooks/{scene.endpoint_id}",
        f"/portal/webhooks/{scene.endpoint_id}/delete",
        # Issue 19: the monthly statements (none yet; a statement to print is walked by
        # tests/browser/test_portal_statements.py, which issues one).
        "/portal/statements",
    ]
    return [
        *(Visit(path, who="manager") for path in portal),
        Visit(f"/portal/bookings/{scene.other_booking_id}", who="manager", status=404),
    ]


def officer_pages(scene: Scene) -> list[Visit]:
    """The officers' and the yards' pages: the console (a gate operator's, both directions,
    and a customs officer's with its decision forms), the lists of gates of an officer at
    two, the partner's announcements and the no-shows of a gate, the statistics, the yard
    console, a refusal."""
    return [
        Visit("/console/tan-thanh?direction=export", who="operator", ready=CONSOLE_LIVE),
        Visit("/console/tan-thanh?direction=import", who="operator", ready=CONSOLE_LIVE),
        Visit("/console/tan-thanh?direction=export", who="customs", ready=CONSOLE_LIVE),
        Visit("/console", who="guard"),
        # Issue 18: the partner gate's announcements and the gate's no-shows to excuse.
        Visit("/console/tan-thanh/partner", who="operator"),
        Visit("/console/tan-thanh/no-shows", who="operator"),
        Visit("/console/tan-thanh/fees", who="operator"),  # issue 19: the fee schedule
        Visit("/statistics", who="guard"),
        Visit("/statistics/tan-thanh", who="operator"),
        Visit("/statistics/no-such-gate", who="operator", status=404),
        Visit(f"/yards/{scene.yard_code}", who="clerk"),
        Visit("/portal", who="clerk", status=403),
    ]


def wall_pages(scene: Scene) -> list[Visit]:
    """The board as the yard's wall display shows it."""
    return [Visit("/board/tan-thanh?layout=wall", ready=BOARD_LIVE, speaks="vi")]


async def _context(
    browser: Browser, base: str, scene: Scene, who: str | None, language: str, layout: str
) -> BrowserContext:
    context = await browser.new_context(
        base_url=base, locale=LANGUAGES[language], **LAYOUTS[layout]
    )
    if who is not None:
        token = getattr(scene, who)
        await context.add_cookies([{"name": "gate_session", "value": token, "url": base}])
    return context


def described(path: str, violations: list[dict[str, Any]]) -> list[str]:
    """One line per element axe found at fault: the page, the rule, its impact, the element
    and what is wrong with it."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            why = node.get("failureSummary", "").replace("\n", " ")
            lines.append(
                f"{path}: {violation['id']} ({violation['impact']}) at {target}: {why}"
                f" [{node['html'][:160]}]"
            )
    return lines


async def check(page: Page, visit: Visit, language: str) -> list[str]:
    """What is wrong with the open ``page``: axe's violations, and a page whose <html lang>
    is not the language it was asked in."""
    found = []
    lang = await page.evaluate("document.documentElement.lang")
    expected = visit.speaks or language
    if visit.localised and lang != expected:
        found.append(f"{visit.path}: <html lang={lang!r}> on a page asked for in {language}")
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if visit.rules_off:
        options["rules"] = {rule: {"enabled": False} for rule in visit.rules_off}
    results = await AXE.run(page, options=options)
    return found + described(visit.path, results.response["violations"])


async def walk(
    browser: Browser, base: str, scene: Scene, visits: list[Visit], language: str, layout: str
) -> list[str]:
    """Open each of ``visits`` in ``language`` and ``layout`` (one browser context per
    person) and return everything wrong with them, as ``check`` words it."""
    contexts: dict[str | None, BrowserContext] = {}
    found: list[str] = []
    try:
        for visit in visits:
            if not visit.localised and language != "en":
                continue  # the same English page in every language: walked once
            if visit.who not in contexts:
                contexts[visit.who] = await _context(
                    browser, base, scene, visit.who, language, layout
                )
            page = await contexts[visit.who].new_page()
            answer = await page.goto(visit.path)
            status = answer.status if answer else None
            if status != visit.status:  # said, and the page checked all the same
                found.append(f"{visit.path}: answered {status}, not {visit.status}")
            if visit.ready:
                try:
                    await page.locator(visit.ready).first.wait_for(state="attached", timeout=60_000)
                except PlaywrightTimeoutError:
                    found.append(f"{visit.path}: never drew itself ({visit.ready} not found)")
            found += await check(page, visit, language)
            await page.close()
    finally:
        for context in contexts.values():
            await context.close()
    return found
