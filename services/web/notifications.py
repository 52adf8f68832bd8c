"""The portal's message pages: a signed-in enterprise user's own choices (``/portal/messages``)
and, for those who manage the fleet, a driver's channels and language
(``/portal/drivers/{id}/messages``). The same use cases and input types as
``PUT /api/v1/me/notifications`` and ``PUT /api/v1/drivers/{id}/notifications``
(gate/messages/preferences.py, services/api/messages/schemas.py), so a form is held to
exactly the API's rules.

A kept form redirects back to its page (post, redirect, get). A refused one is answered 422
with the page itself, filled with what was sent, and the reason in the page's language: the
person corrects one field instead of starting again, and nothing was stored. Only the
channels this platform offers are on the form; a channel chosen but not offered (its
settings removed since) is kept, as the API keeps it."""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action, acting_enterprise
from gate.accounts.principal import EnterpriseUser
from gate.domain.errors import NotFound, ValidationFailed
from gate.domain.messages import USER_TOPICS, Channel
from gate.fleet.service import get_driver
from gate.messages import preferences
from gate.store.tables import Driver
from gate.store.tables import EnterpriseUser as UserRow
from gate.store.unit_of_work import UnitOfWork
from services.api.messages.schemas import (
    DriverNotificationsInput,
    DriverNotificationsView,
    UserNotificationsInput,
    UserNotificationsView,
)
from services.platform import Platform
from services.web.forms import decode_form
from services.web.public import require_browser
from services.web.render import back_to, page

LANGUAGES = (("vi", "Tiếng Việt"), ("zh", "中文"), ("en", "English"))
# The field a refusal names (ValidationFailed's ``field``, or the path in msgspec's message)
# and the words the page says for it (frontend/i18n, "refused_*").
REASONS = {
    "phone": "refused_phone",
    "email": "refused_email",
    "quiet_hours": "refused_quiet_hours",
    "quiet_start": "refused_quiet_hours",
    "quiet_end": "refused_quiet_hours",
    "events": "refused_events",
    "channels": "refused_channels",
    "language": "refused_language",
}
_MSGSPEC_PATH = re.compile(r"at `\$\.(\w+)")


def reason_of(error: ValidationFailed) -> str:
    """The i18n key of why a form was refused: by the field the error names, else
    ``refused_form``."""
    field = error.extensions.get("field")
    if field is None and (found := _MSGSPEC_PATH.search(error.detail)):
        field = found.group(1)
    return REASONS.get(str(field), "refused_form")


def sent_fields(form: Any, names: tuple[str, ...]) -> dict[str, str]:
    """The one-valued fields ``names`` of a posted form, as text."""
    return {name: str(form.get(name) or "") for name in names}


def with_kept(
    sent: list[Any], current: tuple[Channel, ...], offered: tuple[Channel, ...]
) -> list[str]:
    """The channels ticked on the form plus those chosen before and not offered now (they
    are not on the form, so the person did not untick them)."""
    kept = [c.value for c in current if c not in offered]
    return [str(c) for c in sent if str(c) not in kept] + kept


async def user_of(uow: UnitOfWork, who: EnterpriseUser) -> UserRow:
    """The signed-in user's row; NotFound when it is gone (a session outliving its user)."""
    user = await uow.session.get(UserRow, who.user_id)
    if user is None:
        raise NotFound("no such user")
    return user


