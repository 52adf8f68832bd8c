"""Sign-in is throttled per account and per client address: past the rate (set by each test;
the defaults are 10 a minute per account and 30 per address) a wrong password is answered
429 with Retry-After, on the API and on the pages' form, in one process (counted in memory)
and across processes (counted in Redis).

The limits are counted in memory or Redis, never in the database, so these tests run on
SQLite only; with the tests' cheap argon2 parameters (tests/conftest.py): what is tested
here is how often a password is checked."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import httpx
import pytest
from litestar import Litestar

from gate.config import Settings
from services.app import create_app
from tests.asgi import in_process_client
from tests.helpers import Api, admin, page_csrf

PASSWORD = "một-mật-khẩu-dài"
_addresses = itertools.count(1)
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _address() -> str:
    """A client address no other test of this process uses."""
    n = next(_addresses)
    return f"10.{n // 250}.{n % 250}.7"


@asynccontextmanager
async def _from(app: Litestar, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the running ``app`` whose requests come from ``address``."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gate.test") as client:
        yield client


async def _user(api: Api) -> str:
    enterprise = await api.enterprise()
    email = f"nv-{uuid.uuid4().hex[:8]}@xnk.vn"
    body = {"email": email, "full_name": "Nhân viên", "password": PASSWORD}
    created = await api.client.post(
        f"/api/v1/enterprises/{enterprise.id}/users", json=body, headers=admin()
    )
    assert created.status_code == 201, created.text
    return email


async def _sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/sessions", json={"email": email, "password": password})


def _assert_throttled(answer: httpx.Response) -> None:
    assert answer.status_code == 429, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"] == "/problems/too-many-requests"
    assert 1 <= int(answer.headers["retry-after"]) <= 60


@pytest.fixture
def limits() -> dict[str, str]:
    """The rates these tests are about, set here rather than taken from the defaults; a test
    of the defaults themselves parametrizes this with ``{}``."""
    return {"signin_limit_per_account": "10/minute", "signin_limit_per_address": "10/minute"}


@pytest.fixture
def settings(settings: Settings, limits: dict[str, str]) -> Settings:
    return replace(settings, **limits)


@pytest.fixture
async def app(settings: Settings, client: httpx.AsyncClient) -> Litestar:
    """The app the ``client`` fixture runs (its lifespan started)."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    return transport.app  # type: ignore[return-value]


async def test_the_11th_wrong_password_for_one_account_within_a_minute_gets_429(
    api: Api, app: Litestar
):
    """Guesses spread over many addresses still count against the account: the 11th, even
    the right password, is refused before it is checked."""
    email = await _user(api)
    for _ in range(10):
        async with _from(app, _address()) as guesser:
            assert (await _sign_in(guesser, email, "đoán-sai")).status_code == 401
    async with _from(app, _address()) as owner:
        _assert_throttled(await _sign_in(owner, email, PASSWORD))


async def test_the_11th_wrong_password_from_one_address_within_a_minute_gets_429(
    api: Api, app: Litestar
):
    """Spraying one password over many accounts from one address: the 11th is refused; the
    accounts themselves are not locked for their owners elsewhere."""
    email = await _user(api)
    sprayer = _address()
    async with _from(app, sprayer) as client:
        for n in range(10):
            wrong = await _sign_in(client, f"ai-do-{n}@xnk.vn", "123456")
            assert wrong.status_code == 401
        _assert_throttled(await _sign_in(client, email, PASSWORD))
    async with _from(app, _address()) as owner:
        assert (await _sign_in(owner, email, PASSWORD)).status_code == 201


async def test_an_ipv6_client_is_one_address_whichever_address_of_its_64_it_sends_from(
    api: Api, app: Litestar
):
    """A host picks its own addresses in its /64: a sprayer sending each guess from another
    one is still one address; a neighbour in another /64 is not affected."""
    email = await _user(api)
    n = next(_addresses)
    for i in range(10):
        async with _from(app, f"2001:db8:{n:x}:1::{i + 1:x}") as client:
            assert (await _sign_in(client, f"ai-do-{i}@xnk.vn", "123456")).status_code == 401
    async with _from(app, f"2001:db8:{n:x}:1:ffff:ffff:ffff:fffe") as client:
        _assert_throttled(await _sign_in(client, email, PASSWORD))
    async with _from(app, f"2001:db8:{n:x}:2::1") as neighbour:
        assert (await _sign_in(neighbour, email, PASSWORD)).status_code == 201


