"""Secrets never reach the server's output, and its files are its owner's alone: a real
`gate serve`, signed into with every kind of credential, over HTTP and websockets."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from gate.live.client import subprotocols
from tests.e2e.server import listening, port_of, running_platform
from tests.helpers import ADMIN_TOKEN, Api, device, officer, open_all_day, read, unique_plate

GATE = str(Path(sys.executable).with_name("gate"))
ENV_ADMIN_TOKEN = ADMIN_TOKEN  # the one the helpers sign in with


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATE_")}
    env.update(
        GATE_DATA_DIR=str(data_dir),
        GATE_SWEEP_SECONDS="0",
        **extra,
    )
    return env


def _serve() -> list[str]:
    # A permissive umask: the platform's files must be private by how they are created.
    return ["bash", "-c", f"umask 000 && exec {GATE} serve"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def _first_message_or_close(url: str, token: str | None = None) -> str | int:
    """Open ``url`` (signed in through the ``bearer.`` subprotocol when given a token): the
    first message's kind, or the close code. The token is never echoed in the handshake."""
    offer = subprotocols(token) if token else None
    try:
        async with connect(url, subprotocols=offer, open_timeout=10) as socket:
            if token:
                assert socket.subprotocol == "gate.v1"
                assert socket.response is not None
                assert token not in str(socket.response.headers)
            return str(json.loads(await asyncio.wait_for(socket.recv(), 10))["kind"])
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else 1006


