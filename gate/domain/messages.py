"""Messages to people (issue 15): who is told what, on which channel, and when.

Two kinds of person are told: a booking's **driver** (by SMS, Zalo or e-mail, in vi, zh or
en) and an enterprise's **users** (by e-mail, SMS or Zalo). A driver gets what moves the
truck: a dispatch order (lệnh điều tiết), a call to a lane (with the lane), the exit. A user
gets what their settings choose from ``USER_TOPICS``; "webhook.disabled" is not a choice: it
always goes to the enterprise's admins, since an endpoint that stopped receiving events is
the enterprise's integration broken and somebody must know.

**When.** A message is due when its event happened, unless

* it falls in the person's quiet hours (a local range on the gates' clock, Asia/Ho_Chi_Minh,
  that may run over midnight): it is then due at their end. A driver's urgent messages
  (``URGENT_FOR_DRIVERS``: a dispatch order and a lane call) are sent anyway: each has a
  deadline (the order's, the lane's call timeout) that passes within the hour, and a driver
  asleep in the cab at night is exactly who must be woken; holding it until morning would
  make the truck miss its order and lose its place;
* the person already got ``limit`` messages on that channel within the ``window`` (an hour)
  around it: the excess is due later, when the window has room, never dropped (a phone
  flooded by a burst of events is a complaint to the carrier, a message lost is worse). The
  driver's urgent messages are counted but never held back, for the reason above.

The limit is counted per person and channel: it is the phone or the mailbox that is flooded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from gate.domain.errors import ValidationFailed
from gate.domain.outbox import TOLD_TO_DRIVERS, WEBHOOK_TYPES
from gate.domain.time import LOCAL_TZ


class Channel(StrEnum):
    """How a message reaches a person."""

    EMAIL = "email"
    SMS = "sms"
    ZALO = "zalo"


LANGUAGES = ("vi", "zh", "en")
DEFAULT_LANGUAGE = "vi"

# The events a driver is told of (domain event names), and the two among them that ignore
# quiet hours and the rate limit (see the module's docstring).
DRIVER_EVENTS = tuple(event.name for event in TOLD_TO_DRIVERS)  # dispatch, call, exit
URGENT_FOR_DRIVERS = frozenset({"dispatch.issued", "vehicle.called"})

# What an enterprise user may choose: topic (the word in the API and the settings page, the
# webhook's public type, gate/domain/outbox.py) -> the domain event it stands for.
USER_TOPICS: dict[str, str] = {public: event.name for event, public in WEBHOOK_TYPES.items()}
# Sent to every admin (manager) of the enterprise whatever they chose: the topic, and the
# domain event it stands for (gate.domain.events.WebhookEndpointDisabled).
ADMIN_TOPIC = "webhook.disabled"
ADMIN_EVENT = "webhook.endpoint_disabled"
ADMIN_ROLE = "manager"  # gate.accounts.principal.EnterpriseRole.MANAGER: the admins
TOPIC_OF_EVENT = {event: topic for topic, event in USER_TOPICS.items()}
# Topics told to the enterprise's admins whatever they chose (and to the users who chose
# them): a perishable load forecast to spoil before its call is the enterprise's money, to be
# acted on now (a buyer told, the load sent elsewhere), so somebody must know, as of an
# endpoint disabled.
MANAGERS_ALWAYS_TOLD = frozenset({"cargo.spoil_risk"})


def topic_of(event_name: str) -> str | None:
    """The user topic ``event_name`` is told as, None when users are never told of it."""
    if event_name == ADMIN_EVENT:
        return ADMIN_TOPIC
    return TOPIC_OF_EVENT.get(event_name)


def check_topics(topics: Iterable[str]) -> tuple[str, ...]:
    """The chosen topics, once each, in ``USER_TOPICS`` order; ValidationFailed (field
    ``events``) naming an unknown one."""
    chosen = set(topics)
    unknown = sorted(chosen - set(USER_TOPICS))
    if unknown:
        raise ValidationFailed(
            f"unknown events {', '.join(unknown)}; choose among {', '.join(USER_TOPICS)}",
            field="events",
        )
    return tuple(topic for topic in USER_TOPICS if topic in chosen)


def check_channels(channels: Iterable[str]) -> tuple[Channel, ...]:
    """The chosen channels, once each, in ``Channel`` order; ValidationFailed (field
    ``channels``) naming an unknown one."""
    chosen = set(channels)
    unknown = sorted(chosen - {c.value for c in Channel})
    if unknown:
        raise ValidationFailed(
            f"unknown channels {', '.join(unknown)}; choose among email, sms, zalo",
            field="channels",
        )
    return tuple(c for c in Channel if c.value in chosen)


def language_of_nationality(nationality: str) -> str:
    """A driver's language before they chose one: Chinese for a Chinese driver, Vietnamese
    for a Vietnamese one, English for anyone else (ISO 3166 alpha-2)."""
    return {"CN": "zh", "VN": "vi"}.get(nationality.upper(), "en")


@dataclass(frozen=True)
class QuietHours:
    """A local time range, ``start`` included, ``end`` excluded, on the gates' clock; over
    midnight when ``end`` <= ``start`` (22:00 to 06:00). Equal ends are refused: they read
    as "never" and as "always" alike (as opening hours, gate/domain/slots.py)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValidationFailed(
                "quiet hours start and end at the same time: leave them out for none",
                field="quiet_hours",
            )

    def contains(self, local: time) -> bool:
        """Whether the local clock time ``local`` is quiet."""
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, moment: datetime) -> datetime:
        """``moment`` if it is not quiet, else the instant the quiet hours around it end
        (in ``moment``'s zone). Raises ValueError for a naive ``moment``."""
        if moment.tzinfo is None:
            raise ValueError("an aware datetime")
        local = moment.astimezone(LOCAL_TZ)
        clock = local.time().replace(tzinfo=None)
        if not self.contains(clock):
            return moment
        day = local.date()
        if self.start > self.end and clock >= self.start:
            day += timedelta(days=1)  # in the evening part: the quiet ends tomorrow
        ends = datetime.combine(day, self.end, tzinfo=LOCAL_TZ)
        return ends.astimezone(moment.tzinfo)


