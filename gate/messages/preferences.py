"""What people chose about their messages: read (with the defaults where nobody chose) and
set. A driver's choices are set by the driver on their page or by their enterprise; a
user's by the user alone. Personal data (a driver's e-mail, a user's phone) only to its
owner and, for a driver, their enterprise. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gate.config import Settings
from gate.domain.errors import ValidationFailed
from gate.domain.messages import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Channel,
    QuietHours,
    check_channels,
    check_topics,
    language_of_nationality,
    parse_quiet_hours,
)
from gate.domain.time import utc_now
from gate.store.tables import Driver, DriverMessagePreference, EnterpriseUser
from gate.store.tables import UserMessagePreference as UserRow


def offered_channels(settings: Settings) -> tuple[Channel, ...]:
    """The channels this platform can send on: those whose settings are given (README,
    Configuration). A channel chosen but no longer offered is kept and simply not used; a
    new choice of one is refused (check_offered)."""
    on = {
        Channel.EMAIL: bool(settings.smtp_host and settings.smtp_from),
        Channel.SMS: bool(settings.sms_url and settings.sms_token),
        Channel.ZALO: bool(settings.zalo_url and settings.zalo_access_token),
    }
    return tuple(channel for channel in Channel if on[channel])


@dataclass(frozen=True)
class Choices:
    """A person's choices: channels, language (vi | zh | en), quiet hours (None: none), the
    address beside the account's (a driver's e-mail, a user's phone; None: none) and, for a
    user, the topics (gate.domain.messages.USER_TOPICS)."""

    channels: tuple[Channel, ...]
    language: str
    quiet: QuietHours | None
    address: str | None
    topics: tuple[str, ...] = ()


def choices(
    channels: Iterable[str],
    language: str,
    quiet_start: str | None,
    quiet_end: str | None,
    address: str | None,
    topics: Iterable[str] = (),
) -> Choices:
    """Choices from what a person sent; ValidationFailed naming the field for an unknown
    channel, language or topic, or quiet hours that are not two HH:MM times."""
    if language not in LANGUAGES:
        raise ValidationFailed(f"language is one of {', '.join(LANGUAGES)}", field="language")
    return Choices(
        check_channels(channels),
        language,
        parse_quiet_hours(quiet_start, quiet_end),
        address or None,
        check_topics(topics),
    )


def check_offered(new: Choices, current: Choices, offered: Iterable[Channel]) -> None:
    """ValidationFailed (field ``channels``, listing the offered ones) when ``new`` chooses a
    channel this platform does not offer that ``current`` (stored, or the default) did not
    already hold: the person would silently get nothing on it. One already held is kept (the
    platform may have turned it off for a while: its settings come back, so do the messages)."""
    offered = tuple(offered)
    unknown = [c.value for c in new.channels if c not in offered and c not in current.channels]
    if unknown:
        listed = ", ".join(c.value for c in offered) or "none"
        raise ValidationFailed(
            f"channels {', '.join(unknown)} not offered by this platform; offered: {listed}",
            field="channels",
        )


def _quiet(row: DriverMessagePreference | UserRow) -> QuietHours | None:
    return parse_quiet_hours(row.quiet_start, row.quiet_end)


def _stored(quiet: QuietHours | None) -> tuple[str | None, str | None]:
    if quiet is None:
        return None, None
    return quiet.start.strftime("%H:%M"), quiet.end.strftime("%H:%M")


def driver_default(driver: Driver) -> Choices:
    """A driver nobody chose for: by SMS (every driver has a phone, and a dispatch order
    cannot wait for someone to open a settings page) in the language of their nationality."""
    return Choices((Channel.SMS,), language_of_nationality(driver.nationality), None, None)


def user_default() -> Choices:
    """A user who chose nothing: by e-mail (the account's address) in Vietnamese, no topic:
    told only what goes to admins."""
    return Choices((Channel.EMAIL,), DEFAULT_LANGUAGE, None, None)


async def driver_choices(session: AsyncSession, driver: Driver) -> Choices:
    """The driver's choices, else ``driver_default``."""
    row = await session.get(DriverMessagePreference, driver.id)
    if row is None:
        return driver_default(driver)
    return Choices(check_channels(row.channels), row.language, _quiet(row), row.email)


async def set_driver_choices(
    session: AsyncSession, driver: Driver, new: Choices, offered: Iterable[Channel]
) -> Choices:
    """Store the driver's choices (``address``: their e-mail). ValidationFailed (field
    ``channels``) for a newly chosen channel not ``offered`` (check_offered), (field
    ``email``) for the e-mail channel without an address."""
    check_offered(new, await driver_choices(session, driver), offered)
    if Channel.EMAIL in new.channels and not new.address:
        raise ValidationFailed("the email channel needs an email address", field="email")
    row = await session.get(DriverMessagePreference, driver.id)
    if row is None:
        row = DriverMessagePreference(driver_id=driver.id)
        session.add(row)
    row.channels = [c.value for c in new.channels]
    row.email = new.address
    row.language = new.language
    row.quiet_start, row.quiet_end = _stored(new.quiet)
    row.updated_at = utc_now()
    await session.flush()
    return Choices(new.channels, new.language, new.quiet, new.address)


async def user_choices(session: AsyncSession, user: EnterpriseUser) -> Choices:
    """The user's choices, else ``user_default``."""
    row = await session.get(UserRow, user.id)
    if row is None:
        return user_default()
    return Choices(
        check_channels(row.channels), row.language, _quiet(row), row.phone, tuple(row.topics)
    )


async def set_user_choices(
    session: AsyncSession, user: EnterpriseUser, new: Choices, offered: Iterable[Channel]
) -> Choices:
    """Store the user's choices (``address``: their phone). ValidationFailed (field
    ``channels``) for a newly chosen channel not ``offered`` (check_offered), (field
    ``phone``) for SMS or Zalo without a phone."""
    check_offered(new, await user_choices(session, user), offered)
    if {Channel.SMS, Channel.ZALO} & set(new.channels) and not new.address:
        raise ValidationFailed("the sms and zalo channels need a phone number", field="phone")
    row = await session.get(UserRow, user.id)
    if row is None:
        row = UserRow(user_id=user.id)
        session.add(row)
    row.channels = [c.value for c in new.channels]
    row.phone = new.address
    row.language = new.language
    row.quiet_start, row.quiet_end = _stored(new.quiet)
    row.topics = list(new.topics)
    row.updated_at = utc_now()
    await session.flush()
    return new


async def users_choices(
    session: AsyncSession, users: Iterable[EnterpriseUser]
) -> dict[str, Choices]:
    """Each user's choices by id, in one query (the expander reads an enterprise's users)."""
    users = list(users)
    rows = {
        row.user_id: row
        for row in await session.scalars(
            select(UserRow).where(UserRow.user_id.in_([u.id for u in users]))
        )
    }
    found: dict[str, Choices] = {}
    for user in users:
        row = rows.get(user.id)
        found[user.id] = (
            Choices(
                check_channels(row.channels),
                row.language,
                _quiet(row),
                row.phone,
                tuple(row.topics),
            )
            if row
            else user_default()
        )
    return found