async def _stream_ended_by_sign_out(client: httpx.AsyncClient, url: str, token: str) -> None:
    """A stream signed in through the subprotocol, closed by its session's end: the
    sign-out, the guard's close and its log line all pass through the server's output."""
    async with connect(url, subprotocols=subprotocols(token), open_timeout=10) as socket:
        await asyncio.wait_for(socket.recv(), 10)
        answer = await client.delete(
            "/api/v1/auth/sessions/current", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 204, answer.text
        try:
            async with asyncio.timeout(10):
                while True:
                    await socket.recv()
        except ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 4401


async def _traffic(base: str, boards: str, admin_token: str) -> tuple[list[str], str]:
    """Signs in with every kind of credential, in headers and in ``?token=``, and looks a
    truck up by its plate in a query string; returns the credentials and the plate."""
    ws = base.replace("http://", "ws://")
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        api = Api(client)
        await open_all_day(api)
        enterprise = await api.enterprise(key_scope="manager")
        session = (await officer(api, "gate_operator"))["Authorization"].partition(" ")[2]
        camera = await device(api)
        device_key = camera["Authorization"].partition(" ")[2]
        vehicle = await enterprise.vehicle(unique_plate())
        checkin = await client.post(
            "/api/v1/gates/tan-thanh/checkins", json=read(vehicle["plate"]), headers=camera
        )
        assert checkin.status_code < 500, checkin.text
        # Personal data in a query string: the plate an enterprise looks its bookings up by.
        found = await client.get(
            "/api/v1/bookings", params={"plate": vehicle["plate"]}, headers=enterprise.headers
        )
        assert found.status_code == 200, found.text
        # The same credentials where a log could see them: in query strings.
        for name, secret in [
            ("token", admin_token),
            ("api_key", enterprise.token),
            ("device_key", device_key),
            ("session_token", session),
        ]:
            await client.get("/api/v1/gates", params={name: secret, "since": "1"})
        await client.post(
            "/api/v1/gates/tan-thanh/checkins",
            params={"token": device_key},
            json=read(vehicle["plate"]),
        )
        user_session = await _enterprise_user_session(client, enterprise.id, enterprise.token)
        # Signed in without the secret in the URL: every kind of credential, through the
        # subprotocol (the officer's and the user's streams run; the others are refused).
        for path, secret, outcome in [
            ("/ws/v1/enterprise/vehicles", enterprise.token, "snapshot"),
            ("/ws/v1/enterprise/vehicles", user_session, "snapshot"),
            ("/ws/v1/enterprise/vehicles", device_key, 4403),
            ("/ws/v1/gates/tan-thanh/officer", session, "snapshot"),
            ("/ws/v1/gates/tan-thanh/officer", admin_token, 4403),
        ]:
            assert await _first_message_or_close(ws + path, secret) == outcome, path
        await _first_message_or_close(f"{boards}/ws/v1/gates/tan-thanh/board", session)
        await _stream_ended_by_sign_out(client, f"{ws}/ws/v1/gates/tan-thanh/officer", session)
    await _first_message_or_close(f"{ws}/ws/v1/enterprise/vehicles?token={enterprise.token}")
    await _first_message_or_close(f"{ws}/ws/v1/gates/tan-thanh/officer?token={session}")
    await _first_message_or_close(f"{ws}/ws/v1/gates/tan-thanh/officer?token={admin_token}")
    await _first_message_or_close(f"{ws}/ws/v1/enterprise/vehicles?token={device_key}")
    await _first_message_or_close(f"{boards}/ws/v1/gates/tan-thanh/board?token={session}")
    return [admin_token, enterprise.token, session, device_key, user_session], vehicle["plate"]


async def _enterprise_user_session(
    client: httpx.AsyncClient, enterprise_id: str, manager_key: str
) -> str:
    email, password = f"clerk-{uuid.uuid4().hex[:8]}@cong-ty.vn", "mật-khẩu-đủ-dài"
    body = {"email": email, "full_name": "Nhân viên", "password": password, "role": "clerk"}
    created = await client.post(
        f"/api/v1/enterprises/{enterprise_id}/users",
        json=body,
        headers={"Authorization": f"Bearer {manager_key}"},
    )
    assert created.status_code == 201, created.text
    signed_in = await client.post(
        "/api/v1/auth/sessions", json={"email": email, "password": password}
    )
    assert signed_in.status_code == 201, signed_in.text
    return str(signed_in.json()["token"])


def test_no_secret_reaches_the_server_output_and_the_banner_only_says_the_env_token_is_set(
    tmp_path: Path,
):
    listener, boards = listening(), listening()
    boards_port = port_of(boards)
    data_dir = tmp_path / "fresh" / "data"
    output = tmp_path / "server.log"
    env = _env(data_dir, GATE_ADMIN_TOKEN=ENV_ADMIN_TOKEN)
    with boards, running_platform(_serve(), env, listener, output=output, boards=boards) as base:
        secrets, plate = asyncio.run(
            _traffic(base, f"ws://127.0.0.1:{boards_port}", ENV_ADMIN_TOKEN)
        )
    log = output.read_text()
    # Standard output is a file, not a terminal: the banner is a JSON line (gate/cli).
    banner = next(line for line in log.splitlines() if '"serve.started"' in line)
    assert ENV_ADMIN_TOKEN not in banner and "GATE_ADMIN_TOKEN" in banner
    # The request lines are there (the log is on), with their secrets redacted.
    assert "?token=[redacted]" in log and "WebSocket /ws/v1/enterprise/vehicles" in log
    for secret in secrets:
        assert secret not in log, f"a secret ({secret[:4]}…) is in the server's output"
    assert "/api/v1/bookings?plate=[redacted]" in log
    assert plate not in log, "a full plate is in the server's output"
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "gate.db") == 0o600
    assert _mode(data_dir / "secret-key") == 0o600


def test_a_generated_admin_token_is_kept_owner_only_and_the_banner_names_its_file(
    tmp_path: Path,
):
    listener, boards = listening(), listening()
    port = port_of(listener)
    data_dir = tmp_path / "fresh" / "data"
    output = tmp_path / "server.log"
    env = _env(data_dir)
    with boards, running_platform(_serve(), env, listener, output=output, boards=boards):
        token = (data_dir / "admin-token").read_text().strip()
        answer = httpx.put(
            f"http://127.0.0.1:{port}/api/v1/gates/tan-thanh/schedules/export",
            params={"token": token},
            json={"hourly_capacity": 50, "opens_at": 0, "closes_at": 24},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.text
    log = output.read_text()
    # Standard output is a file, not a terminal: the banner is a JSON line (gate/cli).
    banner = next(line for line in log.splitlines() if '"serve.started"' in line)
    assert str(data_dir / "admin-token") in banner
    assert token not in log
    assert _mode(data_dir) == 0o700
    for name in ("gate.db", "admin-token", "secret-key"):
        assert _mode(data_dir / name) == 0o600, name


@pytest.fixture(autouse=True)
def _no_stray_gate_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [k for k in os.environ if k.startswith("GATE_")]:
        monkeypatch.delenv(name)
