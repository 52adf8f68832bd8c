"""The pages of an enterprise's accounts that need no session: signing up, accepting an
invitation from its mail's link (the manager of a newly approved enterprise too), asking
for a new password and choosing it from the mail's link. Forms post with the pre-session's
CSRF token; a refused form comes back filled, with each reason in the page's language
(422); sign-ups and reset requests are limited per client address (429 with Retry-After).
The use cases: gate/accounts/signup.py and people.py; the links: gate/accounts/links.py.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from gate.accounts import links, people, signup
from gate.accounts import service as accounts
from gate.accounts.principal import EnterpriseKind
from gate.domain.accounts import LinkPurpose
from gate.domain.errors import AlreadyExists, DomainError, TooManyRequests
from gate.domain.tax_codes import normalise_tax_code
from gate.domain.time import as_local
from gate.store.tables import AccountLink, Enterprise
from gate.store.unit_of_work import UnitOfWork
from services.api.throttle import client_address
from services.common.session import session_cookie
from services.platform import Platform
from services.web.render import back_to, page, translator

# As the API's input types (services/common/schemas.py): Email, Phone, ShortText, Password.
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ]{6,19}$")
MAX_TEXT = 200
MIN_PASSWORD, MAX_PASSWORD = 10, 200


def _text(value: str) -> bool:
    return 0 < len(value) <= MAX_TEXT and value.isprintable()


def application_errors(form: dict[str, str]) -> dict[str, str]:
    """Each refused field of a sign-up form and the catalogue key of its reason."""
    errors: dict[str, str] = {}
    if not _text(form.get("name", "")):
        errors["name"] = "acct_err_name"
    try:
        normalise_tax_code(form.get("tax_code", ""))
    except DomainError:
        errors["tax_code"] = "acct_err_tax_code"
    if not _text(form.get("contact_name", "")):
        errors["contact_name"] = "acct_err_name"
    email = form.get("contact_email", "")
    if len(email) > 254 or not EMAIL.fullmatch(email):
        errors["contact_email"] = "acct_err_email"
    if not PHONE.fullmatch(form.get("contact_phone", "")):
        errors["contact_phone"] = "acct_err_phone"
    if form.get("kind") not in {kind.value for kind in EnterpriseKind}:
        errors["kind"] = "acct_err_kind"
    return errors


def password_errors(form: dict[str, str]) -> dict[str, str]:
    """The password's reason, if refused: its length, or the two copies differ."""
    password = form.get("password", "")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        return {"password": "acct_err_password_length"}
    if password != form.get("password_again"):
        return {"password_again": "acct_err_password_again"}
    return {}


def _fields(data: dict[str, str], *names: str) -> dict[str, str]:
    return {name: data.get(name, "").strip() for name in names}


async def _limited(request: Request[Any, Any, Any], platform: Platform) -> str | None:
    """None, or the seconds to wait when this address asked for too many mails."""
    try:
        await platform.throttles.account_mail(client_address(request))
    except TooManyRequests as error:
        return str(error.retry_after)
    return None


def _too_many(
    request: Request[Any, Any, Any], template: str, wait: str, **context: Any
) -> Template:
    t = translator(request)
    answer = page(
        request,
        template,
        status_code=429,
        error=t("acct_too_many_mails").format(seconds=wait),
        errors={},
        **context,
    )
    answer.headers["Retry-After"] = wait
    return answer


APPLICATION_FIELDS = ("name", "tax_code", "contact_name", "contact_email", "contact_phone", "kind")


@get("/sign-up", include_in_schema=False)
async def sign_up_page(request: Request[Any, Any, Any]) -> Template:
    return page(request, "account/sign_up.html", form={"kind": "carrier"}, errors={})


@post("/sign-up", include_in_schema=False)
async def sign_up(
    request: Request[Any, Any, Any],
    uow: NamedDependency[UnitOfWork],
    platform: NamedDependency[Platform],
    data: URLEncodedBody[dict[str, str]],
) -> Template | Redirect:
    """A pending enterprise, then (post, redirect, get) the page saying what comes next."""
    form = _fields(data, *APPLICATION_FIELDS)
    errors = application_errors(form)
    if errors:
        return page(request, "account/sign_up.html", form=form, errors=errors, status_code=422)
    wait = await _limited(request, platform)
    if wait is not None:
        return _too_many(request, "account/sign_up.html", wait, form=form)
    application = signup.Application(
        name=form["name"],
        tax_code=form["tax_code"],
        contact_name=form["contact_name"],
        contact_email=form["contact_email"],
        contact_phone=form["contact_phone"],
        kind=EnterpriseKind(form["kind"]),
        language=translator(request).language,
    )
    try:
        async with uow.savepoint():
            await signup.sign_up(uow, application)
    except AlreadyExists:
        errors = {"tax_code": "acct_err_tax_code_taken"}
        return page(request, "account/sign_up.html", form=form, errors=errors, status_code=409)
    return Redirect(path="/sign-up/sent", status_code=303)


