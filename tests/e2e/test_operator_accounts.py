"""The first accounts without curl, as real ``gate`` processes on SQLite and PostgreSQL:
``gate officers create`` and ``gate enterprises create`` make accounts that sign in and work,
show the password once (or write it to a new owner-only file) and never log it, and refuse a
mistake in one line with nothing created. And the progress of long work: ``gate audit verify
--progress`` and ``gate db seed --progress``."""

from __future__ import annotations

import json
import re
import stat
import uuid
from pathlib import Path

import httpx

from gate.config import Settings
from gate.domain.events import BookingCreated
from gate.store.database import create_engine, create_session_factory
from gate.store.unit_of_work import UnitOfWork
from tests.e2e.cli import environment, gate, one_line
from tests.helpers import admin, bearer


def _env(settings: Settings) -> dict[str, str]:
    return environment(
        GATE_DATABASE_URL=settings.database_url, GATE_DATA_DIR=str(settings.data_dir)
    )


def _printed_password(stdout: str) -> str:
    match = re.search(r"^  password: +(\S+)$", stdout, re.M)
    assert match, stdout
    return match.group(1)


async def _signs_in(client: httpx.AsyncClient, email: str, password: str) -> str:
    session = await client.post(
        "/api/v1/auth/sessions", json={"email": email, "password": password}
    )
    assert session.status_code == 201, session.text
    return str(session.json()["token"])


async def test_officers_create_makes_an_officer_who_signs_in_and_refuses_mistakes(
    settings: Settings, client: httpx.AsyncClient
):
    env = _env(settings)
    email = "hai-quan.1@bien-gioi.vn"
    options = ["--agency", "customs", "--name", "Nguyễn Thị Hải Quan", "--email", email]
    done = gate(
        "officers", "create", *options, "--gate", "tan-thanh", "--gate", "huu-nghi", env=env
    )
    assert done.returncode == 0, done.stderr
    password = _printed_password(done.stdout)
    assert password not in done.stderr  # the log line holds ids, never the password
    logged = json.loads(one_line(done.stderr))
    assert logged["event"] == "cli.officer.created" and logged["officer_id"] in done.stdout
    token = await _signs_in(client, email, password)
    me = await client.get("/api/v1/auth/me", headers=bearer(token))
    assert me.status_code == 200, me.text
    officers = (await client.get("/api/v1/officers", headers=admin())).json()
    assert [(o["email"], o["agency"], o["gates"]) for o in officers] == [
        (email, "customs", ["huu-nghi", "tan-thanh"])
    ]

    output = Path(settings.data_dir) / "kept.json"
    output.write_text("someone else's file\n")
    for arguments, named in [
        ([*options, "--gate", "tan-thanh"], "an account with that e-mail exists"),
        ([*options[:-1], "other@bien-gioi.vn", "--gate", "nowhere"], "no gate 'nowhere'"),
        ([*options[:-1], "not-an-email", "--gate", "tan-thanh"], "--email: "),
        (
            [*options[:-1], "b@bien-gioi.vn", "--gate", "tan-thanh", "--output", str(output)],
            "exists",
        ),
        (options, "the following arguments are required: --gate"),
    ]:
        refused = gate("officers", "create", *arguments, env=env)
        assert refused.returncode == 2, refused
        assert named in one_line(refused.stderr)
    assert len((await client.get("/api/v1/officers", headers=admin())).json()) == 1
    assert output.read_text() == "someone else's file\n"


async def test_enterprises_create_registers_it_and_a_manager_with_credentials_in_a_private_file(
    settings: Settings, client: httpx.AsyncClient
):
    env = _env(settings)
    output = Path(settings.data_dir) / "first-manager.json"
    options = ["--name", "Công ty TNHH Vận tải Đồng Đăng", "--tax-code", "4900123456"]
    manager = ["--manager-email", "giam-doc@dong-dang.vn", "--manager-name", "Lê Văn Giám"]
    done = gate("enterprises", "create", *options, *manager, "--output", str(output), env=env)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    kept = json.loads(output.read_text())
    assert kept["password"] not in done.stdout + done.stderr
    token = await _signs_in(client, "giam-doc@dong-dang.vn", kept["password"])
    # A manager: issues the enterprise's API keys, which a clerk may not.
    key = await client.post(
        f"/api/v1/enterprises/{kept['enterprise_id']}/api-keys",
        json={"name": "erp", "scope": "booking"},
        headers=bearer(token),
    )
    assert key.status_code == 201, key.text

    officer = ["--agency", "border_guard", "--name", "Biên Phòng", "--gate", "tan-thanh"]
    taken = gate("officers", "create", *officer, "--email", "bien-phong@bien-gioi.vn", env=env)
    assert taken.returncode == 0, taken.stderr
    held_elsewhere = ["--manager-email", "bien-phong@bien-gioi.vn", "--manager-name", "Ai Đó"]
    for arguments, named in [
        ([*options, *manager], "an enterprise with tax code 4900123456 exists"),
        (
            [options[0], "Công ty khác", "--tax-code", "4900654321", *held_elsewhere],
            "--manager-email: bien-phong@bien-gioi.vn is held by another account",
        ),
        ([options[0], "X", "--tax-code", "123", *manager], "--tax-code: "),
    ]:
        refused = gate("enterprises", "create", *arguments, env=env)
        assert refused.returncode == 2, refused
        assert named in one_line(refused.stderr)
    listed = (await client.get("/api/v1/enterprises", headers=admin())).json()
    assert [e["tax_code"] for e in listed] == ["4900123456"]


async def test_audit_verify_and_seed_show_their_progress_when_asked(settings: Settings):
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), _Silent()) as uow:
            for n in range(120):
                uow.record(
                    BookingCreated(
                        booking_id=str(uuid.uuid4()),
                        enterprise_id=None,
                        gate="tan-thanh" if n % 2 else "huu-nghi",
                        gate_id=f"chain-{n % 2}",
                        direction="export",
                        slot_start="2026-12-01T01:00:00+00:00",
                        to_status="booked",
                    )
                )
            await uow.commit()
    finally:
        await engine.dispose()
    env = _env(settings)

    quiet = gate("audit", "verify", env=env)
    assert quiet.returncode == 0 and quiet.stderr == ""  # not a terminal, not asked
    shown = gate("audit", "verify", "--progress", env=env)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "audit log verified: 120 entries, every chain intact"
    lines = shown.stderr.strip().splitlines()
    assert all(re.fullmatch(r"audit entries read: \d+ of 120 \(\d+%\)", line) for line in lines)
    assert 10 <= len(lines) <= 20 and lines[-1] == "audit entries read: 120 of 120 (100%)"

    seeded = gate("db", "seed", "--progress", env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stderr.strip().splitlines()[0] == "[1/4] gate huu-nghi: present"
    assert len(seeded.stderr.strip().splitlines()) == 4


class _Silent:
    """Where the test's own events go: nowhere (no process listens)."""

    async def publish(self, events: object) -> None:
        return None
