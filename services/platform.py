"""What one process of the platform holds between requests: settings, engine, bus."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gate.accounts.memory import KeyMemory
from gate.accounts.principal import Principal
from gate.authentication.admin_token import AdminToken
from gate.bookings.rush import BookingBatcher
from gate.bus.events import EventBus
from gate.checkins.batcher import CheckinBatcher
from gate.config import Settings
from gate.devices.keys import DeviceKeys
from gate.domain.errors import DomainError
from gate.domain.events import AccessChange, AccessChanged
from gate.gates.calendar import gate_by_code
from gate.gates.memory import GATE_CHANGES, GateMemory
from gate.live.guard import StreamGuard
from gate.live.service import Live
from gate.live.versions import GateVersions
from gate.messages.channels import message_expander, message_senders
from gate.messages.forget import message_forget
from gate.metrics import ScrapeReader
from gate.outbox.dispatcher import OutboxDispatcher
from gate.payments.payouts import CHANNEL as PAYOUT
from gate.payments.payouts import PayoutExpander, PayoutSender, payouts_on
from gate.payments.providers import Provider, providers
from gate.store.lagging_reads import LaggingReads
from gate.store.unit_of_work import UnitOfWork
from gate.throttling import Throttles
from gate.webhooks.expander import CHANNEL as WEBHOOK
from gate.webhooks.expander import WebhookExpander
from gate.webhooks.failures import disable_failing_endpoint
from gate.webhooks.sender import WebhookSender
from services.sockets import AddressCap


@dataclass
class Platform:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    read_session_factory: async_sessionmaker[AsyncSession]
    bus: EventBus
    live: Live
    throttles: Throttles  # sign-in and booking-write rate limits
    sockets: AddressCap  # the API's open websockets per client address
    # The reads that may lag: on the read replica while in use (gate/store/lagging_reads.py).
    reads: LaggingReads
    checkins: CheckinBatcher | None = None  # group commit of device check-ins, when on
    bookings: BookingBatcher | None = None  # booking attempts on one slot decided together
    device_keys: DeviceKeys = field(default_factory=DeviceKeys)  # recognised keys, remembered
    api_keys: KeyMemory[Principal] = field(default_factory=KeyMemory)
    gate_ids: dict[str, str] = field(default_factory=dict)  # gate code -> id, once seen
    gates: GateMemory = field(default_factory=GateMemory)  # gate rows for the hot paths
    boards_port: int | None = None  # where the public boards' server listens, when it runs
    streams: StreamGuard | None = None  # the open authenticated websockets, ended with their grant
    outbox: OutboxDispatcher | None = None  # webhooks and messages (build_outbox below)
    # The statistics page's planner: one simulation at a time per process, in a worker thread
    # (services/web/statistics_planner.py), so visitors' questions cannot take every core.
    planner: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))
    # Versions of the gates' free places, for the pollers' ETags (services/common/caching.py).
    versions: GateVersions = field(default_factory=GateVersions)
    # Figures read at each scrape of /metrics beside the built-in ones (gate/metrics.py,
    # ScrapeReader): the hook for another part's, e.g. the read replica's lag.
    scrape_readers: list[ScrapeReader] = field(default_factory=list)
    # The administrator's token: GATE_ADMIN_TOKEN, or its file read again once replaced (`gate
    # admin rotate-token` takes effect here at the next request, without a restart).
    admin_token: AdminToken = field(init=False)
    # The payment providers whose keys are set, by name (gate/payments/providers/).
    payment_providers: dict[str, Provider] = field(init=False)

    def __post_init__(self) -> None:
        self.admin_token = AdminToken(self.settings.admin_token, self.settings.admin_token_file)
        self.payment_providers = providers(self.settings)

    def access_changed(self, payload: dict[str, Any]) -> None:
        """An event from any process: a revoked key is forgotten here too, and the open
        streams are re-checked now (gate/live/guard.py)."""
        if payload.get("event") != AccessChanged.name:
            return
        kind, subject = payload.get("kind"), str(payload.get("subject_id"))
        if kind in (AccessChange.API_KEY_REVOKED, AccessChange.YARD_DEVICE_REVOKED):
            self.api_keys.forget(subject)  # yard device keys are remembered with the API keys
        elif kind == AccessChange.DEVICE_REVOKED:
            self.device_keys.forget(subject)
        if self.streams is not None:
            self.streams.wake()

    def gate_changed(self, payload: dict[str, Any]) -> None:
        """An event from any process: a gate whose row changed is read afresh here next."""
        if payload.get("event") in GATE_CHANGES and isinstance(gate := payload.get("gate"), str):
            self.gates.forget(gate)

    async def gate_id(self, code: str) -> str | None:
        """The id of the gate with ``code``, None if there is none. Gates are never deleted and
        their codes never change, so a process remembers the ones it has seen: thousands of
        viewers opening a board in a crisis cost no query each."""
        known = self.gate_ids.get(code)
        if known is not None:
            return known
        async with self.unit_of_work(read_only=True) as uow:
            try:
                gate_id = (await gate_by_code(uow, code)).id
            except DomainError:
                return None
        self.gate_ids[code] = gate_id
        return gate_id

    def unit_of_work(self, *, read_only: bool = False) -> UnitOfWork:
        factory = self.read_session_factory if read_only else self.session_factory
        return UnitOfWork(factory, self.bus, None if read_only else self._outboxed)

    def _outboxed(self) -> None:
        """A commit here wrote outbox events: this process's dispatcher looks at once."""
        if self.outbox is not None:
            self.outbox.events_written()

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.settings.booking_horizon_days)


def build_outbox(platform: Platform) -> OutboxDispatcher:
    """The process's outbox dispatcher, with every channel's expander and sender, refunds'
    payouts too when they are on (the concrete ones live above gate/outbox/, so they are
    handed in here). Started by the app's lifespan unless GATE_OUTBOX is off."""
    settings = platform.settings
    return OutboxDispatcher(
        platform.unit_of_work,
        expanders=[WebhookExpander(), message_expander(settings), PayoutExpander(settings)],
        senders={
            WEBHOOK: WebhookSender(
                lambda: platform.unit_of_work(read_only=True),
                allow_private=settings.webhook_allow_private,
            ),
            **message_senders(settings),
            **(
                {PAYOUT: PayoutSender(platform.unit_of_work, settings)}
                if payouts_on(settings)
                else {}
            ),
        },
        schedule=settings.outbox_retry_schedule,
        poll_s=settings.outbox_poll_s,
        given_up={WEBHOOK: disable_failing_endpoint},
        forget=message_forget(),
    )