class MyMessagesController(Controller):
    """The signed-in user's own message choices: only theirs, whoever asks."""

    path = "/portal/messages"
    include_in_schema = False

    def _page(
        self,
        request: Request[Any, Any, Any],
        who: EnterpriseUser,
        platform: Platform,
        shown: dict[str, Any],
        refused: str | None = None,
    ) -> Template:
        offered = [c.value for c in preferences.offered_channels(platform.settings)]
        return page(
            request,
            "portal/messages.html",
            who,
            status_code=422 if refused else 200,
            shown=shown,
            offered=offered,
            not_offered=[c for c in shown["channels"] if c not in offered],
            topics=list(USER_TOPICS),
            languages=LANGUAGES,
            refused=refused,
        )

    @get("/")
    async def my_messages(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        who = await require_browser(request, platform, EnterpriseUser, "/portal")
        found = await preferences.user_choices(uow.session, await user_of(uow, who))
        view = UserNotificationsView.of(found, platform.settings)
        shown = {
            "channels": view.channels,
            "language": view.language,
            "events": view.events,
            "quiet_start": view.quiet_start,
            "quiet_end": view.quiet_end,
            "phone": view.phone,
        }
        return self._page(request, who, platform, shown)

    @post("/", status_code=303)
    async def set_my_messages(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template | Redirect:
        """Replace the user's choices with the form's (PUT /api/v1/me/notifications)."""
        who = await require_browser(request, platform, EnterpriseUser, "/portal")
        user = await user_of(uow, who)
        form = await request.form()
        current = await preferences.user_choices(uow.session, user)
        offered = preferences.offered_channels(platform.settings)
        fields = sent_fields(form, ("language", "phone", "quiet_start", "quiet_end"))
        channels = with_kept(form.getall("channels", []), current.channels, offered)
        events = [str(e) for e in form.getall("events", [])]
        try:
            data = decode_form(fields, UserNotificationsInput, channels=channels, events=events)
            async with uow.savepoint():
                await preferences.set_user_choices(uow.session, user, data.choices(), offered)
        except ValidationFailed as error:
            shown = {**fields, "channels": channels, "events": events}
            return self._page(request, who, platform, shown, refused=reason_of(error))
        return back_to(self.path, message="messages_saved")


class DriverMessagesController(Controller):
    """A driver's channels, language and e-mail, set by their enterprise (those who may
    manage its fleet); another enterprise's driver is not found (404). Quiet hours are set
    through the API only, and kept here."""

    path = "/portal/drivers/{driver_id:str}/messages"
    include_in_schema = False

    def _page(
        self,
        request: Request[Any, Any, Any],
        who: EnterpriseUser,
        platform: Platform,
        driver: Driver,
        shown: dict[str, Any],
        refused: str | None = None,
    ) -> Template:
        offered = [c.value for c in preferences.offered_channels(platform.settings)]
        return page(
            request,
            "portal/driver_messages.html",
            who,
            status_code=422 if refused else 200,
            driver=driver,
            shown=shown,
            offered=offered,
            not_offered=[c for c in shown["channels"] if c not in offered],
            languages=LANGUAGES,
            refused=refused,
        )

    async def _driver(
        self, request: Request[Any, Any, Any], uow: UnitOfWork, platform: Platform, driver_id: str
    ) -> tuple[EnterpriseUser, Driver | None]:
        """The signed-in user (Forbidden unless the rule book lets them manage the fleet) and
        their enterprise's driver, None for any other."""
        who = await require_browser(request, platform, EnterpriseUser, "/portal")
        enterprise_id = acting_enterprise(who, Action.MANAGE_FLEET)
        try:
            return who, await get_driver(uow, enterprise_id, driver_id)
        except NotFound:
            return who, None

    @get("/")
    async def driver_messages(
        self,
        request: Request[Any, Any, Any],
        driver_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        who, driver = await self._driver(request, uow, platform, driver_id)
        if driver is None:
            return page(request, "portal/not_found.html", who, status_code=404)
        found = await preferences.driver_choices(uow.session, driver)
        view = DriverNotificationsView.of(found, platform.settings)
        shown = {"channels": view.channels, "language": view.language, "email": view.email}
        return self._page(request, who, platform, driver, shown)

    @post("/", status_code=303)
    async def set_driver_messages(
        self,
        request: Request[Any, Any, Any],
        driver_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template | Redirect:
        """Replace the driver's channels, language and e-mail, their quiet hours kept
        (PUT /api/v1/drivers/{id}/notifications)."""
        who, driver = await self._driver(request, uow, platform, driver_id)
        if driver is None:
            return page(request, "portal/not_found.html", who, status_code=404)
        form = await request.form()
        current = await preferences.driver_choices(uow.session, driver)
        offered = preferences.offered_channels(platform.settings)
        fields = sent_fields(form, ("language", "email"))
        channels = with_kept(form.getall("channels", []), current.channels, offered)
        quiet = current.quiet
        try:
            data = decode_form(
                fields,
                DriverNotificationsInput,
                channels=channels,
                quiet_start=quiet.start.strftime("%H:%M") if quiet else None,
                quiet_end=quiet.end.strftime("%H:%M") if quiet else None,
            )
            async with uow.savepoint():
                await preferences.set_driver_choices(uow.session, driver, data.choices(), offered)
        except ValidationFailed as error:
            shown = {**fields, "channels": channels}
            return self._page(request, who, platform, driver, shown, refused=reason_of(error))
        here = f"/portal/drivers/{driver.id}/messages"
        return back_to(here, message="messages_saved")
