"""The platform under the benchmark: started as deployed on a scratch database, and the
administrator's calls that set a measurement up (a gate open around the clock, a camera)."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from loadtests.machine import BIN, REDIS, ROOT

ADMIN = "bench-admin-token"


@contextmanager
def platform(
    database_url: str,
    port: int,
    namespace: str,
    workers: int = 1,
    checkout: Path = ROOT,
    profile_to: Path | None = None,
    settings: dict[str, str] | None = None,
    server: str = "uvicorn",
) -> Any:
    """``gate serve`` on ``database_url`` until the block ends: the base URL and its pid.
    ``checkout`` runs another working tree of the project (an older commit, to compare) with
    this one's virtual environment: its folder comes first on PYTHONPATH. ``profile_to``
    serves it through ``loadtests/profiled_serve.py`` (one worker only): cProfile, started
    and written to that file on signals (see there). ``settings``: GATE_ variables set on top
    of the benchmark's own (``{"GATE_OUTBOX": "off"}``: the same run without the outbox's
    dispatcher). ``server``: "uvicorn" (``gate serve`` as deployed) or "granian" (the same
    command through loadtests/granian_serve.py, granian in uvicorn's place)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATE_")}
    env.update(
        GATE_DATABASE_URL=database_url,
        GATE_REDIS_URL=REDIS,
        GATE_REDIS_NAMESPACE=namespace,
        GATE_ADMIN_TOKEN=ADMIN,
        GATE_PORT=str(port),
        GATE_SWEEP_SECONDS="0",
        GATE_DATA_DIR=tempfile.mkdtemp(prefix="gate-bench-"),
        # The benchmark measures the platform, not its limits: one enterprise books thousands
        # of trucks a second here and every load comes from 127.0.0.1. The limits stay on
        # (their checks are part of each request's cost), far above what is offered.
        GATE_BOOKING_WRITE_LIMIT="1000000/second",
        GATE_SIGNIN_LIMIT_PER_ADDRESS="100000/minute",
        GATE_WS_MAX_PER_ADDRESS="0",
        GATE_BOARDS_MAX_PER_ADDRESS="0",
    )
    env.update(settings or {})
    # GATE_BENCH_SERVER_LOG keeps the platform's log (to see what a 5xx was), else it goes.
    kept = os.environ.get("GATE_BENCH_SERVER_LOG")
    log = open(kept, "wb") if kept else tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
    if checkout != ROOT:
        env["PYTHONPATH"] = str(checkout)
    command = [str(BIN / "python"), "-m", "gate.cli"]
    if server == "granian":
        command = [str(BIN / "python"), str(ROOT / "loadtests" / "granian_serve.py")]
    elif server != "uvicorn":
        raise ValueError(f"no server {server!r}: uvicorn or granian")
    if profile_to is not None:
        if workers != 1:
            raise ValueError("a profile is of one process: workers=1")
        env["COUNT_CALLS_PROFILE"] = str(profile_to)
        command = [str(BIN / "python"), str(ROOT / "loadtests" / "profiled_serve.py")]
    process = subprocess.Popen(
        [*command, "serve", "--workers", str(workers)],
        env=env,
        cwd=checkout,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("the platform did not start")
        yield base, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        log.close()


def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN}"}


def open_gate(base: str, capacity: int = 10_000, gate: str = "tan-thanh") -> None:
    for direction in ("export", "import"):
        httpx.put(
            f"{base}/api/v1/gates/{gate}/schedules/{direction}",
            headers=admin(),
            json={"hourly_capacity": capacity, "opens_at": 0, "closes_at": 24},
        ).raise_for_status()


def camera(base: str, gate: str = "tan-thanh", direction: str = "export") -> str:
    made = httpx.post(
        f"{base}/api/v1/gates/{gate}/devices",
        headers=admin(),
        json={"name": "bench", "kind": "lpr_camera", "direction": direction},
    )
    made.raise_for_status()
    return str(made.json()["token"])


def walk_in_cameras(base: str, gate: str, series: str) -> dict[str, str]:
    """What loadtests/wrk/checkin.lua reads from its environment: a camera of each direction
    at ``gate`` and the plate ``series`` its walk-ins are numbered in."""
    return {
        "TOKEN": camera(base, gate, "export"),
        "TOKEN2": camera(base, gate, "import"),
        "GATE": gate,
        "SERIES": series,
    }


async def enterprise_with_driver(
    client: httpx.AsyncClient, admin_headers: dict[str, str], name: str, id_number: str
) -> tuple[dict[str, str], dict[str, Any]]:
    """A new enterprise (made with ``admin_headers``), its API key's headers, and one driver."""
    enterprise = (
        await client.post(
            "/api/v1/enterprises",
            headers=admin_headers,
            json={"name": name, "tax_code": f"{uuid.uuid4().int % 10**10:010d}"},
        )
    ).json()
    key = (
        await client.post(
            f"/api/v1/enterprises/{enterprise['id']}/api-keys",
            headers=admin_headers,
            json={"name": name.lower()},
        )
    ).json()["token"]
    headers = {"Authorization": f"Bearer {key}"}
    driver = (
        await client.post(
            "/api/v1/drivers",
            headers=headers,
            json={"full_name": name, "id_number": id_number, "phone": "0900000000"},
        )
    ).json()
    return headers, dict(driver)
