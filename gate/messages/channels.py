"""The messages' parts the outbox dispatcher is handed (services/platform.py): the expander,
and a sender for each channel this platform offers. A channel without its settings has no
sender and the expander makes no delivery on it."""

from __future__ import annotations

from gate.config import Settings
from gate.domain.messages import Channel
from gate.messages.email import EmailSender
from gate.messages.expander import MessageExpander
from gate.messages.preferences import offered_channels
from gate.messages.sms import SmsSender
from gate.messages.zalo import ZaloSender
from gate.outbox.protocols import Sender


def message_senders(settings: Settings) -> dict[str, Sender]:
    """A sender per offered channel, by channel name (``email``, ``sms``, ``zalo``)."""
    made: dict[Channel, Sender] = {
        Channel.EMAIL: EmailSender(settings),
        Channel.SMS: SmsSender(settings),
        Channel.ZALO: ZaloSender(settings),
    }
    return {channel.value: made[channel] for channel in offered_channels(settings)}


def message_expander(settings: Settings) -> MessageExpander:
    """The expander of messages on ``settings``."""
    return MessageExpander(settings)
