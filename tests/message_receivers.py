"""Real receivers on 127.0.0.1 for the messages' tests: an SMTP server (aiosmtpd's protocol
in the test's own event loop) and a tiny HTTP server standing for an SMS or Zalo provider.
Each binds port 0 first and is handed on by the port it got; each keeps what it received and
lets a test wait for a condition on it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Inbox:
    """What a receiver got, and a condition to wait on."""

    items: list[Any] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def add(self, item: Any) -> None:
        async with self.changed:
            self.items.append(item)
            self.changed.notify_all()

    async def wait_for(self, condition: Callable[[list[Any]], bool], timeout: float = 30) -> None:
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(lambda: condition(self.items))


@dataclass
class SmtpAnswers:
    """What the SMTP server answers a recipient (RCPT) and the message (DATA); None: accept.
    Settable while the server runs (``"450 4.2.0 greylisted, try later"``)."""

    rcpt: str | None = None
    data: str | None = None


class _Handler:
    def __init__(self, inbox: Inbox, answers: SmtpAnswers) -> None:
        self.inbox = inbox
        self.answers = answers

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.answers.rcpt:
            return self.answers.rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.answers.data:
            return self.answers.data
        content = envelope.original_content or b""
        mail = message_from_bytes(content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        await self.inbox.add((list(envelope.rcpt_tos), mail))
        return "250 OK"


@asynccontextmanager
async def smtp_server(answers: SmtpAnswers | None = None) -> AsyncIterator[tuple[int, Inbox]]:
    """An SMTP server on 127.0.0.1 (no TLS, no AUTH) answering as ``answers`` say (else
    accepting every mail); its port and the mails it took, as (recipients, EmailMessage)."""
    inbox = Inbox()
    handler = _Handler(inbox, answers or SmtpAnswers())
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="gate-test"), host="127.0.0.1", port=0
    )
    try:
        yield server.sockets[0].getsockname()[1], inbox
    finally:
        server.close()
        await server.wait_closed()


@dataclass
class Provider:
    """A provider's fake HTTP API: answers each POST with ``status`` and ``answer`` (both
    settable; JSON, or bytes sent as they are), keeps (path, headers, JSON body) of each it
    took (a 2xx) in ``inbox`` and of every one in ``tried``. While ``hold`` is set it answers
    nothing until the event is set (a provider that does not answer in time)."""

    inbox: Inbox
    tried: Inbox = field(default_factory=Inbox)
    status: int = 200
    answer: Any = field(default_factory=lambda: {"error": 0})
    hold: asyncio.Event | None = None


@asynccontextmanager
async def http_provider() -> AsyncIterator[tuple[int, Provider]]:
    """An HTTP/1.1 server on 127.0.0.1 standing for an SMS or Zalo provider; its port."""
    provider = Provider(Inbox())

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            path = head[0].split(" ")[1]
            headers = {
                name.strip().lower(): value.strip()
                for name, _, value in (line.partition(":") for line in head[1:] if line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            await provider.tried.add((path, headers, json.loads(body)))
            if provider.hold is not None:
                await provider.hold.wait()
            status = provider.status
            if 200 <= status < 300:
                await provider.inbox.add((path, headers, json.loads(body)))
            said = provider.answer
            answer = said if isinstance(said, bytes) else json.dumps(said).encode()
            writer.write(
                f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
                f"content-length: {len(answer)}\r\nconnection: close\r\n\r\n".encode()
                + answer
            )
            # A held answer may find its client gone (it timed out): nothing to tell.
            with contextlib.suppress(ConnectionError):
                await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], provider
    finally:
        if provider.hold is not None:
            provider.hold.set()  # the held connections answer and close
        server.close()
        await server.wait_closed()
