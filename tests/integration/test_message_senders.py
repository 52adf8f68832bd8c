"""How each channel's sender ends an attempt, against real servers on 127.0.0.1: a fake ZNS
(Zalo) and a fake SMS provider speaking HTTP, an SMTP server (aiosmtpd), and a port where
nothing listens. What the provider took is delivered; what may go later (a 4xx "try later"
of SMTP, HTTP 5xx, 408, 429, a timeout, no connection, ZNS's "unknown error") is retried
on the outbox's schedule; what would meet the same refusal again gives up. No database:
the senders are handed a delivery row and answer an Outcome."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from gate.config import Settings
from gate.messages.email import EmailSender
from gate.messages.sms import SmsSender
from gate.messages.zalo import ZaloSender
from gate.outbox.protocols import Outcome, Result, new_delivery_id
from gate.store.tables import Delivery
from tests.message_receivers import SmtpAnswers, http_provider, smtp_server

ZALO_TOKEN = "zalo-access-token-never-logged"
SMS_TOKEN = "sms-token-never-logged"


def delivery(channel: str, **payload: Any) -> Delivery:
    return Delivery(id=new_delivery_id(), channel=channel, language="vi", payload=payload)


def zalo_delivery() -> Delivery:
    return delivery(
        "zalo",
        to="0912 345 678",
        template="231207",
        data={"order": "LDT-7K2Q", "lane": "X2"},
    )


@contextmanager
def refusing_port() -> Iterator[int]:
    """A port that refuses connections for as long as the block runs: bound and held, never
    listening (closing it would let another process take the port meanwhile)."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield int(held.getsockname()[1])


def assert_clean(outcome: Outcome, *secrets: str) -> None:
    """The error kept for the delivery log holds no token, address or phone."""
    for secret in secrets:
        assert secret not in (outcome.error or ""), outcome


# Zalo (ZNS)


async def test_zalo_posts_the_template_with_the_token_header_and_the_delivery_id():
    async with http_provider() as (port, zns):
        zns.answer = {"error": 0, "message": "Success", "data": {"msg_id": "a1b2"}}
        settings = Settings(
            zalo_url=f"http://127.0.0.1:{port}/message/template", zalo_access_token=ZALO_TOKEN
        )
        sent = zalo_delivery()
        outcome = await ZaloSender(settings).send(sent)

    assert outcome == Outcome.delivered(200)
    [(path, headers, body)] = zns.inbox.items
    assert path == "/message/template"
    assert headers["access_token"] == ZALO_TOKEN
    assert headers["content-type"] == "application/json"
    assert body == {
        "phone": "84912345678",
        "template_id": "231207",
        "template_data": {"order": "LDT-7K2Q", "lane": "X2"},
        "tracking_id": sent.id,
    }


@pytest.mark.parametrize(
    ("status", "answer", "result"),
    [
        # ZNS refuses with HTTP 200: no Zalo account, a phone it does not take.
        (200, {"error": -118, "message": "Zalo account not existed"}, Result.PERMANENT),
        (200, {"error": -108, "message": "Phone number invalid"}, Result.PERMANENT),
        # "Unknown error, try again later".
        (200, {"error": -100, "message": "Unknown error"}, Result.RETRY),
        # Nothing says it took the message.
        (200, {"message": "Success"}, Result.RETRY),
        (200, b"<html>proxy error</html>", Result.RETRY),
        (200, [0], Result.RETRY),
        (503, {"error": -100}, Result.RETRY),
        (429, {}, Result.RETRY),
        (401, {}, Result.PERMANENT),
    ],
)
async def test_a_zns_refusal_is_never_counted_delivered(status: int, answer: Any, result: Result):
    async with http_provider() as (port, zns):
        zns.status, zns.answer = status, answer
        settings = Settings(
            zalo_url=f"http://127.0.0.1:{port}/message/template", zalo_access_token=ZALO_TOKEN
        )
        outcome = await ZaloSender(settings).send(zalo_delivery())
        assert len(zns.tried.items) == 1

    assert outcome.result == result, outcome
    assert outcome.status == status
    if isinstance(answer, dict) and "error" in answer and status == 200:
        assert str(answer["error"]) in (outcome.error or "")
    assert_clean(outcome, ZALO_TOKEN, "912345678")


# SMS


