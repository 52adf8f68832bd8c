"""The driver chooses on their page how they are told (a dispatch order, a lane call, the
exit): one channel, the language and, for e-mail, the address. A form post answered by a
redirect back to the page (303), which says whether the choice was kept. Like the page's
other routes it sets and reads no cookie, so no CSRF token: the link's secret in the path
is the whole credential (services/web/driver.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from gate.domain.errors import NotFound, ValidationFailed
from gate.domain.messages import Channel
from gate.domain.time import utc_now
from gate.driver_page.links import booking_of_link
from gate.messages.preferences import (
    Choices,
    driver_choices,
    offered_channels,
    set_driver_choices,
)
from gate.store.tables import Booking, Driver
from gate.store.unit_of_work import UnitOfWork
from services.api.messages.schemas import ChannelName, Language
from services.common.schemas import Email, Input
from services.platform import Platform
from services.web.forms import decode_form


class DriverMessagesForm(Input):
    """The page's form: one channel, the language, an e-mail for the email channel."""

    channel: ChannelName
    language: Language
    email: Email | None = None


def channels_shown(current: Choices, offered: tuple[Channel, ...]) -> list[str]:
    """The channels the page's form offers: those this platform offers, and the driver's
    own one while it is not (kept: the platform may turn it on again)."""
    return [c.value for c in offered] + [c.value for c in current.channels if c not in offered]


async def driver_of(uow: UnitOfWork, booking: Booking) -> Driver | None:
    """The driver the booking names, None for a booking that names none (a walk-in)."""
    if booking.driver_id is None:
        return None
    return await uow.session.get(Driver, booking.driver_id)


@post("/{token:str}/messages", include_in_schema=False, status_code=303)
async def driver_messages(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    platform: NamedDependency[Platform],
) -> Redirect:
    """Keep the driver's choice and go back to the page with ``messages=saved``, or with
    ``messages=refused`` when the form was wrong (an e-mail channel without an address), or
    ``messages=refused_channel`` for a channel this platform does not offer (one the driver
    had already is kept). 404 or 410 for a link that opens nothing, 404 for a booking
    without a driver."""
    booking = await booking_of_link(uow, token, utc_now())
    driver = await driver_of(uow, booking)
    if driver is None:
        raise NotFound("this booking names no driver")
    form = {key: str(value) for key, value in (await request.form()).items()}
    language = form.get("language") or ""
    try:
        data = decode_form(form, DriverMessagesForm)
        language = data.language
        current = await driver_choices(uow.session, driver)
        chosen = Choices((Channel(data.channel),), data.language, current.quiet, data.email)
        await set_driver_choices(uow.session, driver, chosen, offered_channels(platform.settings))
        outcome = "saved"
    except ValidationFailed as error:
        outcome = "refused_channel" if error.extensions.get("field") == "channels" else "refused"
    query = {"messages": outcome, **({"lang": language} if language in ("vi", "zh", "en") else {})}
    return Redirect(path=f"/d/{token}?{urlencode(query)}#messages", status_code=303)
