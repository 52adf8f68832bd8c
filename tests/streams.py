"""Test helpers for signed-in streams: credentials of every kind that can open one, ways to
end each, and waiting for a socket's close with a deadline."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from gate.live.client import subprotocols
from tests.helpers import Api, admin, bearer

OFFICER_STREAM = "/ws/v1/gates/tan-thanh/officer"
ENTERPRISE_STREAM = "/ws/v1/enterprise/vehicles"
PASSWORD = "một-mật-khẩu-dài"
_counter = itertools.count(1)


@dataclass
class Holder:
    """One credential that opens a stream, and what ending it needs to know."""

    stream: str
    token: str
    subject_id: str = ""  # the officer, user or key the token belongs to
    enterprise_id: str = ""


async def officer(api: Api, gates: tuple[str, ...] = ("tan-thanh",)) -> Holder:
    """An officer of ``gates``, signed in."""
    email = f"operator.{next(_counter)}.{time.monotonic_ns()}@bien-gioi.vn"
    body = {
        "email": email,
        "full_name": "Cán bộ vận hành",
        "agency": "gate_operator",
        "password": PASSWORD,
        "gates": list(gates),
    }
    created = await api.client.post("/api/v1/officers", json=body, headers=admin())
    assert created.status_code == 201, created.text
    return Holder(OFFICER_STREAM, await _sign_in(api, email), created.json()["id"])


async def enterprise_user(api: Api) -> Holder:
    """A clerk of a new enterprise, signed in."""
    enterprise = await api.enterprise(key_scope="manager")
    email = f"clerk.{next(_counter)}.{time.monotonic_ns()}@cong-ty.vn"
    body = {"email": email, "full_name": "Nhân viên", "password": PASSWORD, "role": "clerk"}
    created = await api.client.post(
        f"/api/v1/enterprises/{enterprise.id}/users", json=body, headers=enterprise.headers
    )
    assert created.status_code == 201, created.text
    token = await _sign_in(api, email)
    return Holder(ENTERPRISE_STREAM, token, created.json()["id"], enterprise.id)


async def api_key(api: Api) -> Holder:
    """A new enterprise's second API key (its first one stays, to manage the enterprise)."""
    enterprise = await api.enterprise()
    issued = await api.client.post(
        f"/api/v1/enterprises/{enterprise.id}/api-keys", json={"name": "erp-2"}, headers=admin()
    )
    assert issued.status_code == 201, issued.text
    key = issued.json()
    return Holder(ENTERPRISE_STREAM, key["token"], key["id"], enterprise.id)


async def _sign_in(api: Api, email: str) -> str:
    session = await api.client.post(
        "/api/v1/auth/sessions", json={"email": email, "password": PASSWORD}
    )
    assert session.status_code == 201, session.text
    return str(session.json()["token"])


async def sign_out(api: Api, holder: Holder) -> None:
    answer = await api.client.delete("/api/v1/auth/sessions/current", headers=bearer(holder.token))
    assert answer.status_code == 204, answer.text


async def revoke(api: Api, holder: Holder) -> None:
    answer = await api.client.delete(
        f"/api/v1/enterprises/{holder.enterprise_id}/api-keys/{holder.subject_id}",
        headers=admin(),
    )
    assert answer.status_code == 204, answer.text


async def move_officer(api: Api, holder: Holder, gates: tuple[str, ...]) -> None:
    answer = await api.client.put(
        f"/api/v1/officers/{holder.subject_id}/gates", json={"gates": list(gates)}, headers=admin()
    )
    assert answer.status_code == 200, answer.text


async def disable_officer(api: Api, holder: Holder) -> None:
    answer = await api.client.post(f"/api/v1/officers/{holder.subject_id}/disable", headers=admin())
    assert answer.status_code == 204, answer.text


async def disable_user(api: Api, holder: Holder) -> None:
    answer = await api.client.post(
        f"/api/v1/enterprises/{holder.enterprise_id}/users/{holder.subject_id}/disable",
        headers=admin(),
    )
    assert answer.status_code == 200, answer.text


async def open_stream(ws_base: str, holder: Holder) -> ClientConnection:
    """``holder``'s stream, signed in through the subprotocol, once its first message (the
    snapshot: the server has admitted it) has arrived."""
    socket = await connect(
        ws_base + holder.stream, subprotocols=subprotocols(holder.token), open_timeout=10
    )
    await asyncio.wait_for(socket.recv(), 10)
    return socket


async def closed_within(socket: ClientConnection, seconds: float) -> tuple[int, str]:
    """The close code and reason the server sent, waiting at most ``seconds`` (reading what
    arrives meanwhile, so that a full receive queue cannot hold the close frame back)."""
    try:
        async with asyncio.timeout(seconds):
            while True:
                await socket.recv()
    except ConnectionClosed as closed:
        assert closed.rcvd is not None, "closed without a close frame from the server"
        return closed.rcvd.code, closed.rcvd.reason
    except TimeoutError:
        raise AssertionError(f"still open after {seconds} s") from None


async def still_open(socket: ClientConnection) -> bool:
    """The server has not closed it: a ping is answered."""
    try:
        await asyncio.wait_for(await socket.ping(), 5)
    except (ConnectionClosed, TimeoutError):
        return False
    return True


async def end_every_kind(api: Api, ws_base: str, within: float) -> None:
    """Open a stream for each kind of credential through the process at ``ws_base``, end each
    credential through ``api`` (possibly another process), and check that every such stream is
    closed within ``within`` seconds with its code and reason, while the streams whose
    credential still holds stay open."""
    endings = {
        "signed-out officer": (await officer(api), sign_out),
        "revoked API key": (await api_key(api), revoke),
        "officer removed from the gate": (
            await officer(api),
            lambda api, h: move_officer(api, h, ("huu-nghi",)),
        ),
        "disabled officer": (await officer(api), disable_officer),
        "disabled enterprise user": (await enterprise_user(api), disable_user),
    }
    expected = {
        "signed-out officer": (4401, "signed out or session expired"),
        "revoked API key": (4401, "API key revoked"),
        "officer removed from the gate": (4403, "no longer an officer of this gate"),
        "disabled officer": (4401, "account disabled"),
        "disabled enterprise user": (4401, "account disabled"),
    }
    # Whose credentials hold: untouched, or given another gate beside this one.
    staying = [await officer(api), await api_key(api), await enterprise_user(api)]
    widened = await officer(api)
    # Opened side by side: each waits for its channel's first snapshot.
    opened = await asyncio.gather(
        *(open_stream(ws_base, h) for h in [*(h for h, _ in endings.values()), *staying, widened])
    )
    sockets = dict(zip(endings, opened, strict=False))
    kept = opened[len(endings) :]
    try:
        await move_officer(api, widened, ("tan-thanh", "huu-nghi"))
        for holder, end in endings.values():
            await end(api, holder)
        closes = await asyncio.gather(
            *(closed_within(socket, within) for socket in sockets.values()),
            return_exceptions=True,
        )
        got = dict(zip(sockets, closes, strict=True))
        assert got == expected, f"closes: {got}, expected: {expected}"
        open_now = [await still_open(socket) for socket in kept]
        assert all(open_now), f"streams whose credential holds, open: {open_now}"
    finally:
        for socket in [*sockets.values(), *kept]:
            await socket.close()