@pytest.mark.parametrize(
    ("status", "result"),
    [
        (200, Result.DELIVERED),
        (202, Result.DELIVERED),
        (400, Result.PERMANENT),  # a number the provider refuses
        (401, Result.PERMANENT),  # a token it does not know
        (404, Result.PERMANENT),
        (408, Result.RETRY),
        (429, Result.RETRY),
        (500, Result.RETRY),
        (503, Result.RETRY),
    ],
)
async def test_an_sms_providers_answer_ends_the_attempt_by_its_status(status: int, result: Result):
    async with http_provider() as (port, provider):
        provider.status = status
        settings = Settings(sms_url=f"http://127.0.0.1:{port}/v1/sms", sms_token=SMS_TOKEN)
        sent = delivery("sms", to="0912 345 678", text="Lệnh điều tiết LDT-7K2Q")
        outcome = await SmsSender(settings).send(sent)
        [(_, headers, body)] = provider.tried.items

    assert outcome.result == result, outcome
    assert outcome.status == status
    assert headers["authorization"] == f"Bearer {SMS_TOKEN}"
    assert body == {
        "id": sent.id,
        "to": "84912345678",
        "text": "Lệnh điều tiết LDT-7K2Q",
        "sender": None,
    }
    assert_clean(outcome, SMS_TOKEN, "912345678")


async def test_an_sms_provider_that_does_not_answer_in_time_is_tried_again():
    async with http_provider() as (port, provider):
        provider.hold = asyncio.Event()
        settings = Settings(
            sms_url=f"http://127.0.0.1:{port}/v1/sms", sms_token=SMS_TOKEN, message_timeout_s=0.5
        )
        outcome = await SmsSender(settings).send(delivery("sms", to="0912345678", text="x"))
        assert len(provider.tried.items) == 1

    assert outcome == Outcome.retry(None, "timeout")


async def test_an_sms_provider_that_is_down_is_tried_again():
    with refusing_port() as port:
        settings = Settings(sms_url=f"http://127.0.0.1:{port}/v1/sms", sms_token=SMS_TOKEN)
        outcome = await SmsSender(settings).send(delivery("sms", to="0912345678", text="x"))
    assert outcome.result == Result.RETRY and outcome.status is None
    assert outcome.error is not None and outcome.error.startswith("network: ")
    assert_clean(outcome, SMS_TOKEN)


# E-mail (SMTP)


def smtp_settings(port: int) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="Cửa khẩu <gate@example.vn>",
        smtp_security="none",
        message_timeout_s=10,
    )


def mail() -> Delivery:
    return delivery("email", to="tai-xe@example.vn", subject="Lệnh điều tiết", text="Xin chào")


@pytest.mark.parametrize(
    ("answers", "result", "code"),
    [
        (SmtpAnswers(), Result.DELIVERED, 250),
        # "Try later": greylisting at RCPT, a full mailbox, a busy relay at DATA.
        (SmtpAnswers(rcpt="450 4.2.0 Greylisted, try again later"), Result.RETRY, 450),
        (SmtpAnswers(rcpt="452 4.2.2 Mailbox full"), Result.RETRY, 452),
        (SmtpAnswers(data="451 4.3.0 Try again later"), Result.RETRY, 451),
        # A permanent refusal: no such mailbox, the message rejected.
        (SmtpAnswers(rcpt="550 5.1.1 No such user"), Result.PERMANENT, 550),
        (SmtpAnswers(data="554 5.7.1 Message rejected"), Result.PERMANENT, 554),
    ],
)
async def test_an_smtp_servers_answer_ends_the_attempt_by_its_class(
    answers: SmtpAnswers, result: Result, code: int
):
    async with smtp_server(answers) as (port, inbox):
        outcome = await EmailSender(smtp_settings(port)).send(mail())
        taken = list(inbox.items)

    assert (outcome.result, outcome.status) == (result, code), outcome
    assert len(taken) == (1 if result == Result.DELIVERED else 0)
    assert_clean(outcome, "tai-xe@example.vn")


async def test_an_smtp_server_that_is_down_is_tried_again():
    with refusing_port() as port:
        outcome = await EmailSender(smtp_settings(port)).send(mail())
    assert outcome.result == Result.RETRY and outcome.status is None, outcome
    assert outcome.error is not None and outcome.error.startswith("smtp: ")
