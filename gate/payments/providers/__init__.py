"""Payment providers' adapters: each verifies its provider's signed notification and reads it
into a ProviderNotification (gate/domain/payments.py). A provider is on when its key is set;
``providers`` gives those that are, by name (the ``{provider}`` of the notification URL)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from gate.config import Settings
from gate.domain.payments import ProviderNotification
from gate.payments.providers.fake import FakeProvider
from gate.payments.providers.payos import PayOS


class Provider(Protocol):
    """One provider's adapter. ``verify``: the notification ``body`` (bytes as received)
    with its ``headers`` (names lower-case), checked at ``now`` (UTC); BadSignature when the
    signature does not verify, MalformedNotification when the body is not the provider's
    format. Never logs its key."""

    name: str

    def verify(
        self, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> ProviderNotification: ...


def providers(settings: Settings) -> dict[str, Provider]:
    """The providers whose keys ``settings`` holds, by name."""
    found: list[Provider] = []
    if settings.payment_fake_secret:
        found.append(FakeProvider(settings.payment_fake_secret))
    if settings.payment_payos_checksum_key:
        found.append(PayOS(settings.payment_payos_checksum_key))
    return {provider.name: provider for provider in found}