@get("/sign-up/sent", include_in_schema=False)
async def signed_up(request: Request[Any, Any, Any]) -> Template:
    return page(request, "account/sent.html", what="acct_signed_up_note")


async def _live_link(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    platform: Platform,
    token: str,
    purpose: LinkPurpose,
) -> tuple[AccountLink, Enterprise] | Template:
    """The live link ``token`` names and its enterprise, or the page saying it is gone (410)."""
    try:
        link = await links.open_link(uow, platform.settings.secret_key, token, purpose)
    except links.LinkGone:
        return page(request, "account/link_gone.html", status_code=410, purpose=purpose.value)
    return link, await accounts.get_enterprise(uow, link.enterprise_id)


@get("/account/join/{token:str}", include_in_schema=False)
async def join_page(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    platform: NamedDependency[Platform],
) -> Template:
    found = await _live_link(request, uow, platform, token, LinkPurpose.INVITATION)
    if isinstance(found, Template):
        return found
    link, enterprise = found
    form = {"full_name": link.full_name or ""}
    return _join(request, link, enterprise, form, {})


def _join(
    request: Request[Any, Any, Any],
    link: AccountLink,
    enterprise: Enterprise,
    form: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    return page(
        request,
        "account/join.html",
        status_code=status_code,
        link=link,
        enterprise=enterprise,
        expires=as_local(link.expires_at),
        form=form,
        errors=errors,
    )


@post("/account/join/{token:str}", include_in_schema=False)
async def join(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    platform: NamedDependency[Platform],
    data: URLEncodedBody[dict[str, str]],
) -> Response[Any]:
    """The invitee joins with their own password and is signed in at once."""
    found = await _live_link(request, uow, platform, token, LinkPurpose.INVITATION)
    if isinstance(found, Template):
        return found
    link, enterprise = found
    form = {"full_name": data.get("full_name", "").strip()}
    errors = password_errors(data)
    if not _text(form["full_name"]):
        errors["full_name"] = "acct_err_name"
    if errors:
        return _join(request, link, enterprise, form, errors, 422)
    password = data["password"]
    secret = platform.settings.secret_key
    try:
        async with uow.savepoint():
            user = await people.accept_invitation(uow, secret, token, form["full_name"], password)
    except AlreadyExists:
        return _join(request, link, enterprise, form, {"email": "acct_err_email_has_account"}, 409)
    except links.LinkGone:
        return page(request, "account/link_gone.html", status_code=410, purpose="invitation")
    lifetime = timedelta(hours=platform.settings.session_hours)
    _, session = await accounts.sign_in(uow, user.email, password, lifetime)
    response: Response[Any] = Redirect(path="/home", status_code=303)
    response.set_cookie(session_cookie(request, session, lifetime))
    return response


@get("/forgot-password", include_in_schema=False)
async def forgot_page(request: Request[Any, Any, Any]) -> Template:
    return page(request, "account/forgot.html", form={}, errors={})


@post("/forgot-password", include_in_schema=False)
async def forgot(
    request: Request[Any, Any, Any],
    uow: NamedDependency[UnitOfWork],
    platform: NamedDependency[Platform],
    data: URLEncodedBody[dict[str, str]],
) -> Template | Redirect:
    """The same answer whether or not an account uses the address (gate/accounts/people.py)."""
    email = data.get("email", "").strip()
    if len(email) > 254 or not EMAIL.fullmatch(email):
        form, errors = {"email": email}, {"email": "acct_err_email"}
        return page(request, "account/forgot.html", form=form, errors=errors, status_code=422)
    wait = await _limited(request, platform)
    if wait is not None:
        return _too_many(request, "account/forgot.html", wait, form={"email": email})
    await people.request_reset(uow, email, translator(request).language)
    return Redirect(path="/forgot-password/sent", status_code=303)


@get("/forgot-password/sent", include_in_schema=False)
async def reset_sent(request: Request[Any, Any, Any]) -> Template:
    return page(request, "account/sent.html", what="acct_reset_sent_note")


@get("/account/reset/{token:str}", include_in_schema=False)
async def reset_page(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    platform: NamedDependency[Platform],
) -> Template:
    found = await _live_link(request, uow, platform, token, LinkPurpose.RESET)
    if isinstance(found, Template):
        return found
    return page(request, "account/reset.html", errors={})


@post("/account/reset/{token:str}", include_in_schema=False)
async def reset(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    platform: NamedDependency[Platform],
    data: URLEncodedBody[dict[str, str]],
) -> Template | Redirect:
    """A new password; every session of the account ends; then to sign in."""
    errors = password_errors(data)
    if errors:
        found = await _live_link(request, uow, platform, token, LinkPurpose.RESET)
        if isinstance(found, Template):
            return found
        return page(request, "account/reset.html", errors=errors, status_code=422)
    try:
        async with uow.savepoint():
            await people.reset_password(uow, platform.settings.secret_key, token, data["password"])
    except links.LinkGone:
        return page(request, "account/link_gone.html", status_code=410, purpose="reset")
    return back_to("/sign-in", message="acct_password_changed")
