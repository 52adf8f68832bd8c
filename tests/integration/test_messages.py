"""Messages to people end to end, on both databases: a dispatch order reaches a Chinese
driver in Chinese by e-mail through a real SMTP server (aiosmtpd on 127.0.0.1) and by SMS
through a local fake provider speaking HTTP, sent by the platform's own dispatcher loop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.plates import format_plate
from gate.messages.email import EmailSender
from gate.outbox.protocols import Result
from gate.store.tables import Delivery
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.helpers import ADMIN_TOKEN, Api, Enterprise, open_all_day, this_hour
from tests.message_receivers import http_provider, smtp_server
from tests.yards import dispatched_by_hand, enters_yard, yard, yard_enterprise

SMS_TOKEN = "sms-token-never-logged"


def message_settings(database_url: str, tmp_path: Path, **channels: Any) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        admin_token=ADMIN_TOKEN,
        sweep_seconds=0,
        **channels,
    )


async def chinese_driver_booked(api: Api, enterprise: Enterprise) -> dict[str, Any]:
    """A Chinese driver of ``enterprise`` booked with a truck at Tân Thanh in two hours."""
    answer = await api.client.post(
        "/api/v1/drivers",
        json={
            "full_name": "王伟",
            "id_number": "E12345678",
            "phone": "+86 138 0013 8000",
            "nationality": "CN",
        },
        headers=enterprise.headers,
    )
    assert answer.status_code == 201, answer.text
    vehicle = await enterprise.vehicle()
    body = enterprise.booking_body(vehicle, answer.json(), this_hour(2))
    booked = await api.client.post("/api/v1/bookings", json=body, headers=enterprise.headers)
    assert booked.status_code == 201, booked.text
    return {**booked.json(), "vehicle": vehicle}


async def test_a_dispatch_order_reaches_a_chinese_driver_by_email_and_sms_in_chinese(
    database_url: str, tmp_path: Path, bus: InMemoryEventBus
):
    async with smtp_server() as (smtp_port, mails), http_provider() as (sms_port, sms):
        settings = message_settings(
            database_url,
            tmp_path,
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            smtp_from="Cửa khẩu số <gate@example.vn>",
            smtp_security="none",
            sms_url=f"http://127.0.0.1:{sms_port}/v1/sms",
            sms_token=SMS_TOKEN,
        )
        async with in_process_client(app_for(settings, bus)) as client:
            api = Api(client)
            await open_all_day(api)
            enterprise = await api.enterprise()
            booking = await chinese_driver_booked(api, enterprise)
            chosen = await api.client.put(
                f"/api/v1/drivers/{booking['driver_id']}/notifications",
                json={"channels": ["sms", "email"], "language": "zh", "email": "wang@example.cn"},
                headers=enterprise.headers,
            )
            assert chosen.status_code == 200, chosen.text
            assert chosen.json()["offered"] == ["email", "sms"]
            code = await yard(api, await yard_enterprise(api))
            visit = await enters_yard(api, code, booking["vehicle"]["plate"])
            order = await dispatched_by_hand(api, visit)

            await mails.wait_for(lambda got: len(got) >= 1)
            await sms.inbox.wait_for(lambda got: len(got) >= 1)

    plate = format_plate(booking["vehicle"]["plate"])
    [(recipients, mail)] = mails.items
    assert recipients == ["wang@example.cn"]
    assert mail["Subject"] == f"调度令 {order['code']}"
    assert mail["Content-Language"] == "zh"
    text = mail.get_content()
    assert order["code"] in text and plate in text and "出口" in text and "请于" in text
    assert mail["Message-ID"].startswith("<msg_")

    [(path, headers, body)] = sms.inbox.items
    assert path == "/v1/sms"
    assert headers["authorization"] == f"Bearer {SMS_TOKEN}"
    assert body["to"] == "8613800138000"
    assert body["id"].startswith("msg_") and body["id"] != mail["Message-ID"][1:].split("@")[0]
    assert body["text"].startswith(f"调度令{order['code']}") and plate in body["text"]


async def test_an_email_goes_to_the_one_address_chosen_whatever_its_header_reads(
    tmp_path: Path,
):
    # An address the choices' pattern lets through but a mail header reads as a list: the
    # envelope must carry the chosen address alone, never a second recipient parsed from
    # the To header (the relay would deliver the person's message to it).
    async with smtp_server() as (smtp_port, mails):
        settings = message_settings(
            "sqlite+aiosqlite://",
            tmp_path,
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            smtp_from="gate@example.vn",
            smtp_security="none",
        )
        chosen = "wang@example.cn,boss"
        delivery = Delivery(
            id="msg_" + "1" * 32,
            language="en",
            payload={"to": chosen, "subject": "Dispatch order", "text": "Go to the gate."},
        )
        outcome = await EmailSender(settings).send(delivery)
    assert outcome.result is Result.DELIVERED
    [(recipients, _)] = mails.items
    assert len(recipients) == 1 and "boss" not in recipients  # one RCPT TO, the chosen one
