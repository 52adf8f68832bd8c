"""The wire shapes of message choices (gate/messages/preferences.py)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from gate.config import Settings
from gate.domain.messages import USER_TOPICS
from gate.messages.preferences import Choices, choices, offered_channels
from services.common.schemas import Email, Input, Output, Phone

ChannelName = Literal["email", "sms", "zalo"]
Language = Literal["vi", "zh", "en"]
# Local time on the gates' clock (Asia/Ho_Chi_Minh), as the pages show it.
ClockTime = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Topic = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class DriverNotificationsInput(Input):
    """A driver's choices: ``channels`` among sms, zalo, email (``email`` needs the address),
    the language of the messages, quiet hours (both or neither; local HH:MM, over midnight
    when the end is earlier) in which only the urgent messages (a dispatch order, a call to a
    lane) are sent; the others wait for their end."""

    channels: Annotated[list[ChannelName], msgspec.Meta(max_length=3)]
    language: Language
    quiet_start: ClockTime | None = None
    quiet_end: ClockTime | None = None
    email: Email | None = None

    def choices(self) -> Choices:
        return choices(self.channels, self.language, self.quiet_start, self.quiet_end, self.email)


class UserNotificationsInput(Input):
    """Your choices: ``channels`` among email (your account's address), sms and zalo (those
    need ``phone``), the language, quiet hours (local HH:MM, both or neither), and the
    ``events`` you want to be told of (``available_events`` in the answer). Managers are told
    of a disabled webhook endpoint whatever they choose."""

    channels: Annotated[list[ChannelName], msgspec.Meta(max_length=3)]
    language: Language
    events: Annotated[list[Topic], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=list
    )
    quiet_start: ClockTime | None = None
    quiet_end: ClockTime | None = None
    phone: Phone | None = None

    def choices(self) -> Choices:
        return choices(
            self.channels, self.language, self.quiet_start, self.quiet_end, self.phone, self.events
        )


def _clock(found: Choices) -> tuple[str | None, str | None]:
    if found.quiet is None:
        return None, None
    return found.quiet.start.strftime("%H:%M"), found.quiet.end.strftime("%H:%M")


class DriverNotificationsView(Output):
    """A driver's choices, and ``offered``: the channels this platform sends on now (a
    channel chosen but not offered is kept and not used)."""

    channels: list[str]
    language: str
    quiet_start: str | None
    quiet_end: str | None
    email: str | None
    offered: list[str]

    @classmethod
    def of(cls, found: Choices, settings: Settings) -> DriverNotificationsView:
        start, end = _clock(found)
        offered = [c.value for c in offered_channels(settings)]
        return cls(
            [c.value for c in found.channels], found.language, start, end, found.address, offered
        )


class UserNotificationsView(Output):
    """Your choices, ``offered`` (the channels this platform sends on now) and
    ``available_events`` (what you may choose)."""

    channels: list[str]
    language: str
    events: list[str]
    quiet_start: str | None
    quiet_end: str | None
    phone: str | None
    offered: list[str]
    available_events: list[str]

    @classmethod
    def of(cls, found: Choices, settings: Settings) -> UserNotificationsView:
        start, end = _clock(found)
        return cls(
            channels=[c.value for c in found.channels],
            language=found.language,
            events=list(found.topics),
            quiet_start=start,
            quiet_end=end,
            phone=found.address,
            offered=[c.value for c in offered_channels(settings)],
            available_events=list(USER_TOPICS),
        )
