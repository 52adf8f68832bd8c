"""A lost database answers 503 (problem details, nothing half-written) and the platform
recovers by itself when the database returns, without a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.helpers import ADMIN_TOKEN, Api, tomorrow_at
from tests.integration.tcp_proxy import TcpProxy
from tests.services import empty_postgres, seed_database


@pytest.fixture
async def proxied(postgres_database: str, tmp_path: Path) -> AsyncIterator[tuple[Api, TcpProxy]]:
    await empty_postgres(postgres_database)
    await seed_database(postgres_database)
    address = urlsplit(postgres_database)
    proxy = TcpProxy(address.hostname or "127.0.0.1", address.port or 5432)
    await proxy.start()
    url = postgres_database.replace(address.netloc, f"{address.username}@127.0.0.1:{proxy.port}")
    settings = Settings(data_dir=tmp_path, database_url=url, admin_token=ADMIN_TOKEN)
    app = app_for(settings, InMemoryEventBus())
    async with in_process_client(app, timeout=30) as client:
        yield Api(client), proxy
    await proxy.cut()


async def test_a_lost_database_answers_503_and_recovers_when_it_returns(
    proxied: tuple[Api, TcpProxy],
):
    api, proxy = proxied
    enterprise = await api.enterprise()
    vehicle, driver = await enterprise.vehicle(), await enterprise.driver()
    body: dict[str, Any] = enterprise.booking_body(vehicle, driver, tomorrow_at(9))

    await proxy.cut()
    for method, url, payload in (
        ("POST", "/api/v1/bookings", body),
        ("GET", "/api/v1/gates", None),
    ):
        answer = await api.client.request(method, url, json=payload, headers=enterprise.headers)
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.headers["retry-after"] == "5"
    assert (await api.client.get("/health/ready")).status_code == 503

    await proxy.start()  # the database is back, on the same address
    booked = await api.client.post("/api/v1/bookings", json=body, headers=enterprise.headers)
    assert booked.status_code == 201, booked.text
    assert (await api.slot(tomorrow_at(9)))["booked"] == 1
    assert (await api.client.get("/health/ready")).status_code == 200


async def test_a_page_opened_while_the_database_is_lost_is_a_page_saying_so(
    proxied: tuple[Api, TcpProxy],
):
    """A browser opening a page while the database is lost gets a 503 page in its language
    with the Retry-After, not the API's problem JSON; a script still gets the problem."""
    api, proxy = proxied
    await proxy.cut()
    browser = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    words = {"vi": "Hệ thống tạm thời chưa thể trả lời", "zh": "平台暂时无法响应"}
    for language, title in words.items():
        api.client.cookies.set("gate_lang", language)
        for url in ("/", "/transparency/tan-thanh", "/board/tan-thanh"):
            answer = await api.client.get(url, headers=browser)
            assert answer.status_code == 503, (url, answer.text)
            assert answer.headers["content-type"].startswith("text/html"), url
            assert answer.headers["retry-after"] == "5", url
            assert f'<html lang="{language}">' in answer.text, url
            assert title in answer.text, url
            assert "database" not in answer.text.lower(), url  # the developers' words stay out
    script = await api.client.get("/transparency/tan-thanh", headers={"accept": "*/*"})
    assert script.status_code == 503
    assert script.headers["content-type"].startswith("application/problem+json")
    await proxy.start()
