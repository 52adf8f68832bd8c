"""A message's personal data is kept no longer than needed: once its delivery is delivered or
given up, its payload keeps only the message's kind (``driver.dispatch``, a topic...); the
address (``to``), the rendered subject and text and a Zalo template's data (which may hold a
plate) are dropped. The dispatcher applies it in the transaction that records the last
attempt (``OutboxDispatcher(forget=...)``, handed in by services/platform.py)."""

from __future__ import annotations

from typing import Any

from gate.domain.messages import Channel
from gate.outbox.protocols import Forget

# The keys a finished message's payload keeps: none of them is personal data.
KEPT = ("kind",)


def forget_message(payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` without its personal data: only the ``KEPT`` keys it has."""
    return {key: payload[key] for key in KEPT if key in payload}


def message_forget() -> dict[str, Forget]:
    """``forget_message`` for every message channel, by channel name."""
    return {channel.value: forget_message for channel in Channel}
