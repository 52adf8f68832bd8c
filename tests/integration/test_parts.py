"""A process serves the parts it is asked for (GATE_PARTS, ``gate serve --parts``): one
started for check-ins alone serves them and loads no module of the pages or the booking API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gate.config import PARTS, Settings, parse_parts
from services.app import assemble_app, build_platform
from tests.e2e.server import ROOT
from tests.helpers import ADMIN_TOKEN, Api, device, open_all_day, read, this_hour

# Run in a fresh interpreter, so that what it imported is what a check-in process imports:
# the app for GATE_PARTS from the environment, one check-in through it, then its modules.
CHECK_IN_ALONE = """
import asyncio, json, sys
import httpx
from services.app import create_app
from tests.asgi import in_process_client

async def main():
    request = json.loads(sys.argv[1])
    async with in_process_client(create_app()) as client:
        headers = request["headers"]
        answer = await client.post(request["path"], json=request["body"], headers=headers)
        wrong_part = await client.get("/api/v1/bookings", headers=headers)
    print(json.dumps({
        "status": answer.status_code,
        "answer": answer.json(),
        "bookings_api": wrong_part.status_code,
        "modules": sorted(sys.modules),
    }))

asyncio.run(main())
"""


async def test_a_check_in_process_serves_a_check_in_and_imports_no_page_or_booking_api(
    api: Api, settings: Settings
):
    await open_all_day(api)
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour())).json()
    request = {
        "path": "/api/v1/gates/tan-thanh/checkins",
        "body": read(booking["plate"]),
        "headers": await device(api),
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATE_")}
    env.update(
        GATE_PARTS="checkin",
        GATE_DATABASE_URL=settings.database_url,
        GATE_DATA_DIR=str(settings.data_dir),
        GATE_ADMIN_TOKEN=ADMIN_TOKEN,
        GATE_SWEEP_SECONDS="0",
    )
    ran = subprocess.run(
        [sys.executable, "-c", CHECK_IN_ALONE, json.dumps(request)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    served = json.loads(ran.stdout.strip().splitlines()[-1])
    assert served["status"] == 200, served["answer"]
    assert served["answer"]["outcome"] == "on_time"
    assert served["bookings_api"] == 404  # not mounted here
    modules = served["modules"]
    assert "services.checkins.endpoints" in modules
    loaded = [
        m
        for m in modules
        if m == "services.web"
        or m.startswith(("services.web.", "services.api.bookings", "services.live"))
    ]
    assert loaded == []
    assert "services.api" not in modules


def test_parts_are_read_as_named_and_refused_when_unknown():
    assert Settings.from_env({}).parts == PARTS
    assert Settings.from_env({"GATE_PARTS": " pages, checkin "}).parts == ("checkin", "pages")
    for wrong in ("bookings", "checkin,nothing", ","):
        with pytest.raises(ValueError, match="parts are some of"):
            parse_parts(wrong)


async def test_each_part_mounts_only_its_own_routes(tmp_path: Path):
    """Health and the problem types' pages in every process; the rest by part. Routes are
    the same on either database: this one needs none."""
    platform = build_platform(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db"))

    def paths(*parts: str) -> set[str]:
        app = assemble_app(platform, parts)
        return {route.path for route in app.routes if not route.path.startswith("/schema")}

    try:
        common = {"/health/live", "/health/ready", "/metrics", "/problems/{code:str}"}
        checkin = paths("checkin")
        assert "/api/v1/gates/{code:str}/checkins" in checkin
        assert not any(p.startswith(("/api/v1/bookings", "/portal", "/ws/")) for p in checkin)
        assert common <= checkin
        realtime = paths("realtime")
        assert "/ws/v1/gates/{code:str}/board" in realtime
        assert "/api/v1/gates/{code:str}/checkins" not in realtime
        assert "/portal" in paths("pages")
        api = paths("api")
        assert "/api/v1/bookings" in api and "/portal" not in api
        assert paths("boards") == common  # a server of its own beside the routes
        with pytest.raises(ValueError, match="no such part"):
            assemble_app(platform, ["bookings"])
    finally:
        await platform.engine.dispose()