def parse_quiet_hours(start: str | None, end: str | None) -> QuietHours | None:
    """``"22:00"``, ``"06:00"`` as QuietHours; None when both are None; ValidationFailed
    (field ``quiet_hours``) when one is missing or either is not HH:MM."""
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise ValidationFailed("quiet hours need both a start and an end", field="quiet_hours")
    try:
        return QuietHours(time.fromisoformat(start), time.fromisoformat(end))
    except ValueError as error:
        raise ValidationFailed(f"quiet hours are HH:MM: {error}", field="quiet_hours") from None


def fits(candidate: datetime, times: Sequence[datetime], limit: int, window: timedelta) -> bool:
    """Whether a message due at ``candidate`` keeps every ``window`` (half open, ``[s, s +
    window)``) that holds it at ``limit`` messages or fewer, beside the due times ``times``."""
    starts = [candidate, *(t for t in times if candidate - window < t <= candidate)]
    for start in starts:
        inside = sum(1 for t in times if start <= t < start + window)
        if inside + 1 > limit:
            return False
    return True


def rate_limited(
    at: datetime, earlier: Sequence[datetime], limit: int, window: timedelta
) -> datetime:
    """The first instant from ``at`` at which a new message fits the limit: at most ``limit``
    messages in any ``window``, counting the due times ``earlier`` of the person's other
    messages on the channel (sent or still to send, in any order). ``limit`` < 1 is no limit.

    A later moment only helps when one of ``earlier`` leaves the window behind it, so the
    answer is ``at`` or some ``t + window``: those are the only candidates tried."""
    if limit < 1:
        return at
    times = sorted(earlier)
    candidates = sorted({at, *(t + window for t in times if t + window > at)})
    for candidate in candidates:
        if fits(candidate, times, limit, window):
            return candidate
    # Past the last message's window nothing is left to count: the last candidate fits.
    raise AssertionError("unreachable: the last candidate is past every window")


def due_at(
    at: datetime,
    *,
    quiet: QuietHours | None,
    urgent: bool,
    earlier: Sequence[datetime],
    limit: int,
    window: timedelta,
) -> datetime:
    """When a message of an event at ``at`` is due: after quiet hours and within the rate
    limit, unless ``urgent`` (a driver's dispatch order or lane call: then ``at``). Quiet
    hours first, then the limit; a limit that pushes the message into the next quiet hours
    waits for their end too (alternating until both hold)."""
    if urgent:
        return at
    due = at
    while True:
        after_quiet = quiet.end_after(due) if quiet else due
        due = rate_limited(after_quiet, earlier, limit, window)
        if due == after_quiet:
            return due


# One SMS: 160 GSM-7 characters, or 70 UCS-2 ones (any character outside GSM-7, as every
# Vietnamese or Chinese letter with its marks); a longer text is split into segments of 153
# or 67 (the rest carry the concatenation header).
GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")  # two septets each


def sms_segments(text: str) -> int:
    """How many SMS segments ``text`` takes (GSM 03.38; UCS-2 counts UTF-16 code units)."""
    if all(c in GSM7 or c in GSM7_EXTENDED for c in text):
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        single, part = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
    if units <= single:
        return 1
    return -(-units // part)


def international_phone(phone: str) -> str:
    """A phone number as providers take it: digits only, with the country code and no ``+``
    (``0912 345 678`` -> ``84912345678``, ``+86 138 0000 0000`` -> ``8613800000000``). A
    number without ``+`` that starts with one 0 is Vietnamese (the national format); with
    ``00`` it is international already."""
    digits = "".join(c for c in phone if c.isdigit())
    if phone.strip().startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        return "84" + digits[1:]
    return digits
