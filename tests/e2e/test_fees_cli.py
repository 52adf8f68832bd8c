"""``gate fees add-schedule`` and ``gate fees demo`` as the operator runs them, on SQLite
(the embedded default) and PostgreSQL: a version from a file checked as the API checks it,
the demo's illustrative schedule once per gate, and a mistake said in one line (exit 2)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from gate.domain.time import utc_now
from tests.e2e.cli import environment, gate, one_line
from tests.services import BACKENDS, POSTGRES_URL, outside_loop, worker


def _fresh_postgres(name: str) -> str:
    async def recreate() -> None:
        connection = await asyncpg.connect(POSTGRES_URL)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()

    outside_loop(asyncio.run, recreate())
    return f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_operator_adds_the_demo_schedule_once_and_a_version_from_a_file(
    backend: str, tmp_path: Path
) -> None:
    if backend == "sqlite":
        env = environment(GATE_DATA_DIR=str(tmp_path / "data"))
    else:
        env = environment(GATE_DATABASE_URL=_fresh_postgres(f"gate_fees_cli_{worker()}"))
    for step in (("db", "upgrade"), ("db", "seed")):
        done = gate(*step, env=env)
        assert done.returncode == 0, done.stderr

    demo = gate("fees", "demo", env=env)
    assert demo.returncode == 0, demo.stderr
    assert one_line(demo.stdout) == (
        "demo fee schedules added: chi-ma, coc-nam, huu-nghi, tan-thanh"
    )
    again = gate("fees", "demo", env=env)
    assert one_line(again.stdout) == "demo fee schedules added: none (every gate has one)"

    start = (utc_now() + timedelta(days=1)).replace(microsecond=0)
    schedule = {
        "effective_from": start.isoformat(),
        "decision": "Nghị quyết 99/2026/NQ-HĐND",
        "rates": [
            {"direction": d, "vehicle_type": "*", "load_class": "*", "amount_vnd": 1_000_000}
            for d in ("export", "import")
        ],
    }
    file = tmp_path / "rates.json"
    file.write_text(json.dumps(schedule), encoding="utf-8")
    added = gate("fees", "add-schedule", "--gate", "tan-thanh", "--file", str(file), env=env)
    assert added.returncode == 0, added.stderr
    # Version 2: the demo's was the first.
    assert one_line(added.stdout) == f"tan-thanh: version 2, in force from {start.isoformat()}"

    # The same start again is refused by the rule (after the latest version's start).
    refused = gate("fees", "add-schedule", "--gate", "tan-thanh", "--file", str(file), env=env)
    assert refused.returncode == 2
    assert "after the latest" in one_line(refused.stderr)
    file.write_text(json.dumps({**schedule, "rates": schedule["rates"][:1]}), encoding="utf-8")
    no_catch_all = gate("fees", "add-schedule", "--gate", "chi-ma", "--file", str(file), env=env)
    assert no_catch_all.returncode == 2 and "catch-all" in one_line(no_catch_all.stderr)
    unknown = gate("fees", "add-schedule", "--gate", "nowhere", "--file", str(file), env=env)
    assert unknown.returncode == 2 and "no gate" in one_line(unknown.stderr)
    file.write_text("{not json", encoding="utf-8")
    broken = gate("fees", "add-schedule", "--gate", "chi-ma", "--file", str(file), env=env)
    assert broken.returncode == 2 and str(file) in one_line(broken.stderr)
