"""Message choices: an enterprise sets its drivers' (``/drivers/{id}/notifications``), a
signed-in user their own (``/me/notifications``). PUT replaces the whole choice, so a retry
is harmless (no Idempotency-Key). The answers carry personal data (a driver's e-mail, a
user's phone) only to those who may see it: the driver's enterprise, the user."""

from __future__ import annotations

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts.permissions import Action, acting_enterprise
from gate.accounts.principal import EnterpriseUser as SignedInUser
from gate.domain.errors import Forbidden, NotFound
from gate.fleet.service import get_driver
from gate.messages import preferences
from gate.store.tables import EnterpriseUser
from gate.store.unit_of_work import UnitOfWork
from services.api.messages.schemas import (
    DriverNotificationsInput,
    DriverNotificationsView,
    UserNotificationsInput,
    UserNotificationsView,
)
from services.common.contract import ENTERPRISE, documented
from services.common.dependencies import Caller
from services.platform import Platform

SIGNED_IN_USER = "an enterprise user's session (`gs_…`): the choices are that person's own"


class DriverNotificationsController(Controller):
    path = "/drivers/{driver_id:str}/notifications"
    tags = ["fleet"]

    @get(
        operation_id="getDriverNotifications",
        **documented(
            "Read a driver's message choices", credentials=[ENTERPRISE], problems=["not-found"]
        ),
    )
    async def read(
        self,
        driver_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> DriverNotificationsView:
        """The driver's channels, language, quiet hours and e-mail (the defaults when nobody
        chose: SMS, in the language of the driver's nationality). 404 for another's driver."""
        driver = await get_driver(uow, acting_enterprise(principal, Action.MANAGE_FLEET), driver_id)
        found = await preferences.driver_choices(uow.session, driver)
        return DriverNotificationsView.of(found, platform.settings)

    @put(
        operation_id="setDriverNotifications",
        **documented(
            "Set a driver's message choices", credentials=[ENTERPRISE], problems=["not-found"]
        ),
    )
    async def set(
        self,
        driver_id: FromPath[str],
        data: JSONBody[DriverNotificationsInput],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> DriverNotificationsView:
        """Replace the driver's choices (the driver may also set them on their page). 422
        for a channel this platform does not offer (``offered`` lists those it does; one
        chosen before is kept), the email channel without ``email``, or half of the quiet
        hours."""
        driver = await get_driver(uow, acting_enterprise(principal, Action.MANAGE_FLEET), driver_id)
        offered = preferences.offered_channels(platform.settings)
        found = await preferences.set_driver_choices(uow.session, driver, data.choices(), offered)
        return DriverNotificationsView.of(found, platform.settings)


async def _signed_in_user(uow: UnitOfWork, principal: object) -> EnterpriseUser:
    """The user row of a signed-in enterprise user; Forbidden for any other credential (an
    API key is no person)."""
    if not isinstance(principal, SignedInUser):
        raise Forbidden("message choices are a signed-in enterprise user's own")
    user = await uow.session.get(EnterpriseUser, principal.user_id)
    if user is None:
        raise NotFound("no such user")
    return user


class MyNotificationsController(Controller):
    path = "/me/notifications"
    tags = ["auth"]

    @get(
        operation_id="getMyNotifications",
        **documented("Read your message choices", credentials=[SIGNED_IN_USER]),
    )
    async def read(
        self,
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> UserNotificationsView:
        """Your channels, language, quiet hours, phone and chosen events (by default: by
        e-mail, in Vietnamese, no event). 403 for an API key or another kind of credential."""
        user = await _signed_in_user(uow, principal)
        found = await preferences.user_choices(uow.session, user)
        return UserNotificationsView.of(found, platform.settings)

    @put(
        operation_id="setMyNotifications",
        **documented("Set your message choices", credentials=[SIGNED_IN_USER]),
    )
    async def set(
        self,
        data: JSONBody[UserNotificationsInput],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> UserNotificationsView:
        """Replace your choices. 422 for a channel this platform does not offer (``offered``
        lists those it does; one chosen before is kept), an unknown event, SMS or Zalo
        without ``phone``, or half of the quiet hours; 403 for any credential but a user's
        session."""
        user = await _signed_in_user(uow, principal)
        offered = preferences.offered_channels(platform.settings)
        found = await preferences.set_user_choices(uow.session, user, data.choices(), offered)
        return UserNotificationsView.of(found, platform.settings)