async def test_a_burst_of_parallel_guesses_gets_no_more_checks_than_the_limit(
    api: Api, app: Litestar
):
    """Thirty guesses at once from thirty addresses: each attempt is counted before its
    password is checked, so ten are checked (401) and twenty refused (429), not thirty
    checked because none had failed yet when each was let through."""
    email = await _user(api)

    async def guess(n: int) -> int:
        async with _from(app, _address()) as guesser:
            return (await _sign_in(guesser, email, f"đoán-{n}")).status_code

    answers = await asyncio.gather(*(guess(n) for n in range(30)))
    assert sorted(answers) == [401] * 10 + [429] * 20


async def test_signing_into_an_account_of_ones_own_does_not_buy_more_guesses(
    api: Api, app: Litestar
):
    """An attacker interleaving sign-ins to his own account between guesses: a success gives
    the address nothing back, so after ten wrong passwords the address is refused all the
    same, his own account included."""
    own, victim = await _user(api), await _user(api)
    async with _from(app, _address()) as attacker:
        for n in range(10):
            if n % 3 == 0:
                assert (await _sign_in(attacker, own, PASSWORD)).status_code == 201
            assert (await _sign_in(attacker, victim, f"đoán-{n}")).status_code == 401
        _assert_throttled(await _sign_in(attacker, own, PASSWORD))
        _assert_throttled(await _sign_in(attacker, victim, "đoán-10"))


async def test_an_office_behind_one_address_signs_in_at_shift_change(api: Api, app: Litestar):
    """Successful sign-ins are no failures: fifteen colleagues behind one address sign in
    within the minute, and the address still has its ten failures left."""
    office = _address()
    colleagues = [await _user(api) for _ in range(15)]
    async with _from(app, office) as client:
        for email in colleagues:
            assert (await _sign_in(client, email, PASSWORD)).status_code == 201
        for email in colleagues[:10]:
            assert (await _sign_in(client, email, "gõ-nhầm")).status_code == 401
        _assert_throttled(await _sign_in(client, colleagues[10], PASSWORD))


@pytest.mark.parametrize("limits", [{}], ids=["default-limits"])
async def test_one_person_mistyping_behind_an_office_address_locks_out_only_themselves(
    api: Api, app: Litestar
):
    """By default an address may fail three times as often as an account: a clerk who
    mistypes ten times behind the office's NAT locks their own account for the minute, and
    the colleagues behind the same address still sign in (with both limits at ten they were
    all refused)."""
    office = _address()
    clerk = await _user(api)
    colleagues = [await _user(api) for _ in range(3)]
    async with _from(app, office) as client:
        for _ in range(10):
            assert (await _sign_in(client, clerk, "gõ-nhầm")).status_code == 401
        _assert_throttled(await _sign_in(client, clerk, PASSWORD))
        for email in colleagues:
            assert (await _sign_in(client, email, PASSWORD)).status_code == 201


async def test_the_sign_in_form_says_how_long_to_wait_after_10_wrong_passwords(
    api: Api, app: Litestar
):
    """The pages' form counts against the same limits and answers the 11th with the form and
    a message (429, Retry-After), not a bare error page."""
    email = await _user(api)
    async with _from(app, _address()) as browser:
        csrf = page_csrf((await browser.get("/sign-in")).text)
        form = {"email": email, "password": "sai", "next": "/portal"}
        for _ in range(10):
            wrong = await browser.post("/sign-in", data=form, headers=csrf)
            assert wrong.status_code == 401, wrong.text
        refused = await browser.post("/sign-in", data={**form, "password": PASSWORD}, headers=csrf)
    assert refused.status_code == 429
    wait = int(refused.headers["retry-after"])
    assert 1 <= wait <= 60
    assert "<form" in refused.text
    assert f"{wait}" in refused.text
    assert "gate_session" not in refused.cookies


@pytest.mark.redis
async def test_two_processes_count_sign_in_attempts_together_through_redis(
    settings: Settings, redis_url: str
):
    """Two app instances on one Redis (as two workers): five guesses through each, and the
    11th through either is refused."""
    shared = replace(settings, redis_url=redis_url, redis_namespace=f"t-{uuid.uuid4().hex}")
    async with (
        in_process_client(create_app(shared)) as first,
        in_process_client(create_app(shared)) as second,
    ):
        email = await _user(Api(first))
        for n in range(10):
            worker = (first, second)[n % 2]
            assert (await _sign_in(worker, email, f"đoán-{n}")).status_code == 401
        _assert_throttled(await _sign_in(second, email, PASSWORD))
        _assert_throttled(await _sign_in(first, email, PASSWORD))
