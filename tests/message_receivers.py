"""Real receivers on 127.0.0.1 for the messages' tests: an SMTP server (aiosmtpd's protocol
in the test's own event loop) and a tiny HTTP server standing for an SMS or Zalo provider.
Each binds port 0 first and is handed on by the port it got; each keeps what it received and
lets a test wait for a condition on it."""

from __future__ import annotations

import asyncio
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


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        mail = message_from_bytes(content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        await self.inbox.add((list(envelope.rcpt_tos), mail))
        return "250 OK"


@asynccontextmanager
async def smtp_server() -> AsyncIterator[tuple[int, Inbox]]:
    """An SMTP server on 127.0.0.1 (no TLS, no AUTH); its port and the mails it took, as
    (recipients, EmailMessage)."""
    inbox = Inbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(_Handler(inbox), hostname="gate-test"), host="127.0.0.1", port=0
    )
    try:
        yield server.sockets[0].getsockname()[1], inbox
    finally:
        server.close()
        await server.wait_closed()


@dataclass
class Provider:
    """A provider's fake HTTP API: answers each POST with ``status`` (settable) and keeps
    (path, headers, JSON body) of each."""

    inbox: Inbox
    status: int = 200
    answer: dict[str, Any] = field(default_factory=lambda: {"error": 0})


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
            status = provider.status
            if 200 <= status < 300:
                await provider.inbox.add((path, headers, json.loads(body)))
            answer = json.dumps(provider.answer).encode()
            writer.write(
                f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
                f"content-length: {len(answer)}\r\nconnection: close\r\n\r\n".encode()
                + answer
            )
            await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], provider
    finally:
        server.close()
        await server.wait_closed()
